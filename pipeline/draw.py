"""Drawing each face's box and emotion label onto a copy of the photo."""

from __future__ import annotations

import base64
import html
import tempfile
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from pipeline.emotion import EMOTIONS, EmotionScores
from pipeline.faces import Face

# One colour per emotion (RGB), readable on photos and distinct for common colour blindness
# (Okabe-Ito palette plus grey for neutral).
EMOTION_COLOURS: dict[str, tuple[int, int, int]] = dict(
    zip(
        EMOTIONS,
        [
            (213, 94, 0),
            (0, 158, 115),
            (204, 121, 167),
            (240, 228, 66),
            (0, 114, 178),
            (230, 159, 0),
            (190, 190, 190),
        ],
        strict=True,
    )
)
MAX_DISPLAY_SIDE = 1280  # pixels; the page never shows more, and a smaller image sends faster
TOP_BAND = 0.12  # of the height: the page's image toolbar covers this strip of the picture
MIN_FONT_SCALE = 0.4  # OpenCV font scale below which labels stop being legible
FACE_WIDTH_PER_FONT_SCALE = 90  # pixels of face width per unit of font scale
LIVE_JPEG_QUALITY = 80  # live frames: small enough to send 15 a second, clean enough to read
# The boxed photo on the page: JPEG encodes a 1280 px photo in ~2 ms where WebP took ~50 ms (the
# largest single cost of a request under load); at this quality, with full-resolution colour,
# the labels' edges stay clean, at about a fifth of PNG's size.
PAGE_JPEG_QUALITY = 90


def annotate(rgb: np.ndarray, faces: Sequence[Face], scores: Sequence[EmotionScores]) -> np.ndarray:
    """A display-sized copy of `rgb` with every face boxed and labelled 'happy 87%'."""
    longest = max(rgb.shape[:2])
    scale = min(1.0, MAX_DISPLAY_SIDE / longest)
    canvas = (
        cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        if scale < 1
        else rgb.copy()
    )
    thickness = max(2, round(max(canvas.shape[:2]) / 300))
    largest_font = max(0.5, max(canvas.shape[:2]) / 1000)
    for number, (face, score) in enumerate(zip(faces, scores, strict=True), start=1):
        x, y, w, h = (round(v * scale) for v in face.box)
        colour = EMOTION_COLOURS[score.top]
        cv2.rectangle(canvas, (x, y), (x + w, y + h), colour, thickness)
        label = (
            f"{number}: {score.top} {score.confidence:.0%}"
            if len(faces) > 1
            else (f"{score.top} {score.confidence:.0%}")
        )
        # Labels scale with their face, so a crowd's tabs do not cover each other.
        font_scale = min(largest_font, max(MIN_FONT_SCALE, w / FACE_WIDTH_PER_FONT_SCALE))
        _label(canvas, label, (x, y, w, h), colour, font_scale, thickness)
    return canvas


def _label(canvas, text, box, colour, font_scale, thickness) -> None:
    """Text on a filled tab above the box; below it when the box is near the photo's top edge,
    where the page lays its own buttons over the picture."""
    font = cv2.FONT_HERSHEY_SIMPLEX
    text_thickness = max(1, thickness - 1)
    (tw, th), baseline = cv2.getTextSize(text, font, font_scale, text_thickness)
    pad = max(2, thickness)
    x, y, _, h = box
    x = max(0, min(x, canvas.shape[1] - tw - 2 * pad))  # keep the tab inside the photo
    tab_height = th + baseline + 2 * pad
    top = y - tab_height
    if top < canvas.shape[0] * TOP_BAND:
        top = min(y + h, canvas.shape[0] - tab_height)
    cv2.rectangle(canvas, (x, top), (x + tw + 2 * pad, top + th + baseline + 2 * pad), colour, -1)
    ink = (0, 0, 0) if sum(colour) > 380 else (255, 255, 255)
    cv2.putText(
        canvas, text, (x + pad, top + pad + th), font, font_scale, ink, text_thickness, cv2.LINE_AA
    )


def to_data_url(rgb: np.ndarray, quality: int = LIVE_JPEG_QUALITY) -> str:
    """A JPEG `data:` URL of the image: sent inline, so a live frame never touches the disk."""
    ok, jpeg = cv2.imencode(
        ".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality]
    )
    if not ok:
        raise ValueError("could not encode the frame as JPEG")
    return "data:image/jpeg;base64," + base64.b64encode(jpeg.tobytes()).decode("ascii")


def inline_img(rgb: np.ndarray, alt: str) -> str:
    """An <img> element carrying the image itself, for a page that must not fetch a file."""
    return f'<img src="{to_data_url(rgb)}" alt="{html.escape(alt)}" style="width:100%">'


def save_for_page(rgb: np.ndarray, folder: str | Path) -> str:
    """Write the image as JPEG to a file of its own under `folder`, and return its path.

    Gradio names the outputs it saves by their content and rewrites that file in place, so two
    visitors sent the same picture at once could download it half-written: a file per answer
    cannot be. Gradio serves a file already inside its cache as it is and sweeps it with the rest.
    """
    settings = [
        cv2.IMWRITE_JPEG_QUALITY,
        PAGE_JPEG_QUALITY,
        cv2.IMWRITE_JPEG_SAMPLING_FACTOR,
        cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444,  # no halved colour: a label's tab keeps its edge
    ]
    ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), settings)
    if not ok:
        raise ValueError("could not encode the picture as JPEG")
    # Nobody knows the new folder's name until it is returned, so nobody reads it half-written.
    Path(folder).mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix="faces-", dir=folder)) / "faces.jpg"
    path.write_bytes(jpeg.tobytes())
    return str(path)
