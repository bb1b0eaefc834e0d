import cv2
import numpy as np
import pytest

from pipeline import crops
from pipeline.faces import Face
from training import crop_fits


def _face_at_the_known_frame(tilt_degrees: float = 0.0) -> Face:
    """A face whose landmarks lie where FER-2013's do, in the known frame of the canvas,
    turned by `tilt_degrees`; its box is that frame."""
    centre_x, centre_y, side = crop_fits.known_frame()
    to_canvas = cv2.invertAffineTransform(crops.similarity(centre_x, centre_y, side, tilt_degrees))
    marks = np.c_[np.array(crops.FER_LANDMARKS), np.ones(5)] @ to_canvas.T
    corner = round(centre_x - (side - 1) / 2)
    return Face((corner, corner, int(side), int(side)), 1.0, landmarks=tuple(map(tuple, marks)))


def test_every_fit_cuts_the_known_frame_when_landmarks_and_box_agree_with_it():
    face = _face_at_the_known_frame()
    for name, fit in crop_fits.FITS.items():
        assert crop_fits.frame_error(fit(face, crops.DEFAULT_FRAMING)) < 1e-3, name


def test_a_tilted_face_is_levelled_by_the_app_and_kept_by_the_upright_fits():
    face = _face_at_the_known_frame(tilt_degrees=10.0)
    tilt = np.radians(10.0)
    app = crop_fits.FITS[crop_fits.APP](face, crops.DEFAULT_FRAMING)
    assert crops.frame_of(app)[3] == pytest.approx(10.0, abs=1e-3)
    assert crop_fits.frame_error(app) == pytest.approx(tilt, abs=1e-3)
    for name in ("the app's fit, kept upright", "the box alone, upright"):
        upright = crop_fits.FITS[name](face, crops.DEFAULT_FRAMING)
        assert crop_fits.frame_error(upright) < 1e-3, name


def test_the_table_has_a_row_per_fit_and_a_column_per_model():
    gain = {"accuracy": 68.6, "gain": -0.2, "gain_95": [-0.9, 0.5]}
    names = ("the known frame", *crop_fits.FITS)
    per_model = {"against_the_app": dict.fromkeys(names, gain), "by_frame_agreement": []}
    report = {"faces_found": 3438, "frame_error_thirds": [0, 1, 2, 3], "a.keras": per_model}
    lines = crop_fits.table(report).splitlines()
    assert len(lines) == 2 + len(names) and "3,438" in lines[0] and "a.keras" in lines[0]
    assert "(-0.20, -0.90 to +0.50)" in lines[2] and lines[3].endswith("| 68.60 % |")


def test_the_frame_error_adds_size_place_and_tilt():
    centre_x, centre_y, side = crop_fits.known_frame()
    assert crop_fits.frame_error(crops.similarity(centre_x, centre_y, side, 0.0)) < 1e-9
    bigger = crops.similarity(centre_x, centre_y, side * 1.25, 0.0)
    assert crop_fits.frame_error(bigger) == pytest.approx(np.log(1.25))
    moved = crops.similarity(centre_x + 0.06 * side, centre_y - 0.08 * side, side, 0.0)
    assert crop_fits.frame_error(moved) == pytest.approx(0.1)
    all_three = crops.similarity(centre_x + 0.06 * side, centre_y - 0.08 * side, side / 1.25, -5.0)
    assert crop_fits.frame_error(all_three) == pytest.approx(np.log(1.25) + 0.1 + np.radians(5))
