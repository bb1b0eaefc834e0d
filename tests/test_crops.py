import cv2
import numpy as np
import pytest

from pipeline import crops
from pipeline.faces import Face


def test_crop_is_48_grey(astronaut):
    grey = astronaut.mean(axis=2).astype(np.uint8)
    crop = crops.crop(grey, Face((170, 50, 110, 130), score=1.0))
    assert crop.shape == (48, 48) and crop.dtype == np.uint8


def _dot_photo(side: int, centre: tuple[int, int], radius: int) -> np.ndarray:

    grey = np.zeros((side, side), np.uint8)
    cv2.circle(grey, centre, radius, 255, -1)
    return grey


def _centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    ys, xs = np.nonzero(image > 128)
    return float(xs.mean()), float(ys.mean())


def test_a_48_px_face_at_its_box_is_cut_out_unchanged():
    face = np.random.default_rng(5).integers(0, 255, (48, 48)).astype(np.uint8)
    photo = cv2.copyMakeBorder(face, 30, 20, 10, 40, cv2.BORDER_CONSTANT, value=0)
    assert np.array_equal(crops.crop(photo, Face((10, 30, 48, 48), 1.0)), face)


def test_crop_centres_the_face_small_and_large():
    # A bright dot at the box centre must land at the centre of the 48x48 crop, whether the
    # face is small (upsampled) or large (area-averaged first), and near the photo's edge.
    for side, box in [
        (200, (60, 80, 30, 30)),
        (3000, (1200, 900, 900, 900)),
        (300, (0, 0, 60, 60)),
    ]:
        x, y, w, h = box
        grey = _dot_photo(side, (x + w // 2, y + h // 2), max(w // 8, 2))
        cx, cy = _centre_of_mass(crops.crop(grey, Face(box, 1.0)))
        assert abs(cx - 23.5) < 1.5 and abs(cy - 23.5) < 1.5, (side, box, cx, cy)


def test_framing_scales_and_shifts_the_crop():
    # The crop shows the frame a detector's framing describes: twice the box shows the dot at
    # half the size, and a frame centred a quarter box lower shows the dot 12 px higher.
    grey = _dot_photo(400, (200, 200), 40)
    box = Face((120, 120, 160, 160), 1.0)
    plain = crops.crop(grey, box)
    wide = crops.crop(grey, box, crops.Framing(scale=2.0, shift_x=0.0, shift_y=0.0))
    assert (wide > 128).sum() == pytest.approx((plain > 128).sum() / 4, rel=0.15)
    lower = crops.crop(grey, box, crops.Framing(scale=1.0, shift_x=0.0, shift_y=0.25))
    cx, cy = _centre_of_mass(lower)
    assert abs(cx - 23.5) < 1 and abs(cy - (23.5 - 12)) < 1


def test_every_detector_has_a_measured_framing():
    from pipeline import faces

    for detector in (faces.YuNetDetector, faces.HaarDetector):
        assert crops.framing_for(detector.name) is crops.FRAMINGS[detector.name]
    assert crops.framing_for("some other detector") == crops.DEFAULT_FRAMING


def test_implausible_eye_tilt_is_ignored():
    upside_down = Face((0, 0, 10, 10), 1.0, landmarks=((8, 5), (2, 5), (5, 6), (3, 8), (7, 8)))
    assert crops._eye_angle(upside_down) == 0.0


def test_crop_levels_tilted_eyes():
    # A face tilted by 20 degrees, landmarks and all, crops like the same face held level.
    canvas = np.zeros((200, 200), np.uint8)
    cv2.rectangle(canvas, (70, 70), (130, 130), 255, -1)
    cv2.circle(canvas, (100, 112), 8, 128, -1)
    level_marks = np.array([(81, 88), (119, 88), (100, 105), (84, 123), (116, 123)], np.float64)
    tilt = cv2.getRotationMatrix2D((100, 100), -20, 1.0)
    tilted = cv2.warpAffine(canvas, tilt, (200, 200))
    tilted_marks = np.c_[level_marks, np.ones(5)] @ tilt.T
    box = (50, 50, 100, 100)
    level = crops.crop(tilted, Face(box, 1.0, landmarks=tuple(map(tuple, tilted_marks))))
    flat = crops.crop(canvas, Face(box, 1.0, landmarks=tuple(map(tuple, level_marks))))
    assert np.abs(level.astype(int) - flat.astype(int)).mean() < 6
    tilted_face = Face(box, 1.0, landmarks=tuple(map(tuple, tilted_marks)))
    assert crops._eye_angle(tilted_face) == pytest.approx(20, abs=0.01)


def _marks_photo(to_frame: np.ndarray) -> tuple[np.ndarray, tuple]:
    """A photo with a dot where each of FER-2013's landmarks falls under the inverse of the
    2x3 map `to_frame`, and those places as a face's landmarks."""
    to_photo = cv2.invertAffineTransform(to_frame)
    marks = np.c_[np.array(crops.FER_LANDMARKS), np.ones(5)] @ to_photo.T
    photo = np.zeros((600, 600), np.uint8)
    for x, y in marks:
        cv2.circle(photo, (round(x), round(y)), 10, 255, -1)
    return photo, tuple(map(tuple, marks))


def test_landmarks_are_laid_where_fer2013_faces_have_them():
    # A face 4.2x FER-2013's size, turned 12 degrees, off-centre: each landmark dot lands on
    # its FER-2013 place in the crop.
    to_frame = cv2.getRotationMatrix2D((310, 280), 12, 1 / 4.2)
    to_frame[:, 2] += np.array([23.5, 23.5]) - (310, 280)
    photo, marks = _marks_photo(to_frame)
    side = round(48 * 4.2)
    face = Face((310 - side // 2, 280 - side // 2, side, side), 1.0, landmarks=marks)
    cut = crops.crop(photo, face)
    for x, y in np.array(crops.FER_LANDMARKS)[list(crops.FIT_LANDMARKS)]:
        window = cut[int(y) - 3 : int(y) + 5, int(x) - 3 : int(x) + 5]
        assert window.max() > 200, (x, y)


def test_landmarks_that_disagree_with_the_box_leave_the_framing_to_the_box():
    # Landmarks crammed into a corner of the box (a misfire): fitted to FER-2013's places they
    # would blow a sliver of the face up to the whole frame, so the box frames the face.
    photo = np.random.default_rng(0).integers(0, 255, (300, 300)).astype(np.uint8)
    box = (100, 100, 100, 100)
    crammed = ((104, 104), (110, 104), (107, 107), (105, 110), (109, 110))
    boxed = crops.crop(photo, Face(box, 1.0))
    assert np.array_equal(crops.crop(photo, Face(box, 1.0, landmarks=crammed)), boxed)
    shifted = tuple((x + 45, y + 45) for x, y in _marks_photo(_centred(150, 150, 100))[1])
    assert crops.landmark_fit(Face(box, 1.0, landmarks=shifted), (150, 150, 100)) is None
    plain = _marks_photo(_centred(150, 150, 100))[1]
    assert crops.landmark_fit(Face(box, 1.0, landmarks=plain), (150, 150, 100)) is not None


def _centred(x: float, y: float, side: float) -> np.ndarray:
    to_frame = cv2.getRotationMatrix2D((x, y), 0, 48 / side)
    to_frame[:, 2] += np.array([23.5, 23.5]) - (x, y)
    return to_frame


def test_frame_of_gives_back_what_similarity_was_given():
    for frame in ((120.5, 80.25, 64.0, 12.0), (30.0, 40.0, 200.0, -30.0), (0.0, 0.0, 48.0, 0.0)):
        np.testing.assert_allclose(crops.frame_of(crops.similarity(*frame)), frame, atol=1e-9)
