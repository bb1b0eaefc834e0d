"""Shared fixtures: photos built at test time from scikit-image's public-domain samples."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import data

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("SHARED_DATA", ROOT.parent / "shared" / "data"))
YUNET_ONNX = SHARED_DATA / "models" / "face_detection_yunet_2026may.onnx"
FER_DIR = SHARED_DATA / "fer2013"


def needs_shared(path: Path) -> pytest.MarkDecorator:
    return pytest.mark.skipif(not path.exists(), reason=f"{path} is absent (../shared/data)")


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    """Eileen Collins' NASA portrait (public domain): one frontal face, 512x512 RGB."""
    return data.astronaut()


@pytest.fixture(scope="session")
def group_photo(astronaut) -> np.ndarray:
    """Three faces side by side: the portrait, its mirror image, and a grey copy."""
    grey = np.repeat(astronaut.mean(axis=2, keepdims=True).astype(np.uint8), 3, axis=2)
    return np.concatenate([astronaut, astronaut[:, ::-1], grey], axis=1)


@pytest.fixture(scope="session")
def faceless() -> np.ndarray:
    """A smooth gradient: nothing a detector should call a face."""
    ramp = np.linspace(0, 255, 400, dtype=np.uint8)
    return np.stack([np.tile(ramp, (300, 1))] * 3, axis=2)


def encode(rgb: np.ndarray, fmt: str = "JPEG", **save_args) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format=fmt, **save_args)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def emotion_model():
    from pipeline import emotion

    return emotion.load()


# The app-in-a-subprocess fixtures shared by the end-to-end and browser tests.
from tests.app_process import app_url, gradio_cache  # noqa: E402, F401
