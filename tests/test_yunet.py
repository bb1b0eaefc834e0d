import sys

import cv2
import numpy as np
import pytest

from pipeline import yunet
from tests.conftest import YUNET_ONNX, needs_shared

pytestmark = needs_shared(YUNET_ONNX)


def test_a_file_that_takes_any_size_runs_in_onnx_runtime():
    assert yunet.load(YUNET_ONNX).runtime == "ONNX Runtime"


def _side_by_side(photos: list[np.ndarray]) -> np.ndarray:
    canvas = np.full((max(p.shape[0] for p in photos), sum(p.shape[1] for p in photos), 3), 90)
    left = 0
    for photo in photos:
        canvas[: photo.shape[0], left : left + photo.shape[1]] = photo
        left += photo.shape[1]
    return canvas.astype(np.uint8)


def _photos(astronaut, group_photo, faceless):
    """Sizes that are and are not multiples of the stride, one to three faces, and none."""
    return {
        "astronaut": astronaut,
        "group": group_photo,
        "odd size": cv2.resize(astronaut, (333, 517)),
        "small": cv2.resize(astronaut, (200, 150)),
        "faces of four sizes": _side_by_side(
            [cv2.resize(astronaut, (side, side)) for side in (96, 160, 256, 512)]
        ),
        "faceless": faceless,
    }


def test_onnx_runtime_reads_what_opencv_reads(astronaut, group_photo, faceless):
    """The decoding here matches FaceDetectorYN's own: the same faces, boxes, landmarks and
    scores, to float rounding."""
    fast, reference = yunet.OnnxRuntimeYuNet.for_file(YUNET_ONNX), yunet.OpenCvYuNet(YUNET_ONNX)
    for name, rgb in _photos(astronaut, group_photo, faceless).items():
        bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
        ours, theirs = fast.rows(bgr), reference.rows(bgr)
        assert ours.shape == theirs.shape, name
        ours, theirs = ours[np.argsort(-ours[:, 14])], theirs[np.argsort(-theirs[:, 14])]
        np.testing.assert_allclose(ours, theirs, atol=1e-3, err_msg=name)
    assert len(fast.rows(cv2.cvtColor(group_photo, cv2.COLOR_RGB2BGR))) == 3


class _Tensor:
    def __init__(self, name: str, shape: list) -> None:
        self.name, self.shape = name, shape


class _Session:
    """What ONNX Runtime says of a YuNet file exported another way."""

    def __init__(self, input_shape: list, outputs: tuple[str, ...]) -> None:
        self._input, self._outputs = _Tensor("input", input_shape), outputs

    def get_inputs(self):
        return [self._input]

    def get_outputs(self):
        return [_Tensor(name, [1, "anchors", 1]) for name in self._outputs]


@pytest.mark.parametrize(
    "session",
    [
        _Session([1, 3, 640, 640], yunet.OUTPUTS),  # exported at one size (the Hub's 2023 file)
        _Session([1, 3, "height", "width"], ("loc", "conf", "iou")),  # the 2022 heads
    ],
    ids=["fixed size", "other outputs"],
)
def test_a_file_onnx_runtime_cannot_serve_runs_in_opencv(monkeypatch, session):
    import onnxruntime

    monkeypatch.setattr(onnxruntime, "InferenceSession", lambda *args, **kwargs: session)
    assert yunet.OnnxRuntimeYuNet.for_file(YUNET_ONNX) is None
    assert yunet.load(YUNET_ONNX).runtime == "OpenCV DNN"


def test_without_onnx_runtime_opencv_serves(monkeypatch, astronaut):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import fails as if not installed
    net = yunet.load(YUNET_ONNX)
    assert net.runtime == "OpenCV DNN"
    assert len(net.rows(cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))) == 1
