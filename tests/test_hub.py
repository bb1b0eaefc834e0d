import hashlib
import time

import pytest
from huggingface_hub import constants

from pipeline import hub
from tests.hub_server import COMMIT, HubServer, closed_port_endpoint

CONTENT = b"pretend this is an ONNX file"
FILE = hub.HubFile("someone/detector", "model.onnx", COMMIT, hashlib.sha256(CONTENT).hexdigest())


@pytest.fixture
def server():
    with HubServer({(FILE.repo_id, FILE.filename): CONTENT}) as running:
        yield running


@pytest.fixture
def bundled(tmp_path):
    path = tmp_path / "bundled.onnx"
    path.write_bytes(b"bundled")
    return path


def test_found_on_the_hub_is_downloaded_and_checked(server, tmp_path, bundled):
    resolved = hub.resolve(FILE, bundled=bundled, endpoint=server.endpoint, cache_dir=tmp_path)
    assert resolved.origin == "hub"
    assert resolved.path.read_bytes() == CONTENT
    assert any(r.startswith("GET /someone/detector/resolve/") for r in server.requests)
    assert resolved.commit == COMMIT


def test_a_branch_resolves_to_the_commit_the_hub_names(server, tmp_path):
    on_main = hub.HubFile(FILE.repo_id, FILE.filename)  # revision "main": not pinned
    resolved = hub.resolve(on_main, endpoint=server.endpoint, cache_dir=tmp_path)
    assert resolved.origin == "hub" and resolved.commit == COMMIT


def test_pinned_file_in_cache_needs_no_request(server, tmp_path, bundled):
    hub.resolve(FILE, endpoint=server.endpoint, cache_dir=tmp_path)
    server.requests.clear()
    resolved = hub.resolve(
        FILE, bundled=bundled, endpoint=closed_port_endpoint(), cache_dir=tmp_path
    )
    assert resolved.origin == "cache"
    assert resolved.path.read_bytes() == CONTENT
    assert server.requests == []


def test_branch_revision_falls_back_to_cache_when_unreachable(server, tmp_path):
    on_main = hub.HubFile(FILE.repo_id, FILE.filename, "main")
    hub.resolve(on_main, endpoint=server.endpoint, cache_dir=tmp_path)
    resolved = hub.resolve(on_main, endpoint=closed_port_endpoint(), cache_dir=tmp_path)
    assert resolved.origin == "cache"
    assert "could not be reached" in resolved.detail


def test_unreachable_with_empty_cache_falls_back_fast(tmp_path, bundled):
    started = time.perf_counter()
    resolved = hub.resolve(
        FILE, bundled=bundled, endpoint=closed_port_endpoint(), cache_dir=tmp_path
    )
    assert resolved.origin == "bundled" and resolved.path == bundled
    assert time.perf_counter() - started < 3  # huggingface_hub alone would retry for ~20 s


def test_unreachable_without_bundled_copy_reports_missing(tmp_path):
    resolved = hub.resolve(FILE, endpoint=closed_port_endpoint(), cache_dir=tmp_path)
    assert resolved.path is None and resolved.origin == "missing"


def test_offline_mode_uses_cache_or_fallback_without_requests(
    server, tmp_path, bundled, monkeypatch
):
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    resolved = hub.resolve(FILE, bundled=bundled, endpoint=server.endpoint, cache_dir=tmp_path)
    assert resolved.origin == "bundled" and "HF_HUB_OFFLINE" in resolved.detail
    assert server.requests == []


def test_missing_file_on_the_hub_falls_back(server, tmp_path, bundled):
    absent = hub.HubFile(FILE.repo_id, "other.onnx", COMMIT)
    resolved = hub.resolve(absent, bundled=bundled, endpoint=server.endpoint, cache_dir=tmp_path)
    assert resolved.origin == "bundled"


def test_checksum_mismatch_is_refused(tmp_path, bundled):
    with HubServer({(hub.YUNET.repo_id, hub.YUNET.filename): b"not the real YuNet"}) as server:
        pinned = hub.HubFile(hub.YUNET.repo_id, hub.YUNET.filename, COMMIT, hub.YUNET.sha256)
        resolved = hub.resolve(
            pinned, bundled=bundled, endpoint=server.endpoint, cache_dir=tmp_path
        )
    assert resolved.origin == "bundled"
    assert "sha256" in resolved.detail


def test_missing_explicit_path_goes_on_to_the_hub(server, tmp_path):
    resolved = hub.resolve(
        FILE, explicit=tmp_path / "typo.onnx", endpoint=server.endpoint, cache_dir=tmp_path
    )
    assert resolved.origin == "hub"


def test_malformed_repo_id_falls_back(tmp_path, bundled):
    bad = hub.HubFile("not a/valid//repo", "model.onnx")
    resolved = hub.resolve(
        bad, bundled=bundled, endpoint=closed_port_endpoint(), cache_dir=tmp_path
    )
    assert resolved.origin == "bundled" and "not a valid Hub repo id" in resolved.detail


def test_explicit_path_wins(tmp_path, bundled):
    resolved = hub.resolve(
        FILE, explicit=bundled, endpoint=closed_port_endpoint(), cache_dir=tmp_path
    )
    assert resolved.origin == "explicit" and resolved.path == bundled


def test_env_hub_file(monkeypatch):
    assert hub.env_hub_file("NO_SUCH_REPO_VAR", "NO_SUCH_REV_VAR", "m.keras") is None
    monkeypatch.setenv("MODEL_REPO_VAR", "me/model")
    monkeypatch.setenv("MODEL_REV_VAR", "v1")
    assert hub.env_hub_file("MODEL_REPO_VAR", "MODEL_REV_VAR", "m.keras") == hub.HubFile(
        "me/model", "m.keras", "v1"
    )


def test_catalog_dataset_comes_from_the_hub_then_its_cache(tmp_path):
    from pipeline.recommend import load_catalog
    from tests.test_layouts import SPOTIFY_TRACKS_HEADER, spotify_tracks_row

    dataset = hub.SPOTIFY_TRACKS
    row = spotify_tracks_row(0, "id9", "Aimer", "Kataomoi", 0.3, 0.2, "j-pop")
    body = f"{SPOTIFY_TRACKS_HEADER}\n{row}\n".encode()
    cache = tmp_path / "hub"
    with HubServer({(f"datasets/{dataset.repo_id}", dataset.filename): body}) as server:
        at_hub = {"endpoint": server.endpoint, "cache_dir": cache}
        catalog = load_catalog({}, at_hub)
        assert any(r.startswith("GET /datasets/maharshipandya/") for r in server.requests)
    assert catalog.name == "catalog" and catalog.layouts == ("plain", "spotify-tracks")
    assert "Kataomoi" in catalog._table["title"].tolist() and "Hindi" in catalog.languages
    offline = load_catalog({}, {"endpoint": closed_port_endpoint(), "cache_dir": cache})
    assert offline.layouts == ("plain", "spotify-tracks")  # the cached copy, found at once


def test_catalog_without_the_hub_or_with_a_bad_file_is_the_bundled_one(tmp_path):
    from pipeline.recommend import load_catalog

    unreachable = {"endpoint": closed_port_endpoint(), "cache_dir": tmp_path}
    assert load_catalog({}, unreachable).name == "built-in catalog"
    assert load_catalog({"CATALOG_DATASET": "off"}, unreachable).name == "built-in catalog"
    broken = tmp_path / "broken.csv"
    broken.write_text("song,singer\nx,y\n")
    assert load_catalog({"CATALOG_CSV": str(broken)}, unreachable).name == "built-in catalog"
    mine = tmp_path / "mine.csv"
    mine.write_text("title,artist,language,moods\nMy Song,Me,English,happy\n")
    assert len(load_catalog({"CATALOG_CSV": str(mine)}, unreachable)) == 1
