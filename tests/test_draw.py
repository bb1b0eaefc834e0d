import numpy as np

from pipeline import draw
from pipeline.emotion import EMOTIONS, EmotionScores
from pipeline.faces import Face

HAPPY = EmotionScores(tuple(0.9 if e == "happy" else 0.1 / 6 for e in EMOTIONS))


def test_boxes_are_drawn_on_a_copy_in_the_emotion_colour():
    photo = np.zeros((200, 300, 3), np.uint8)
    out = draw.annotate(photo, [Face((50, 60, 80, 80), 0.9)], [HAPPY])
    assert photo.max() == 0  # the input is untouched
    assert tuple(out[100, 50]) == draw.EMOTION_COLOURS["happy"]  # left edge of the box


def test_label_near_the_right_edge_stays_inside():
    photo = np.zeros((200, 300, 3), np.uint8)
    out = draw.annotate(photo, [Face((280, 100, 20, 20), 0.9)], [HAPPY])
    assert out[:, :250].any()  # the label tab was moved left to fit


def test_large_photos_are_shrunk_for_display():
    out = draw.annotate(np.zeros((3000, 2000, 3), np.uint8), [], [])
    assert max(out.shape[:2]) == draw.MAX_DISPLAY_SIDE


def test_each_answer_gets_its_own_file_even_for_the_same_picture(tmp_path, astronaut):
    from PIL import Image

    paths = [draw.save_for_page(astronaut, tmp_path / "cache") for _ in range(2)]
    assert paths[0] != paths[1]
    for path in paths:
        with Image.open(path) as picture:
            assert picture.format == "JPEG" and picture.size == astronaut.shape[1::-1]
