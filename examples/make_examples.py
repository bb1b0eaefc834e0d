"""Make the example photos from scikit-image's public-domain astronaut portrait.

Run `python examples/make_examples.py` to rebuild them; see examples/README.md for the licence.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data

HERE = Path(__file__).resolve().parent
JPEG_QUALITY = 88
CROWD_GRID = (3, 4)  # rows, columns: twelve faces, to show labels on a crowded photo
CROWD_TILE = 200  # pixels per face tile


def group(portrait: np.ndarray) -> np.ndarray:
    """Three faces side by side: the portrait, its mirror image and a grey copy."""
    grey = np.repeat(portrait.mean(axis=2, keepdims=True).astype(np.uint8), 3, axis=2)
    return np.concatenate([portrait, portrait[:, ::-1], grey], axis=1)


def crowd(portrait: np.ndarray) -> np.ndarray:
    """Twelve smaller faces in a grid, alternately mirrored."""
    tile = np.asarray(Image.fromarray(portrait).resize((CROWD_TILE, CROWD_TILE)))
    rows, columns = CROWD_GRID
    lines = [
        np.concatenate([tile if (r + c) % 2 == 0 else tile[:, ::-1] for c in range(columns)], 1)
        for r in range(rows)
    ]
    return np.concatenate(lines, axis=0)


def main() -> None:
    portrait = data.astronaut()
    for name, rgb in (
        ("astronaut", portrait),
        ("three", group(portrait)),
        ("twelve", crowd(portrait)),
    ):
        Image.fromarray(rgb).save(HERE / f"{name}.jpg", quality=JPEG_QUALITY)


if __name__ == "__main__":
    main()
