import numpy as np
import pytest

from pipeline import faces
from tests.conftest import YUNET_ONNX, needs_shared


@pytest.fixture(scope="module")
def haar():
    return faces.HaarDetector()


@pytest.fixture(scope="module")
def yunet():
    return faces.YuNetDetector(YUNET_ONNX)


def _centre_inside(face: faces.Face, region: tuple[int, int, int, int]) -> bool:
    x, y, w, h = face.box
    left, top, right, bottom = region
    return left <= x + w / 2 <= right and top <= y + h / 2 <= bottom


# Eileen Collins' face in data.astronaut(): roughly x 170-280, y 50-190.
ASTRONAUT_FACE = (150, 40, 300, 200)


def test_haar_finds_the_astronaut(haar, astronaut):
    found = haar.detect(astronaut)
    assert len(found) == 1
    assert _centre_inside(found[0], ASTRONAUT_FACE)
    assert found[0].landmarks is None


def test_haar_finds_every_face_of_a_group(haar, group_photo):
    assert len(haar.detect(group_photo)) == 3


def test_nothing_in_a_faceless_image(haar, faceless):
    assert haar.detect(faceless) == []


@needs_shared(YUNET_ONNX)
def test_yunet_finds_the_astronaut_with_landmarks(yunet, astronaut):
    found = yunet.detect(astronaut)
    assert len(found) == 1
    face = found[0]
    assert _centre_inside(face, ASTRONAUT_FACE)
    assert face.score > 0.7 and len(face.landmarks) == 5
    (rx, _), (lx, _) = face.eyes
    assert rx < lx  # the subject's right eye is on the image's left


@needs_shared(YUNET_ONNX)
def test_yunet_group_and_faceless(yunet, group_photo, faceless):
    assert len(yunet.detect(group_photo)) == 3
    assert yunet.detect(faceless) == []


@needs_shared(YUNET_ONNX)
def test_big_photo_is_downscaled_and_boxes_map_back(yunet, astronaut):
    import cv2

    big = cv2.resize(astronaut, (2560, 2560), interpolation=cv2.INTER_LINEAR)
    found = yunet.detect(big)
    assert len(found) == 1
    assert _centre_inside(found[0], tuple(v * 5 for v in ASTRONAUT_FACE))


def test_downscale_keeps_small_images():
    small = np.zeros((100, 200, 3), np.uint8)
    same, scale = faces.downscale(small)
    assert same is small and scale == 1.0
    shrunk, scale = faces.downscale(np.zeros((3000, 1500, 3), np.uint8))
    assert shrunk.shape[:2] == (1024, 512) and scale == pytest.approx(1024 / 3000)


def test_load_detector_picks_by_availability():
    assert isinstance(faces.load_detector(None), faces.HaarDetector)


@needs_shared(YUNET_ONNX)
def test_load_detector_takes_yunet_when_given():
    assert isinstance(faces.load_detector(YUNET_ONNX), faces.YuNetDetector)


@needs_shared(YUNET_ONNX)
def test_yunet_is_safe_to_share_between_threads(yunet, astronaut, group_photo):
    from concurrent.futures import ThreadPoolExecutor

    photos = [astronaut, group_photo] * 8
    with ThreadPoolExecutor(4) as pool:
        counts = list(pool.map(lambda p: len(yunet.detect(p)), photos))
    assert counts == [1, 3] * 8


def test_boxes_are_clipped_to_the_image():
    assert faces._clip_box((-10, -5, 50, 40), (30, 30, 3)) == (0, 0, 30, 30)
    assert faces._clip_box((40, 40, 10, 10), (30, 30, 3)) is None
