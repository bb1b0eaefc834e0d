import time

import numpy as np
import pytest

from pipeline import images, uploads
from tests.conftest import encode


@pytest.fixture(autouse=True)
def quick_deletion(monkeypatch):
    monkeypatch.setattr(uploads, "DELETE_GRACE_S", 0.05)


def wait_gone(path, seconds=3.0) -> bool:
    deadline = time.monotonic() + seconds
    while path.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    return not path.exists()


def test_upload_is_read_then_deleted(astronaut, tmp_path):
    path = tmp_path / "upload.jpg"
    path.write_bytes(encode(astronaut))
    photo, held = uploads.take({"path": str(path), "orig_name": "me.jpg"}, None)
    assert photo.rgb.shape == astronaut.shape
    assert wait_gone(path)
    again, held_again = uploads.take({"path": str(path)}, held)
    assert again is photo and held_again is held


def test_bad_upload_is_deleted_too(tmp_path):
    path = tmp_path / "upload.jpg"
    path.write_bytes(b"garbage")
    with pytest.raises(images.ImageError, match="not an image"):
        uploads.take(str(path), None)
    assert wait_gone(path)


def test_a_file_being_read_is_not_deleted_under_the_reader(astronaut, tmp_path, monkeypatch):
    path = tmp_path / "shared.jpg"
    path.write_bytes(encode(astronaut))
    with uploads._readers_lock:
        uploads._readers[str(path)] += 1  # another request is reading the same upload
    uploads.take(str(path), None)
    time.sleep(0.2)
    assert path.exists()
    with uploads._readers_lock:
        uploads._readers[str(path)] -= 1
    uploads._delete_when_unread(str(path))
    assert not path.exists()


def test_missing_payloads(tmp_path):
    with pytest.raises(images.ImageError, match="No image"):
        uploads.take(None, None)
    held = uploads.HeldPhoto("/elsewhere.jpg", images.Photo(np.zeros((30, 30, 3), np.uint8)))
    with pytest.raises(images.ImageError, match="upload it again"):
        uploads.take({"path": str(tmp_path / "gone.jpg")}, held)
