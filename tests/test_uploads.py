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
    photo, held = uploads.take({"path": str(path), "orig_name": "me.jpg"}, None, tmp_path)
    assert photo.rgb.shape == astronaut.shape
    assert wait_gone(path)
    again, held_again = uploads.take({"path": str(path)}, held, tmp_path)
    assert again is photo and held_again is held


def test_bad_upload_is_deleted_too(tmp_path):
    path = tmp_path / "upload.jpg"
    path.write_bytes(b"garbage")
    with pytest.raises(images.ImageError, match="not an image"):
        uploads.take(str(path), None, tmp_path)
    assert wait_gone(path)


def test_a_file_being_read_is_not_deleted_under_the_reader(astronaut, tmp_path):
    path = tmp_path / "shared.jpg"
    path.write_bytes(encode(astronaut))
    with uploads._readers_lock:
        uploads._readers[str(path)] += 1  # another request is reading the same upload
    uploads.take(str(path), None, tmp_path)
    time.sleep(0.2)
    assert path.exists()
    with uploads._readers_lock:
        uploads._readers[str(path)] -= 1
    uploads._delete_later(str(path))  # as the other request does when it has read the file
    assert wait_gone(path)


def test_missing_payloads(tmp_path):
    with pytest.raises(images.ImageError, match="No image"):
        uploads.take(None, None, tmp_path)
    held = uploads.HeldPhoto("/elsewhere.jpg", images.Photo(np.zeros((30, 30, 3), np.uint8)))
    with pytest.raises(images.ImageError, match="upload it again"):
        uploads.take({"path": str(tmp_path / "gone.jpg")}, held, tmp_path)


def test_files_outside_the_upload_folder_are_neither_read_nor_deleted(astronaut, tmp_path):
    uploads_dir, elsewhere = tmp_path / "gradio", tmp_path / "app"
    uploads_dir.mkdir()
    elsewhere.mkdir()
    victim = elsewhere / "precious.jpg"
    victim.write_bytes(encode(astronaut))
    for payload in (
        str(victim),
        {"path": str(victim)},
        str(uploads_dir / ".." / "app" / "precious.jpg"),
    ):
        with pytest.raises(images.ImageError, match="No image was received"):
            uploads.take(payload, None, uploads_dir)
    time.sleep(0.2)
    assert victim.exists()
    with pytest.raises(images.ImageError, match="No image was received"):
        uploads.take(str(elsewhere), None, uploads_dir)  # nor a folder


def test_a_copy_uploaded_again_during_the_grace_is_left_to_its_own_request(astronaut, tmp_path):
    import os

    path = tmp_path / "same.jpg"
    path.write_bytes(encode(astronaut))
    uploads.take(str(path), None, tmp_path)
    fresh = tmp_path / "incoming.tmp"  # Gradio moves each new upload into place
    fresh.write_bytes(encode(astronaut))
    os.replace(fresh, path)
    time.sleep(0.3)
    assert path.exists()  # the first request's deletion spared the new copy
    uploads.take(str(path), None, tmp_path)
    assert wait_gone(path)


def test_asking_again_with_the_held_photo_removes_a_new_copy(astronaut, tmp_path):
    path = tmp_path / "same.jpg"
    path.write_bytes(encode(astronaut))
    _, held = uploads.take(str(path), None, tmp_path)
    assert wait_gone(path)
    path.write_bytes(encode(astronaut))  # uploaded again; the session still holds the photo
    uploads.take(str(path), held, tmp_path)
    assert wait_gone(path)
