import numpy as np
import pytest

from pipeline import crops
from pipeline.crops import FER_LANDMARKS, FIT_LANDMARKS
from pipeline.faces import Face
from training import template


def test_a_variant_scales_the_template_about_its_centre_and_moves_it():
    points = np.c_[np.array(FER_LANDMARKS)[list(FIT_LANDMARKS)], np.ones(4)]
    centre = points[:, :2].mean(axis=0)
    np.testing.assert_allclose(template.variant_map(1.0, 0.0), np.eye(3))
    moved = points @ template.variant_map(1.08, 0.75).T
    np.testing.assert_allclose(moved[:, :2].mean(axis=0), centre + np.array([0, 0.75]))
    spread = np.linalg.norm(moved[0, :2] - moved[1, :2]) / np.linalg.norm(points[0] - points[1])
    assert spread == pytest.approx(1.08)


def test_the_template_in_use_cuts_what_the_app_cuts():
    photo = np.random.default_rng(0).integers(0, 255, (300, 300)).astype(np.uint8)
    scale = 100 / 48  # a face 100 px across, its landmarks where FER-2013's would be
    marks = tuple((100 + x * scale, 100 + y * scale) for x, y in FER_LANDMARKS)
    face = Face((100, 100, 100, 100), 1.0, landmarks=marks)
    app = crops.crop(photo, face, crops.framing_for("YuNet"))
    np.testing.assert_array_equal(template.cuts([(photo, face)], "YuNet", 1.0, 0.0)[0], app)
    assert not np.array_equal(template.cuts([(photo, face)], "YuNet", 1.08, 0.0)[0], app)
