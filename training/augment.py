"""Training batches of FER-2013 faces with fresh jitter every epoch, the same on every backend.

Each face is moved by one affine warp (mirror, rotation, zoom and shift together), so it is
resampled once. Keras's separate `RandomTranslation`, `RandomRotation` and `RandomZoom` layers
resample three times in a row, which visibly blurs a 48x48 face: the net then trains on soft
faces and is tested on sharp ones. Then a random patch may be erased (Zhong et al., 2020).

With `app_frames`, a share of faces is first framed as the app's crop would frame them in a
photo (each face's own map from `training.framing.app_frames`, folded into the same warp), so
the net also learns the frame it is fed: YuNet's landmarks laid on FER-2013's median places.

With `small_faces`, a share of faces is shrunk to 16-32 px and brought back to 48, as the app
brings up a face that small in the photo (bilinear), so the net also learns blurred faces.

The jitter of batch `b` in epoch `e` depends only on (seed, e, b), so a run resumed from its
checkpoint at epoch `e` sees exactly the batches it would have seen.

`chained=True` keeps the old way (a resampling per move) for the ablation that measures it.
"""

from __future__ import annotations

import math

import cv2
import keras
import numpy as np

from pipeline.emotion import INPUT_SIDE

MAX_ROTATION_DEGREES = 10
ZOOM_RANGE = (0.9, 1.1)  # scale factor of the face
MAX_SHIFT = 0.1  # of the side, each way
ERASE_AREA = (0.02, 0.2)  # share of the face a patch covers
ERASE_ASPECT = (0.3, 3.3)  # patch height / width, log-uniform
SMALL_FACE_SIDES = (16, 32)  # px a small face spans in a photo; YuNet finds faces from ~20 px


def jitter(
    face: np.ndarray,
    rng: np.random.Generator,
    erasing: float,
    chained: bool = False,
    small_faces: float = 0.0,
    frame: np.ndarray | None = None,
) -> np.ndarray:
    """One 48x48 grey face (uint8) mirrored, rotated, zoomed, shifted, maybe made small and
    maybe erased; first mapped to `frame` (a 2x3 map in the face's pixels) when given."""
    centre = (INPUT_SIDE - 1) / 2
    angle = rng.uniform(-MAX_ROTATION_DEGREES, MAX_ROTATION_DEGREES)
    zoom = rng.uniform(*ZOOM_RANGE)
    shift = rng.uniform(-MAX_SHIFT, MAX_SHIFT, 2) * INPUT_SIDE
    mirror = rng.random() < 0.5
    if chained:
        if frame is not None:
            raise ValueError("the chained jitter (an ablation) takes no frame")
        out = _chained_warps(face, angle, zoom, shift, mirror)
    else:
        warp = cv2.getRotationMatrix2D((centre, centre), angle, zoom)
        warp[:, 2] += shift
        if mirror:  # x -> side - 1 - x, folded into the same warp
            warp = warp @ np.array([[-1, 0, INPUT_SIDE - 1], [0, 1, 0], [0, 0, 1]], np.float64)
        if frame is not None:  # the app's frame first, then the jitter: still one resampling
            warp = warp @ np.vstack([frame, [0, 0, 1]])
        out = _warp(face, warp)
    # Drawn only when asked for, so that runs without it see the same jitter as before.
    if small_faces and rng.random() < small_faces:
        side = int(rng.integers(SMALL_FACE_SIDES[0], SMALL_FACE_SIDES[1] + 1))
        small = cv2.resize(out, (side, side), interpolation=cv2.INTER_AREA)
        out = cv2.resize(small, (INPUT_SIDE, INPUT_SIDE), interpolation=cv2.INTER_LINEAR)
    if rng.random() < erasing:
        area = rng.uniform(*ERASE_AREA) * INPUT_SIDE**2
        aspect = math.exp(rng.uniform(*np.log(ERASE_ASPECT)))
        height = min(INPUT_SIDE, round(math.sqrt(area * aspect)))
        width = min(INPUT_SIDE, round(math.sqrt(area / aspect)))
        top = rng.integers(0, INPUT_SIDE - height + 1)
        left = rng.integers(0, INPUT_SIDE - width + 1)
        out[top : top + height, left : left + width] = rng.integers(0, 256, (height, width))
    return out


def _warp(face: np.ndarray, warp: np.ndarray) -> np.ndarray:
    return cv2.warpAffine(
        face,
        warp,
        (INPUT_SIDE, INPUT_SIDE),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )


def _chained_warps(
    face: np.ndarray, angle: float, zoom: float, shift: np.ndarray, mirror: bool
) -> np.ndarray:
    """The previous recipe's jitter: mirror, then shift, rotation and zoom as three
    resamplings in a row, as Keras's RandomTranslation, RandomRotation and RandomZoom do."""
    centre = (INPUT_SIDE - 1) / 2
    out = cv2.flip(face, 1) if mirror else face
    out = _warp(out, np.array([[1, 0, shift[0]], [0, 1, shift[1]]], np.float64))
    out = _warp(out, cv2.getRotationMatrix2D((centre, centre), angle, 1.0))
    return _warp(out, cv2.getRotationMatrix2D((centre, centre), 0.0, zoom))


class JitteredFaces(keras.utils.PyDataset):
    """Shuffled batches of jittered faces (float32 0-255, (B, 48, 48, 1)) and one-hot labels."""

    def __init__(
        self,
        faces: np.ndarray,
        targets: np.ndarray,
        batch_size: int,
        seed: int,
        erasing: float = 0.0,
        chained: bool = False,
        small_faces: float = 0.0,
        frames: np.ndarray | None = None,
        app_frames: float = 0.0,
    ) -> None:
        super().__init__()
        if app_frames and frames is None:
            raise ValueError("app_frames needs each face's frame")
        self.faces, self.targets = faces, targets
        self.batch_size, self.seed, self.erasing = batch_size, seed, erasing
        self.chained, self.small_faces = chained, small_faces
        self.frames, self.app_frames = frames, app_frames
        self.epoch = 0  # set by `FollowEpoch` at the start of each epoch
        self._order: tuple[int, np.ndarray] | None = None  # (epoch, its shuffled row order)

    def __len__(self) -> int:
        return math.ceil(len(self.faces) / self.batch_size)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        if self._order is None or self._order[0] != self.epoch:
            shuffle = np.random.default_rng((self.seed, self.epoch))
            self._order = (self.epoch, shuffle.permutation(len(self.faces)))
        rows = self._order[1][index * self.batch_size : (index + 1) * self.batch_size]
        rng = np.random.default_rng((self.seed, self.epoch, index))
        batch = np.stack([self._jittered(row, rng) for row in rows])
        return batch.astype(np.float32)[..., None], self.targets[rows]

    def _jittered(self, row: int, rng: np.random.Generator) -> np.ndarray:
        # Drawn only when asked for, so that runs without it see the same jitter as before.
        framed = self.app_frames and rng.random() < self.app_frames
        return jitter(
            self.faces[row],
            rng,
            self.erasing,
            self.chained,
            self.small_faces,
            frame=self.frames[row] if framed else None,
        )


class FollowEpoch(keras.callbacks.Callback):
    """Tells the dataset which epoch is starting, also the first one after a resume."""

    def __init__(self, dataset: JitteredFaces) -> None:
        super().__init__()
        self.dataset = dataset

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.dataset.epoch = epoch
