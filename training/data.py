"""Loading FER-2013 from the npz arrays in ../shared/data/fer2013 or the original fer2013.csv."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.emotion import EMOTIONS, INPUT_SIDE

DEFAULT_DATA_DIR = Path(
    os.environ.get("FER2013_DIR", Path(__file__).resolve().parents[2] / "shared/data/fer2013")
)
# The face detector the app pulls from the Hub, as shared beside FER-2013.
DEFAULT_YUNET = DEFAULT_DATA_DIR.parent / "models" / "face_detection_yunet_2026may.onnx"
SPLIT_FILES = {"Training": "train.npz", "PublicTest": "publictest.npz"}


@dataclass(frozen=True)
class Split:
    """Grey 48x48 faces (uint8, (N, 48, 48)) and their label indices into `EMOTIONS`."""

    faces: np.ndarray
    labels: np.ndarray

    def __post_init__(self) -> None:
        if self.faces.shape[1:] != (INPUT_SIDE, INPUT_SIDE):
            raise ValueError(f"faces must be (N, 48, 48), got {self.faces.shape}")
        if len(self.faces) != len(self.labels):
            raise ValueError(f"{len(self.faces)} faces but {len(self.labels)} labels")
        if len(self.labels) and self.labels.max() >= len(EMOTIONS):
            raise ValueError(f"label {self.labels.max()} out of range for {len(EMOTIONS)} emotions")

    def __len__(self) -> int:
        return len(self.labels)


def load_npz(path: str | Path) -> Split:
    """Load one split saved as arrays `x` (uint8 N x 48 x 48) and `y` (label indices)."""
    with np.load(path) as arrays:
        return Split(arrays["x"].astype(np.uint8), arrays["y"].astype(np.int64))


def load_csv(path: str | Path, usage: str = "Training") -> Split:
    """Load one `Usage` split of the original fer2013.csv (columns emotion, pixels, Usage).

    The file may be gzip-compressed; pandas infers that from the name.
    """
    table = pd.read_csv(path)
    missing = {"emotion", "pixels", "Usage"} - set(table.columns)
    if missing:
        raise ValueError(f"{path} lacks columns {sorted(missing)}; expected emotion,pixels,Usage")
    rows = table[table["Usage"] == usage]
    if rows.empty:
        found = sorted(table["Usage"].unique())
        raise ValueError(f"no rows with Usage={usage!r} in {path}; it holds {found}")
    pixels = np.stack([np.array(p.split(), np.uint8) for p in rows["pixels"]])
    faces = pixels.reshape(-1, INPUT_SIDE, INPUT_SIDE)
    return Split(faces, rows["emotion"].to_numpy(np.int64))


def load_split(usage: str, data_dir: str | Path = DEFAULT_DATA_DIR) -> Split:
    """Load `Training` or `PublicTest` from a folder holding the npz files or a fer2013.csv."""
    data_dir = Path(data_dir)
    if usage not in SPLIT_FILES:
        raise ValueError(f"unknown split {usage!r}; choose one of {sorted(SPLIT_FILES)}")
    npz = data_dir / SPLIT_FILES[usage]
    if npz.exists():
        return load_npz(npz)
    for name in ("fer2013.csv", "fer2013.csv.gz"):
        if (data_dir / name).exists():
            return load_csv(data_dir / name, usage)
    raise FileNotFoundError(
        f"no {SPLIT_FILES[usage]} or fer2013.csv in {data_dir}; set FER2013_DIR or --data-dir"
    )
