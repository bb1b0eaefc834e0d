"""Drawing each face's box and emotion label onto a copy of the photo."""

from __future__ import annotations

import base64
import html
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from pipeline import images
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
FONT_SHRINK = 0.85  # each try at a crowded photo sets the labels this much smaller
FONT = cv2.FONT_HERSHEY_SIMPLEX
LIVE_JPEG_QUALITY = 80  # live frames: small enough to send 15 a second, clean enough to read
# The boxed photo on the page: JPEG encodes a 1280 px photo in ~2 ms where WebP took ~50 ms (the
# largest single cost of a request under load); at this quality, with full-resolution colour,
# the labels' edges stay clean, at about a fifth of PNG's size.
PAGE_JPEG_QUALITY = 90


@dataclass(frozen=True)
class Label:
    """One face's label as drawn: its text and its tab, in the display copy's pixels."""

    number: int  # the face's number in the record, from 1
    text: str
    box: tuple[int, int, int, int]  # x, y, width, height of the filled tab
    font_scale: float


def display_scale(shape: Sequence[int]) -> float:
    """How much the display copy of a photo of this shape is shrunk (<= 1)."""
    return min(1.0, MAX_DISPLAY_SIDE / max(shape[:2]))


def annotate(rgb: np.ndarray, faces: Sequence[Face], scores: Sequence[EmotionScores]) -> np.ndarray:
    """A display-sized copy of `rgb` with every face boxed and labelled 'happy 87%'."""
    scale = display_scale(rgb.shape)
    size = (round(rgb.shape[1] * scale), round(rgb.shape[0] * scale))
    canvas = images.shrink(rgb, size) if scale < 1 else rgb.copy()
    thickness = _thickness(canvas.shape)
    for face, score in zip(faces, scores, strict=True):
        x, y, w, h = (round(v * scale) for v in face.box)
        cv2.rectangle(canvas, (x, y), (x + w, y + h), EMOTION_COLOURS[score.top], thickness)
    for label, score in zip(labels(rgb.shape, faces, scores), scores, strict=True):
        _draw_label(canvas, label, EMOTION_COLOURS[score.top], thickness)
    return canvas


def labels(
    shape: Sequence[int], faces: Sequence[Face], scores: Sequence[EmotionScores]
) -> list[Label]:
    """Where each face's label goes on the display copy of a photo of `shape`: above its box,
    else below, else inside; never over another label and always inside the picture. A crowd
    that leaves no free place gets smaller type, down to the smallest legible size."""
    scale = display_scale(shape)
    height, width = round(shape[0] * scale), round(shape[1] * scale)
    boxes = [tuple(round(v * scale) for v in face.box) for face in faces]
    texts = [
        f"{n}: {s.top} {s.confidence:.0%}" if len(faces) > 1 else f"{s.top} {s.confidence:.0%}"
        for n, s in enumerate(scores, start=1)
    ]
    thickness = _thickness((height, width))
    largest = max(MIN_FONT_SCALE, max(height, width) / 1000)
    # Type scales with the faces (the median face), so a crowd's tabs stay beside their faces.
    widths = sorted(b[2] for b in boxes) or [0]
    font = min(largest, max(MIN_FONT_SCALE, widths[len(widths) // 2] / FACE_WIDTH_PER_FONT_SCALE))
    while True:
        placed = _place(texts, boxes, (height, width), font, thickness)
        if placed is not None or font <= MIN_FONT_SCALE:
            break
        font = max(MIN_FONT_SCALE, font * FONT_SHRINK)
    if placed is None:  # nowhere free even at the smallest type: the least covered places
        placed = _place(texts, boxes, (height, width), font, thickness, allow_overlap=True)
    return [
        Label(n, text, rect, font)
        for n, (text, rect) in enumerate(zip(texts, placed, strict=True), start=1)
    ]


def _place(texts, boxes, size, font, thickness, allow_overlap=False):
    """Tabs for every text, each at the first free candidate place; None if one has none."""
    height, width = size
    taken: list[tuple[int, int, int, int]] = []
    for text, (x, y, w, h) in zip(texts, boxes, strict=True):
        (tw, th), baseline = cv2.getTextSize(text, FONT, font, max(1, thickness - 1))
        pad = max(2, thickness)
        tab_w, tab_h = min(tw + 2 * pad, width), min(th + baseline + 2 * pad, height)
        left = max(0, min(x, width - tab_w))
        tops = [y - tab_h, y + h, y, y + h - tab_h]  # above, below, inside top, inside bottom
        # The page lays its own buttons over the top strip: a tab there comes last.
        tops.sort(key=lambda top: top < height * TOP_BAND)
        candidates = []
        for top in tops:
            top = max(0, min(top, height - tab_h))
            for shift in (0, x + w - tab_w - left):  # left-aligned, or right-aligned, with the box
                candidates.append((max(0, min(left + shift, width - tab_w)), top, tab_w, tab_h))
        free = [c for c in candidates if not any(_overlap(c, t) for t in taken)]
        if not free and not allow_overlap:
            return None
        best = (
            free[0] if free else min(candidates, key=lambda c: sum(_overlap(c, t) for t in taken))
        )
        taken.append(best)
    return taken


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> int:
    """The area two rectangles share."""
    dx = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    dy = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(0, dx) * max(0, dy)


def _thickness(shape: Sequence[int]) -> int:
    return max(2, round(max(shape[:2]) / 300))


def _draw_label(canvas: np.ndarray, label: Label, colour, thickness: int) -> None:
    x, y, w, h = label.box
    text_thickness = max(1, thickness - 1)
    (_, th), _ = cv2.getTextSize(label.text, FONT, label.font_scale, text_thickness)
    pad = max(2, thickness)
    cv2.rectangle(canvas, (x, y), (x + w - 1, y + h - 1), colour, -1)
    ink = (0, 0, 0) if sum(colour) > 380 else (255, 255, 255)
    cv2.putText(
        canvas,
        label.text,
        (x + pad, y + pad + th),
        FONT,
        label.font_scale,
        ink,
        text_thickness,
        cv2.LINE_AA,
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
