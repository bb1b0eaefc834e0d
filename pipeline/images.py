"""Reading an uploaded photo into an upright RGB array, with a clear error for anything else."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

MAX_FILE_BYTES = 25 * 2**20  # a phone photo is 2-12 MB; anything far above is not a photo
MAX_PIXELS = 100_000_000  # 100 MP; beyond this decoding alone would take seconds and GBs
MIN_SIDE = 24  # pixels; a face needs at least this much to be read at all
WORKING_SIDE = 2048  # pixels; larger photos are shrunk on load (detection works at 1024 anyway)

ImageSource = str | Path | bytes | np.ndarray | Image.Image


class ImageError(ValueError):
    """An upload that is not a usable photo; the message is meant for the visitor."""


@dataclass(frozen=True)
class Photo:
    """An upright RGB working copy and its scale relative to the photo as uploaded (<= 1)."""

    rgb: np.ndarray
    scale: float = 1.0


def load(source: ImageSource) -> np.ndarray:
    """The photo as an upright (EXIF-honoured) RGB uint8 array, at most `WORKING_SIDE` wide."""
    return read(source).rgb


def read(source: ImageSource) -> Photo:
    """Read a file path, raw bytes, a PIL image or an array (grey, RGB or RGBA) into a `Photo`.

    Raises `ImageError` with a plain-language message for empty, corrupt, non-image, huge or
    tiny input.
    """
    if isinstance(source, np.ndarray):
        return Photo(_check_size(to_rgb(source)))
    if isinstance(source, Image.Image):
        return Photo(_check_size(_pil_to_rgb(ImageOps.exif_transpose(source))))
    data = _read_bytes(source)
    try:
        with Image.open(io.BytesIO(data)) as image:
            # Judged by its size as sent: shrinking a long strip first would refuse a photo whose
            # short side was big enough, and name a size the visitor never sent.
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise _too_large(width, height)
            _check_size_of(width, height)
            scale = working_scale(width, height)
            # JPEG decodes straight at a reduced size (libjpeg's DCT scaling); others are shrunk.
            image.draft("RGB", (max(1, round(width * scale)), max(1, round(height * scale))))
            upright = _upright(image)
            if scale < 1:
                # The drafted, upright image's own size, so a turned photo keeps its shape.
                shrink = max(width, height) * scale / max(upright.size)
                target = tuple(max(1, round(side * shrink)) for side in upright.size)
                upright = upright.resize(target, Image.Resampling.LANCZOS)
            rgb = _pil_to_rgb(upright)
            return Photo(rgb, max(rgb.shape[:2]) / max(width, height))
    except ImageError:
        raise
    except Image.DecompressionBombError as error:  # Pillow's own guard, far above MAX_PIXELS
        raise _too_large(0, 0) from error
    except UnidentifiedImageError as error:
        raise ImageError(
            "This file is not an image we can read. Please upload a JPEG, PNG or WebP photo."
        ) from error
    except (OSError, SyntaxError, ValueError) as error:
        raise ImageError(
            "The image file is damaged or cut short; please upload it again."
        ) from error


def shrink(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """`rgb` shrunk to `size` (width, height). By less than half, bilinear: it reads every source
    pixel there, looks the same as area averaging (42-53 dB apart) and takes a fifth of the time
    (a 1536x512 photo to 1280 wide: 1.0 ms against 5.3). By more, area averaging, against the
    aliasing that bilinear would leave."""
    by_less_than_half = size[0] * 2 > rgb.shape[1] and size[1] * 2 > rgb.shape[0]
    interpolation = cv2.INTER_LINEAR if by_less_than_half else cv2.INTER_AREA
    return cv2.resize(rgb, size, interpolation=interpolation)


def working_scale(width: int, height: int) -> float:
    """How much to shrink a photo of this size: its longer side to `WORKING_SIDE`, but never its
    shorter side below `MIN_SIDE` (a long strip stays readable); 1 for a photo small enough."""
    return min(1.0, max(WORKING_SIDE / max(width, height), MIN_SIDE / min(width, height)))


def to_rgb(array: np.ndarray) -> np.ndarray:
    """Grey (H, W) or (H, W, 1), RGB, or RGBA (composited on white) -> RGB uint8.

    Floats in 0-1 and 16-bit values are rescaled to 0-255 rather than clipped.
    """
    array = np.asarray(array)
    if array.dtype != np.uint8:
        peak = float(array.max()) if array.size else 0.0
        if np.issubdtype(array.dtype, np.floating) and peak <= 1.0:
            array = array * 255.0
        elif peak > 255:
            array = array / 257.0  # 16-bit (0-65535) to 8-bit
        array = np.clip(np.rint(array), 0, 255).astype(np.uint8)
    if array.ndim == 2:
        return np.repeat(array[..., None], 3, axis=2)
    if array.ndim == 3 and array.shape[2] == 1:
        return np.repeat(array, 3, axis=2)
    if array.ndim == 3 and array.shape[2] == 3:
        return np.ascontiguousarray(array)
    if array.ndim == 3 and array.shape[2] == 4:
        return _pil_to_rgb(Image.fromarray(array, "RGBA"))
    raise ImageError(f"Expected a grey, RGB or RGBA image, got an array of shape {array.shape}.")


def _pil_to_rgb(image: Image.Image) -> np.ndarray:
    if image.mode.startswith("I") or image.mode == "F":  # 16/32-bit grey: Pillow would clip
        return to_rgb(np.asarray(image))
    # Transparent areas become white rather than black, as a viewer would show them.
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image)
    return np.asarray(image if image.mode == "RGB" else image.convert("RGB"))


def _upright(image: Image.Image) -> Image.Image:
    """The image turned as its EXIF orientation says; the image itself when it needs no turn
    (Pillow's `exif_transpose` copies it even then: a whole photo's worth of memory and time)."""
    if image.getexif().get(ExifTags.Base.Orientation, 1) in (0, 1):
        return image
    return ImageOps.exif_transpose(image)


def _read_bytes(source: str | Path | bytes) -> bytes:
    if isinstance(source, bytes):
        data = source
    else:
        path = Path(source)
        if not path.is_file():
            raise ImageError("No image was received; please choose a photo to upload.")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ImageError(
                f"The file is {path.stat().st_size / 2**20:.0f} MB; please upload a photo under "
                f"{MAX_FILE_BYTES // 2**20} MB."
            )
        data = path.read_bytes()
    if not data:
        raise ImageError("The file is empty (0 bytes); please upload a photo.")
    if len(data) > MAX_FILE_BYTES:
        raise ImageError(f"Please upload a photo under {MAX_FILE_BYTES // 2**20} MB.")
    return data


def _too_large(width: int, height: int) -> ImageError:
    size = f"{width}x{height} pixels" if width else "too many pixels"
    return ImageError(
        f"The image is {size}, too large to read; please upload a photo under "
        f"{MAX_PIXELS // 1_000_000} megapixels."
    )


def _check_size(rgb: np.ndarray) -> np.ndarray:
    _check_size_of(rgb.shape[1], rgb.shape[0])
    return rgb


def _check_size_of(width: int, height: int) -> None:
    if min(height, width) < MIN_SIDE:
        raise ImageError(
            f"The image is only {width}x{height} pixels; a face needs at least "
            f"{MIN_SIDE} pixels each way. Please upload a larger photo."
        )
