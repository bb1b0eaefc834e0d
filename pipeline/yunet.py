"""Running OpenCV Zoo's YuNet face detector: rows of (box, five landmarks, score) for an image.

ONNX Runtime runs the net four times faster than OpenCV's DNN on this CPU (512x512: 4.5 ms
against 18 on one core) and takes every input size without reallocating the net, so a YuNet
file that accepts any size (the 2026 release) runs there, its outputs decoded here as OpenCV's
FaceDetectorYN decodes them. A file exported at one fixed size (the 2023 release, 640x640, the
one the Hub mirror pinned in `pipeline.hub` holds) runs in cv2.FaceDetectorYN, which resizes
its net to each photo.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

SCORE_THRESHOLD = 0.7  # OpenCV Zoo's default; fewer false faces in busy backgrounds
NMS_THRESHOLD = 0.3
TOP_K = 5000
STRIDES = (8, 16, 32)  # the net's three heads; the input is padded to a multiple of the last
OUTPUTS = tuple(f"{kind}_{stride}" for kind in ("cls", "obj", "bbox", "kps") for stride in STRIDES)
# One core per detection: the queue runs two requests at once on a 2-core Space; on two threads
# each, 8 clients got 0.72 of the answers a second (README, "Under load").
ONNX_RUNTIME_THREADS = 1
OPENCV_INITIAL_SIZE = (320, 320)  # replaced by each photo's own size before detecting


class YuNetNet(Protocol):
    runtime: str

    def rows(self, bgr: np.ndarray) -> np.ndarray:
        """(N, 15) float32 rows for a BGR uint8 image: x, y, w, h, five (x, y) landmarks
        (right eye, left eye, nose tip, right and left mouth corners), score."""
        ...


def load(onnx_path: str | Path) -> YuNetNet:
    """The fastest runtime that can run this YuNet file."""
    net = OnnxRuntimeYuNet.for_file(onnx_path)
    return net if net is not None else OpenCvYuNet(onnx_path)


class OnnxRuntimeYuNet:
    """YuNet in ONNX Runtime, for a file that takes any input size and has the 2023+ heads."""

    runtime = "ONNX Runtime"

    def __init__(self, session) -> None:
        self._session = session  # thread-safe: requests run it at once, each on its own core
        self._input = session.get_inputs()[0].name

    @classmethod
    def for_file(cls, onnx_path: str | Path) -> OnnxRuntimeYuNet | None:
        """The net in ONNX Runtime; None when the file has a fixed input size or other outputs
        (or ONNX Runtime is not installed)."""
        try:
            import onnxruntime
        except ImportError:
            return None
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = ONNX_RUNTIME_THREADS
        options.inter_op_num_threads = 1
        # Its arena (on, as by default) keeps the largest photo's buffers for reuse. Without
        # it every run takes fresh pages from the system, since the app keeps malloc's large
        # blocks on mmap (`pipeline.memory`): a 512x512 photo took 15 ms instead of 6.5.
        options.log_severity_level = 3  # errors only: its notes are not the app's to show
        session = onnxruntime.InferenceSession(
            str(onnx_path), options, providers=["CPUExecutionProvider"]
        )
        height, width = session.get_inputs()[0].shape[2:]
        outputs = {output.name for output in session.get_outputs()}
        if isinstance(height, int) or isinstance(width, int) or not outputs >= set(OUTPUTS):
            return None
        return cls(session)

    def rows(self, bgr: np.ndarray) -> np.ndarray:
        height, width = bgr.shape[:2]
        padded_height, padded_width = (_padded(side) for side in (height, width))
        blob = np.zeros((1, 3, padded_height, padded_width), np.float32)
        blob[0, :, :height, :width] = bgr.transpose(2, 0, 1)  # BGR, 0-255, zeros to the stride
        heads = self._session.run(OUTPUTS, {self._input: blob})
        return _decode(heads, padded_width, padded_height)


class OpenCvYuNet:
    """YuNet in OpenCV's DNN (cv2.FaceDetectorYN), which runs any YuNet file."""

    runtime = "OpenCV DNN"

    def __init__(self, onnx_path: str | Path) -> None:
        self._net = cv2.FaceDetectorYN.create(
            str(onnx_path), "", OPENCV_INITIAL_SIZE, SCORE_THRESHOLD, NMS_THRESHOLD, TOP_K
        )
        # The net holds the input size as state: concurrent requests must not interleave.
        self._lock = threading.Lock()

    def rows(self, bgr: np.ndarray) -> np.ndarray:
        height, width = bgr.shape[:2]
        with self._lock:
            self._net.setInputSize((width, height))
            _, rows = self._net.detect(bgr)
        return rows if rows is not None else np.zeros((0, 15), np.float32)


def _padded(side: int) -> int:
    return -(-side // STRIDES[-1]) * STRIDES[-1]


def _decode(heads: list[np.ndarray], padded_width: int, padded_height: int) -> np.ndarray:
    """The anchors of the three heads that score over the threshold, as rows in the padded
    image's pixels, best first after non-maximum suppression."""
    cls, obj, bbox, kps = (heads[i : i + len(STRIDES)] for i in range(0, len(heads), len(STRIDES)))
    rows = []
    for i, stride in enumerate(STRIDES):
        score = np.sqrt(np.clip(cls[i][0, :, 0], 0, 1) * np.clip(obj[i][0, :, 0], 0, 1))
        (anchor,) = np.nonzero(score >= SCORE_THRESHOLD)
        columns = padded_width // stride
        cell = np.stack([anchor % columns, anchor // columns], axis=1).astype(np.float32)
        box = bbox[i][0, anchor]
        centre = (cell + box[:, :2]) * stride
        size = np.exp(box[:, 2:]) * stride
        points = (kps[i][0, anchor].reshape(-1, 5, 2) + cell[:, None, :]) * stride
        rows.append(
            np.concatenate(
                [centre - size / 2, size, points.reshape(-1, 10), score[anchor, None]], axis=1
            )
        )
    rows = np.concatenate(rows).astype(np.float32)
    if not len(rows):
        return rows
    # Integer boxes, as FaceDetectorYN hands them to the same suppression.
    boxes = rows[:, :4].astype(np.int32).tolist()
    scores = rows[:, 14].tolist()
    keep = cv2.dnn.NMSBoxes(boxes, scores, SCORE_THRESHOLD, NMS_THRESHOLD, top_k=TOP_K)
    return rows[np.asarray(keep, dtype=int).reshape(-1)]
