"""Taking a visitor's photo out of Gradio's upload folder: into memory, then off the disk.

Gradio writes each upload to its cache before the handler runs. The handler reads it once and
the file is deleted moments later, so no photo outlives its answer on disk. The decoded photo
stays in the visitor's own session state (memory only, dropped with the session) so that
changing a filter and asking again works without uploading again.

Gradio names cached uploads by their content, so two requests carrying the same bytes share
one file: it is deleted only once no request is reading it and a short grace has passed.
"""

from __future__ import annotations

import heapq
import os
import stat
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import images

DELETE_GRACE_S = 5.0  # an API call's upload and its request arrive within milliseconds

_readers: Counter[str] = Counter()
_readers_lock = threading.Lock()
# Deletions due, soonest first: (monotonic time, upload, identity). One thread serves them all;
# a timer thread per upload kept ~85 threads alive at 17 requests a second.
_due: list[tuple[float, str, tuple[int, int]]] = []
_due_changed = threading.Condition(_readers_lock)
_deleter: threading.Thread | None = None


@dataclass(frozen=True)
class HeldPhoto:
    """The last photo of one session: the upload path it came from and its pixels."""

    upload: str
    photo: images.Photo


NOTHING_RECEIVED = (
    "No image was received; please choose a photo to upload (JPEG, PNG or WebP, under "
    f"{images.MAX_FILE_BYTES // 2**20} MB)."
)

NOT_UPLOADED = (
    "This request names a file that was not uploaded to this app, so it cannot be read. Send "
    'the photo itself: in Python, gradio_client\'s handle_file("photo.jpg") uploads it first.'
)


def take(
    payload: Any, held: HeldPhoto | None, upload_root: str | Path
) -> tuple[images.Photo, HeldPhoto]:
    """The photo of a raw Gradio file payload (a dict with `path`, or a path), decoded.

    Only files inside `upload_root` (Gradio's upload folder) are read, and only they are
    deleted: a caller of the API must not be able to point at any other file on the server.
    Raises `images.ImageError` for a missing, foreign or unusable file.
    """
    upload = _path_of(payload)
    if upload is None or not _inside(upload, upload_root):
        raise images.ImageError(NOTHING_RECEIVED)
    if held is not None and held.upload == upload:
        _delete_later(upload)  # the same photo may have been uploaded again: that copy goes too
        return held.photo, held
    with _readers_lock:
        _readers[upload] += 1
    try:
        photo = images.read(upload)
    except images.ImageError as error:
        if not Path(upload).is_file():
            raise images.ImageError(
                "That photo is no longer on the server; please upload it again."
            ) from error
        raise
    finally:
        with _readers_lock:
            _readers[upload] -= 1
        _delete_later(upload)
    return photo, HeldPhoto(upload, photo)


def _delete_later(upload: str) -> None:
    """Delete this copy of `upload` after the grace, unless someone is reading it then."""
    identity = _identity(upload)
    if identity is None:
        with _readers_lock:
            if _readers[upload] <= 0:
                _readers.pop(upload, None)  # nothing to delete: forget the path
        return
    global _deleter
    with _due_changed:
        heapq.heappush(_due, (time.monotonic() + DELETE_GRACE_S, upload, identity))
        if _deleter is None:
            _deleter = threading.Thread(target=_delete_when_due, name="upload-deleter", daemon=True)
            _deleter.start()
        _due_changed.notify()


def _delete_when_due() -> None:
    """The deleting thread: waits for the next deletion due, and makes it."""
    while True:
        with _due_changed:
            while not _due or _due[0][0] > time.monotonic():
                _due_changed.wait(_due[0][0] - time.monotonic() if _due else None)
            _, upload, identity = heapq.heappop(_due)
        _delete_when_unread(upload, identity)


def _delete_when_unread(upload: str, identity: tuple[int, int]) -> None:
    with _readers_lock:
        if _readers[upload] > 0:
            return  # the reader that holds it schedules its own deletion
        _readers.pop(upload, None)
        # Gradio moves each new upload into place, so a copy uploaded again since has another
        # inode: it belongs to a request still on its way, which deletes it after reading.
        if _identity(upload) == identity:
            Path(upload).unlink(missing_ok=True)


def _identity(upload: str) -> tuple[int, int] | None:
    """Which file is at `upload` now (inode and modification time); None for none."""
    try:
        status = os.stat(upload)
    except OSError:
        return None
    return (status.st_ino, status.st_mtime_ns) if stat.S_ISREG(status.st_mode) else None


def _inside(upload: str, root: str | Path) -> bool:
    """Whether `upload` names a place inside `root`, links and '..' resolved."""
    return Path(upload).resolve().is_relative_to(Path(root).resolve())


def _path_of(payload: Any) -> str | None:
    if payload is None:
        return None
    if isinstance(payload, str | Path):
        return str(payload)
    if isinstance(payload, dict):
        return payload.get("path")
    return getattr(payload, "path", None)
