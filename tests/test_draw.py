import numpy as np
import pytest

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


def overlap(a, b) -> int:
    dx = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    dy = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(0, dx) * max(0, dy)


@pytest.mark.parametrize("count", [2, 5, 12, 20])
def test_labels_of_a_crowd_stay_inside_and_never_cover_each_other(count):
    from pipeline.draw import MIN_FONT_SCALE, labels

    # A grid of faces packed edge to edge, as in a class photo: the top row touches the top.
    columns = 5
    side = 120
    found = [
        Face(((i % columns) * side, (i // columns) * side, side - 8, side - 8), 1.0)
        for i in range(count)
    ]
    shape = (((count - 1) // columns + 1) * side, columns * side, 3)
    placed = labels(shape, found, [HAPPY] * count)
    assert [label.number for label in placed] == list(range(1, count + 1))
    assert all(label.text.startswith(f"{label.number}: happy") for label in placed)
    for label in placed:
        x, y, w, h = label.box
        assert x >= 0 and y >= 0 and x + w <= shape[1] and y + h <= shape[0]
        assert label.font_scale >= MIN_FONT_SCALE
    for index, label in enumerate(placed):
        assert all(overlap(label.box, other.box) == 0 for other in placed[index + 1 :])
