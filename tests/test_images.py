import numpy as np
import pytest
from PIL import Image

from pipeline import images
from tests.conftest import encode


def test_jpeg_bytes_and_path_give_rgb(astronaut, tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_bytes(encode(astronaut))
    for source in (path, str(path), path.read_bytes()):
        rgb = images.load(source)
        assert rgb.shape == astronaut.shape and rgb.dtype == np.uint8


def test_grey_rgba_and_palette_become_rgb(astronaut):
    pil = Image.fromarray(astronaut)
    for mode, fmt in [
        ("L", "PNG"),
        ("LA", "PNG"),
        ("RGBA", "PNG"),
        ("P", "PNG"),
        ("1", "PNG"),
        ("I;16", "PNG"),
        ("CMYK", "JPEG"),
    ]:
        rgb = images.load(_save(pil.convert(mode), fmt))
        assert rgb.shape == (512, 512, 3), mode
        assert 60 < rgb.mean() < 200, mode  # the picture survived, not a blank page


def test_sixteen_bit_and_float_images_are_rescaled_not_clipped():
    ramp = np.linspace(0, 65535, 256 * 256).reshape(256, 256).astype(np.uint16)
    rgb = images.load(_save(Image.fromarray(ramp), "PNG"))
    assert 120 < rgb.mean() < 135 and rgb.min() == 0 and rgb.max() == 255
    assert 120 < images.to_rgb(np.linspace(0, 1, 64 * 64).reshape(64, 64)).mean() < 135


def test_working_copy_reports_its_scale():
    big = Image.new("RGB", (4096, 1024), (10, 20, 30))
    photo = images.read(_save(big, "PNG"))
    assert photo.rgb.shape[:2] == (512, 2048) and photo.scale == 0.5


def test_transparent_pixels_become_white():
    rgba = np.zeros((64, 64, 4), np.uint8)  # fully transparent black
    assert images.load(encode(rgba, "PNG")).min() == 255
    assert images.to_rgb(rgba).min() == 255


def test_exif_orientation_is_honoured(astronaut):
    wide = astronaut[:200]  # 200 x 512, landscape
    pil = Image.fromarray(wide)
    exif = pil.getexif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    rgb = images.load(_save(pil, "JPEG", exif=exif))
    assert rgb.shape[:2] == (512, 200)


def test_arrays_of_any_channel_count(astronaut):
    assert images.load(astronaut[..., 0]).shape == (512, 512, 3)
    assert images.load(astronaut[..., :1]).shape == (512, 512, 3)
    assert images.load(np.dstack([astronaut, np.full((512, 512), 255, np.uint8)])).shape == (
        512,
        512,
        3,
    )
    with pytest.raises(images.ImageError, match="grey, RGB or RGBA"):
        images.load(np.zeros((40, 40, 5), np.uint8))


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"", "empty"),
        (b"%PDF-1.4 definitely not a photo", "not an image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "not an image|damaged"),
    ],
)
def test_unusable_bytes_get_a_plain_message(payload, message):
    with pytest.raises(images.ImageError, match=message):
        images.load(payload)


def test_truncated_jpeg_is_reported_as_damaged(astronaut):
    whole = encode(astronaut)
    with pytest.raises(images.ImageError, match="damaged"):
        images.load(whole[: len(whole) // 3])


def test_tiny_image_is_refused():
    with pytest.raises(images.ImageError, match="only 10x10"):
        images.load(encode(np.zeros((10, 10, 3), np.uint8), "PNG"))


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_a_long_strip_is_judged_by_its_size_as_sent(fmt):
    strip = np.random.default_rng(5).integers(0, 255, (30, 3000, 3), np.uint8)
    photo = images.read(encode(strip, fmt))
    # Shrunk for work, but never below the shortest side a face can be read at.
    assert photo.rgb.shape[:2] == (images.MIN_SIDE, 2400)
    assert photo.scale == pytest.approx(0.8)
    assert images.read(encode(strip.transpose(1, 0, 2).copy(), fmt)).rgb.shape[:2] == (2400, 24)


def test_a_strip_too_thin_is_refused_with_the_size_sent():
    with pytest.raises(images.ImageError, match="only 30000x10 pixels"):
        images.load(encode(np.zeros((10, 30000, 3), np.uint8), "PNG"))


def test_huge_image_is_shrunk_not_refused():
    big = Image.new("RGB", (8000, 8000), (90, 120, 150))
    rgb = images.load(_save(big, "PNG", compress_level=1))
    assert max(rgb.shape[:2]) == images.WORKING_SIDE


def test_too_many_pixels_is_refused(monkeypatch):
    monkeypatch.setattr(images, "MAX_PIXELS", 1000)
    with pytest.raises(images.ImageError, match="too large"):
        images.load(encode(np.zeros((100, 100, 3), np.uint8), "PNG"))


def test_oversized_file_and_missing_file(tmp_path, monkeypatch):
    monkeypatch.setattr(images, "MAX_FILE_BYTES", 10)
    path = tmp_path / "big.jpg"
    path.write_bytes(b"x" * 11)
    with pytest.raises(images.ImageError, match="under"):
        images.load(path)
    with pytest.raises(images.ImageError, match="No image"):
        images.load(tmp_path / "absent.jpg")


def _save(pil: Image.Image, fmt: str, **save_args) -> bytes:
    import io

    buffer = io.BytesIO()
    pil.save(buffer, format=fmt, **save_args)
    return buffer.getvalue()


def test_shrink_averages_a_strong_reduction_and_interpolates_a_mild_one():
    # A one-pixel checkerboard: averaged, it is flat grey; sampled, it would alias to black or
    # white stripes.
    board = (np.indices((400, 600)).sum(axis=0) % 2 * 255).astype(np.uint8)
    board = np.repeat(board[..., None], 3, axis=2)
    strong = images.shrink(board, (100, 67))
    assert strong.shape == (67, 100, 3)
    assert np.abs(strong.astype(int) - 128).max() <= 2
    mild = images.shrink(np.zeros((512, 1536, 3), np.uint8) + 200, (1280, 427))
    assert mild.shape == (427, 1280, 3) and (mild == 200).all()
