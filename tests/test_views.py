import cv2
import numpy as np

from pipeline import emotion
from training import views


def test_the_blur_spreads_a_pixel_as_far_as_the_jitters_resampling_does():
    # A lone bright pixel, moved by random fractions of a pixel as the jitter's one bilinear
    # warp moves it: its mean spread along x is the blur's (the shift itself not counted).
    rng = np.random.default_rng(0)
    impulse = np.zeros((48, 48), np.float32)
    impulse[24, 24] = 1
    spreads = []
    for shift in rng.uniform(0, 1, 400):
        moved = cv2.warpAffine(impulse, np.float64([[1, 0, shift], [0, 1, 0]]), (48, 48))
        weights = moved.sum(axis=0)
        xs = np.arange(48)
        mean = (weights * xs).sum()
        spreads.append((weights * (xs - mean) ** 2).sum())
    blurred = views._blur(impulse).sum(axis=0)
    blur_spread = (blurred * (np.arange(48) - 24) ** 2).sum()
    assert abs(np.mean(spreads) - views.TRAINING_BLUR_VARIANCE) < 0.01
    assert abs(blur_spread - views.TRAINING_BLUR_VARIANCE) < 1e-6


def test_the_face_view_is_what_the_app_reads(emotion_model):
    faces = np.random.default_rng(1).integers(0, 256, (4, 48, 48)).astype(np.uint8)
    one_view = emotion.EmotionModel(emotion_model._model, "bundled", mirror_average=False)
    readings = views.view_readings(one_view, faces)
    assert set(readings) == {f"{n}{m}" for n in views.VIEWS for m in ("", "+mirror")}
    as_the_app = np.array([s.probabilities for s in emotion_model.classify(faces)])
    pair = (readings["face"] + readings["face+mirror"]) / 2
    np.testing.assert_allclose(pair, as_the_app, atol=1e-5)


def test_a_comparison_counts_the_faces_each_way_and_brackets_the_gain():
    baseline = np.array([True] * 60 + [False] * 40)
    better = baseline.copy()
    better[60:70] = True  # ten more right
    better[0] = False  # one fewer
    figures = views.compare(better, baseline, np.random.default_rng(0))
    assert (figures["turned_right"], figures["turned_wrong"]) == (10, 1)
    assert figures["accuracy"] == 69.0 and figures["gain"] == 9.0
    low, high = figures["gain_95"]
    assert 0 < low < 9 < high


def test_a_view_better_on_every_face_is_chosen_on_every_half():
    rng = np.random.default_rng(0)
    face = rng.random(400) < 0.6
    pairs = {"face": face, "sharper": face | (rng.random(400) < 0.5), "worse": ~face}
    chosen = views.chosen_on_half(pairs, rng)
    assert chosen["picked"] == {"sharper": views.SPLIT_DRAWS}
    assert chosen["gain_mean"] > 10


def test_the_table_has_a_row_for_every_view_and_average():
    figures = {"accuracy": 69.0, "gain": 0.5, "gain_95": [-0.2, 1.1], "turned_right": 9}
    figures["turned_wrong"] = 3
    report = {
        "views": {"face": {"view": "the face itself", **figures}},
        "averages": {"four views": figures},
    }
    rows = views.table(report).splitlines()
    assert rows[2] == "| the face itself | 69.00 % | +0.50 | -0.20 to +1.10 | +9 / -3 |"
    assert rows[3].startswith("| four views |") and len(rows) == 4
