"""Resolving a file: explicit path -> Hugging Face Hub (pinned, cached) -> bundled copy.

Called once at start-up. Never waits long for an absent network: huggingface_hub retries an
unreachable endpoint for ~20 s when nothing is cached, so one short metadata request decides first.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from huggingface_hub import (
    get_hf_file_metadata,
    hf_hub_download,
    hf_hub_url,
    is_offline_mode,
    try_to_load_from_cache,
)
from huggingface_hub.errors import HFValidationError, HTTPError

log = logging.getLogger(__name__)

HUB_TIMEOUT_S = 3.0  # a reachable Hub answers a HEAD in well under a second
COMMIT_HASH = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class HubFile:
    """One file of a Hub repo at a revision; a commit hash pins it for good."""

    repo_id: str
    filename: str
    revision: str = "main"
    sha256: str | None = None  # checked after download when known
    repo_type: str = "model"  # or "dataset"

    @property
    def pinned(self) -> bool:
        return bool(COMMIT_HASH.match(self.revision))


# The official OpenCV Zoo YuNet release mirrored on the Hub, pinned to the commit holding it.
YUNET = HubFile(
    repo_id="opencv/face_detection_yunet",
    filename="face_detection_yunet_2023mar.onnx",
    revision="3cc26e7f1014a5ee5d74a42acee58bafc9d0a310",
    sha256="8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4",
)

# The 114k-track "Spotify Tracks Dataset" (ODbL), the default catalog when the Hub is reachable.
# Not pinned: no commit of it could be checked from here, and a newer copy is as good.
SPOTIFY_TRACKS = HubFile(
    repo_id="maharshipandya/spotify-tracks-dataset", filename="dataset.csv", repo_type="dataset"
)

# The project's own emotion model: a Hub model repo holding this file, named by these environment
# variables (Space variables on the hosted app, set by `deploy.space`).
EMOTION_MODEL_FILE = "emotion_cnn.keras"
EMOTION_MODEL_REPO_VARIABLE = "EMOTION_MODEL_REPO"
EMOTION_MODEL_REVISION_VARIABLE = "EMOTION_MODEL_REVISION"


@dataclass(frozen=True)
class Resolved:
    """Where a file came from: `path` is None when nothing could be found."""

    path: Path | None
    origin: str  # "explicit", "cache", "hub", "bundled" or "missing"
    detail: str = ""
    commit: str | None = None  # the Hub commit the file came from, when known


def resolve(
    file: HubFile | None,
    *,
    explicit: str | Path | None = None,
    bundled: Path | None = None,
    endpoint: str | None = None,
    cache_dir: str | Path | None = None,
) -> Resolved:
    """Find a file: an explicit path, else `file` on the Hub (cache first when pinned), else
    `bundled`. An explicit path that does not exist is reported and the search goes on."""
    if explicit:
        path = Path(explicit)
        if path.is_file():
            return Resolved(path, "explicit")
        log.warning("%s does not exist; looking further", path)
    if file is None:
        reason = f"{explicit} does not exist" if explicit else "no Hub repository is set"
        return _fallback(bundled, reason)
    try:
        cached = _cached(file, cache_dir)
    except HFValidationError as error:  # a malformed repo id from the environment
        return _fallback(bundled, f"{file.repo_id!r} is not a valid Hub repo id ({error})")
    pin = file.revision if file.pinned else None
    if cached and file.pinned:
        return Resolved(cached, "cache", commit=pin)  # a pinned revision never changes
    if is_offline_mode():
        if cached:
            return Resolved(cached, "cache", commit=pin)
        return _fallback(bundled, "HF_HUB_OFFLINE is set")

    try:
        # One quick request without retries decides whether the Hub can be reached at all.
        url = hf_hub_url(
            file.repo_id,
            file.filename,
            revision=file.revision,
            endpoint=endpoint,
            repo_type=file.repo_type,
        )
        metadata = get_hf_file_metadata(url, timeout=HUB_TIMEOUT_S, endpoint=endpoint)
        path = Path(
            hf_hub_download(
                file.repo_id,
                file.filename,
                revision=file.revision,
                repo_type=file.repo_type,
                endpoint=endpoint,
                cache_dir=cache_dir,
                etag_timeout=HUB_TIMEOUT_S,
            )
        )
    except (HTTPError, OSError) as error:
        reason = f"the Hub could not be reached ({type(error).__name__})"
        if cached:
            return Resolved(cached, "cache", reason, commit=pin)
        return _fallback(bundled, reason)

    if file.sha256 and sha256_of(path) != file.sha256:
        return _fallback(bundled, f"{file.filename} from the Hub failed its sha256 check")
    return Resolved(path, "hub", commit=metadata.commit_hash or pin)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _cached(file: HubFile, cache_dir: str | Path | None) -> Path | None:
    found = try_to_load_from_cache(
        file.repo_id,
        file.filename,
        cache_dir=cache_dir,
        revision=file.revision,
        repo_type=file.repo_type,
    )
    if not isinstance(found, str):
        return None
    path = Path(found)
    if file.sha256 and sha256_of(path) != file.sha256:
        log.warning("cached %s fails its sha256 check; ignoring it", file.filename)
        return None
    return path


def _fallback(bundled: Path | None, reason: str) -> Resolved:
    log.info("using the bundled fallback: %s", reason)
    if bundled is not None and bundled.is_file():
        return Resolved(bundled, "bundled", reason)
    return Resolved(None, "missing", reason)


def env_hub_file(
    repo_var: str, revision_var: str, filename: str, environ: Mapping[str, str] | None = None
) -> HubFile | None:
    """A `HubFile` named by environment variables (repo and optional revision), if set."""
    env = os.environ if environ is None else environ
    repo_id = env.get(repo_var, "").strip()
    if not repo_id:
        return None
    return HubFile(repo_id, filename, env.get(revision_var, "main").strip() or "main")
