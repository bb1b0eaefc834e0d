"""Face detection: YuNet (ONNX; see `pipeline.yunet`) or OpenCV's bundled Haar cascade."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from pipeline import images, yunet

MAX_DETECTION_SIDE = 1024  # pixels; YuNet misses faces that fill frames over ~2000 px
HAAR_CASCADE = "haarcascade_frontalface_default.xml"
HAAR_MIN_NEIGHBORS = 6  # higher than OpenCV's 3: the cascade's false positives hurt more here
HAAR_MIN_FACE_FRACTION = 0.06  # of the shorter side; smaller "faces" are mostly texture
HAAR_MIN_FACE_PIXELS = 20  # the cascade's own training size
HAAR_SCALE_STEP = 1.1  # pyramid step: finer finds more faces, coarser runs faster


@dataclass(frozen=True)
class Face:
    """One detected face in the coordinates of the image it was found in."""

    box: tuple[int, int, int, int]  # x, y, width, height
    score: float
    # right eye, left eye, nose tip, right and left mouth corners (as seen in the image); YuNet only
    landmarks: tuple[tuple[float, float], ...] | None = None

    @property
    def eyes(self) -> tuple[tuple[float, float], tuple[float, float]] | None:
        return (self.landmarks[0], self.landmarks[1]) if self.landmarks else None


class Detector(Protocol):
    name: str
    runtime: str  # what runs it, for the start-up log

    def detect(self, rgb: np.ndarray) -> list[Face]:
        """Faces in an RGB uint8 image, largest first."""
        ...


class YuNetDetector:
    """OpenCV Zoo's YuNet: fast, finds small and turned faces, gives five landmarks."""

    name = "YuNet"

    def __init__(self, onnx_path: str | Path) -> None:
        self._net = yunet.load(onnx_path)
        self.runtime = self._net.runtime

    def detect(self, rgb: np.ndarray) -> list[Face]:
        small, scale = downscale(rgb)
        rows = self._net.rows(cv2.cvtColor(small, cv2.COLOR_RGB2BGR))
        faces = [_yunet_face(row, scale, rgb.shape) for row in rows]
        return _largest_first([f for f in faces if f is not None])


class HaarDetector:
    """The frontal-face Haar cascade shipped inside opencv-python-headless 4.x: offline fallback."""

    name = "Haar cascade"
    runtime = "OpenCV"

    def __init__(self, cascade_path: str | Path | None = None) -> None:
        path = str(cascade_path or Path(cv2.data.haarcascades) / HAAR_CASCADE)
        self._cascade = cv2.CascadeClassifier(path)
        if self._cascade.empty():
            raise FileNotFoundError(f"no Haar cascade at {path}; opencv-python-headless<5 ships it")

    def detect(self, rgb: np.ndarray) -> list[Face]:
        small, scale = downscale(rgb)
        grey = cv2.equalizeHist(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY))
        min_side = max(int(min(grey.shape) * HAAR_MIN_FACE_FRACTION), HAAR_MIN_FACE_PIXELS)
        boxes, _, weights = self._cascade.detectMultiScale3(
            grey,
            scaleFactor=HAAR_SCALE_STEP,
            minNeighbors=HAAR_MIN_NEIGHBORS,
            minSize=(min_side, min_side),
            outputRejectLevels=True,
        )
        faces = []
        for (x, y, w, h), weight in zip(boxes, np.ravel(weights), strict=True):
            box = _clip_box((x / scale, y / scale, w / scale, h / scale), rgb.shape)
            if box is not None:
                faces.append(Face(box, score=float(weight)))
        return _largest_first(faces)


def load_detector(yunet_onnx: str | Path | None) -> Detector:
    """YuNet when its ONNX file is at hand, else the bundled Haar cascade."""
    return YuNetDetector(yunet_onnx) if yunet_onnx else HaarDetector()


def downscale(rgb: np.ndarray, max_side: int = MAX_DETECTION_SIDE) -> tuple[np.ndarray, float]:
    """Shrink so the longer side is at most `max_side`; returns the image and the scale used."""
    longest = max(rgb.shape[:2])
    if longest <= max_side:
        return rgb, 1.0
    scale = max_side / longest
    size = (round(rgb.shape[1] * scale), round(rgb.shape[0] * scale))
    return images.shrink(rgb, size), scale


def _yunet_face(row: np.ndarray, scale: float, shape: tuple[int, ...]) -> Face | None:
    box = _clip_box(tuple(row[:4] / scale), shape)
    if box is None:
        return None
    points = row[4:14].reshape(5, 2) / scale
    landmarks = tuple((float(x), float(y)) for x, y in points)
    return Face(box, score=float(row[14]), landmarks=landmarks)


def _clip_box(box: tuple[float, ...], shape: tuple[int, ...]) -> tuple[int, int, int, int] | None:
    """Round and clip (x, y, w, h) to the image; None when nothing of it is inside."""
    height, width = shape[:2]
    x0, y0 = max(round(float(box[0])), 0), max(round(float(box[1])), 0)
    x1 = min(round(float(box[0] + box[2])), width)
    y1 = min(round(float(box[1] + box[3])), height)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    return (x0, y0, x1 - x0, y1 - y0)


def _largest_first(faces: list[Face]) -> list[Face]:
    return sorted(faces, key=lambda f: f.box[2] * f.box[3], reverse=True)
