"""Cutting a face out of a photo as FER-2013 frames its faces: 48x48 grey, brow to chin.

With landmarks (YuNet), the crop is the similarity transform that best lays the eyes and mouth
corners on the places YuNet finds them on FER-2013's own faces. Without them (Haar), or when the
landmarks disagree with the box too much to trust, the detector's box is scaled and shifted by
the framing measured for that detector, and the eyes levelled when known.

Both are measured by `python -m training.framing` on FER-2013 faces set in plain canvases, where
FER-2013's frame is known exactly (figures in models/README.md). A box is a noisy frame: YuNet's
box side over FER-2013's frame spans 0.79-1.19 between its 10th and 90th percentiles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from pipeline.emotion import INPUT_SIDE
from pipeline.faces import Face

MAX_SUPERSAMPLING = 8  # a large face is warped at up to 8 x 48 px, then area-averaged to 48
MAX_EYE_TILT_DEGREES = 45  # beyond this the landmarks are more likely wrong than the head tilted
# Where YuNet puts its landmarks on FER-2013's 48x48 frame (right eye, left eye, nose tip, mouth
# corners, as seen; pixel centres at integers): medians over 3,000 Training faces
# (`training.framing.fit`).
FER_LANDMARKS = ((14.25, 18.03), (32.79, 18.06), (23.31, 27.58), (15.88, 35.29), (31.62, 35.21))
# The fit uses the eyes and mouth corners: the nose tip moves off the face's axis as the head
# turns. A fitted frame this far from the box's is a turned face or a misplaced landmark.
FIT_LANDMARKS = (0, 1, 3, 4)
MAX_FIT_SCALE_RATIO = 1.4  # fitted frame side over the box's, either way
MAX_FIT_SHIFT = 0.25  # fitted frame centre from the box's, in the box frame's sides
# A crop below these reads as noise, not expression (measured on 48x48 crops: a lit webcam face
# has brightness ~140, contrast ~60, sharpness in the hundreds; a covered camera ~6, ~3, ~4).
MIN_BRIGHTNESS = 30  # mean grey level
MIN_CONTRAST = 12  # standard deviation of grey levels
MIN_SHARPNESS = 40  # variance of the Laplacian: lower is a blur


@dataclass(frozen=True)
class Framing:
    """Where FER-2013's 48x48 frame (brow to chin) sits relative to a detector's face box."""

    scale: float  # frame side / the box's longer side
    shift_x: float  # frame centre minus box centre, in box sides (positive: right, down)
    shift_y: float


# Medians of `python -m training.framing` over 3,000 Training faces. The old fixed 1.1 x box
# crop showed YuNet faces 11 % smaller than the model was trained on.
FRAMINGS: dict[str, Framing] = {
    "YuNet": Framing(scale=0.988, shift_x=0.0, shift_y=-0.017),
    "Haar cascade": Framing(scale=1.039, shift_x=0.003, shift_y=0.009),
}
DEFAULT_FRAMING = Framing(scale=1.0, shift_x=0.0, shift_y=0.0)


def framing_for(detector_name: str) -> Framing:
    """The measured framing of a detector's boxes; an unmeasured detector's box is the frame."""
    return FRAMINGS.get(detector_name, DEFAULT_FRAMING)


def crop(grey: np.ndarray, face: Face, framing: Framing = DEFAULT_FRAMING) -> np.ndarray:
    """One face of a grey photo as a 48x48 uint8 square framed as FER-2013 frames its faces."""
    return warp(grey, frame_map(face, framing))


def frame_map(
    face: Face, framing: Framing = DEFAULT_FRAMING, using: tuple[int, ...] = FIT_LANDMARKS
) -> np.ndarray:
    """The 2x3 similarity from photo pixels to the 48x48 frame `crop` cuts this face at
    (`using`: which landmarks the fit lays on FER-2013's; the app's are `FIT_LANDMARKS`)."""
    boxed = box_frame(face, framing)
    to_frame = landmark_fit(face, boxed, using) if face.landmarks else None
    return to_frame if to_frame is not None else similarity(*boxed, angle=_eye_angle(face))


def readable(crop: np.ndarray) -> bool:
    """Whether a 48x48 grey crop is lit and sharp enough for its expression to be read."""
    sharpness = cv2.Laplacian(crop, cv2.CV_64F).var()
    return (
        crop.mean() >= MIN_BRIGHTNESS and crop.std() >= MIN_CONTRAST and sharpness >= MIN_SHARPNESS
    )


def box_frame(face: Face, framing: Framing) -> tuple[float, float, float]:
    """(centre x, centre y, side) of the frame the box and the framing describe, in pixels.
    A box (x, y, w, h) covers pixels x to x + w - 1, so its centre is x + (w - 1) / 2."""
    x, y, w, h = face.box
    side = max(w, h)
    return (
        x + (w - 1) / 2 + framing.shift_x * side,
        y + (h - 1) / 2 + framing.shift_y * side,
        max(side * framing.scale, 1.0),
    )


def similarity(centre_x: float, centre_y: float, side: float, angle: float) -> np.ndarray:
    """The 2x3 map from photo pixels to the 48x48 frame: this square onto it, turned by `angle`
    degrees (pixel centres at integers, so the square's edges meet the frame's outer edges)."""
    to_frame = cv2.getRotationMatrix2D((centre_x, centre_y), angle, INPUT_SIDE / side)
    to_frame[:, 2] += (INPUT_SIDE - 1) / 2 - np.array([centre_x, centre_y])
    return to_frame


def frame_of(to_frame: np.ndarray) -> tuple[float, float, float, float]:
    """(centre x, centre y, side, angle) of the square a similarity map cuts: `similarity`'s
    arguments back."""
    centre = cv2.invertAffineTransform(to_frame) @ np.array([*(((INPUT_SIDE - 1) / 2,) * 2), 1])
    angle = math.degrees(math.atan2(-to_frame[1, 0], to_frame[0, 0]))
    return float(centre[0]), float(centre[1]), INPUT_SIDE / _zoom(to_frame), angle


def landmark_fit(
    face: Face, boxed: tuple[float, float, float], using: tuple[int, ...] = FIT_LANDMARKS
) -> np.ndarray | None:
    """The similarity that lays the face's landmarks (those indexed by `using`) on FER-2013's,
    unless it strays from the box's frame or tilts implausibly (then None)."""
    points = np.array(face.landmarks, np.float32)[list(using)]
    template = np.array(FER_LANDMARKS, np.float32)[list(using)]
    to_frame, _ = cv2.estimateAffinePartial2D(points, template, method=cv2.LMEDS)
    if to_frame is None:
        return None
    centre_x, centre_y, side, angle = frame_of(to_frame)
    box_x, box_y, box_side = boxed
    ratio = side / box_side
    shift = math.hypot(centre_x - box_x, centre_y - box_y) / box_side
    plausible = (
        1 / MAX_FIT_SCALE_RATIO <= ratio <= MAX_FIT_SCALE_RATIO
        and shift <= MAX_FIT_SHIFT
        and abs(angle) <= MAX_EYE_TILT_DEGREES
    )
    return to_frame if plausible else None


def warp(grey: np.ndarray, to_frame: np.ndarray) -> np.ndarray:
    """The 48x48 frame a 2x3 map describes, area-averaged from up to 8x finer when the face is
    larger than the frame, so a big face is not aliased; edges past the photo's replicated."""
    zoom = _zoom(to_frame)
    factor = min(MAX_SUPERSAMPLING, max(1, math.ceil(1 / zoom)))
    fine = to_frame * factor
    fine[:, 2] += (factor - 1) / 2  # pixel centres: u_fine = factor * u + (factor - 1) / 2
    side = INPUT_SIDE * factor
    sampled = cv2.warpAffine(
        grey, fine, (side, side), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    if factor == 1:
        return sampled
    return cv2.resize(sampled, (INPUT_SIDE, INPUT_SIDE), interpolation=cv2.INTER_AREA)


def _zoom(to_frame: np.ndarray) -> float:
    """Frame pixels per photo pixel of a similarity map."""
    return math.hypot(to_frame[0, 0], to_frame[1, 0])


def _eye_angle(face: Face) -> float:
    """Degrees to rotate so the eyes are level; 0 without landmarks or for implausible tilts."""
    if face.eyes is None:
        return 0.0
    (rx, ry), (lx, ly) = face.eyes
    angle = float(np.degrees(np.arctan2(ly - ry, lx - rx)))
    return angle if abs(angle) <= MAX_EYE_TILT_DEGREES else 0.0
