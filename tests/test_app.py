"""End to end: start `python app.py`, call `/recommend` with gradio_client as the README shows."""

import json
import re
import time
from pathlib import Path

import pytest
from PIL import Image

from tests.app_process import running_app
from tests.conftest import ROOT, encode
from tests.spotify_server import CLIENT_SECRET, SpotifyServer

README_URL = "http://127.0.0.1:7860/"
README_PHOTO = "group.jpg"


@pytest.fixture(scope="module")
def spotify():
    with SpotifyServer() as server:
        yield server


@pytest.fixture(scope="module")
def spotify_app_url(tmp_path_factory, gradio_cache, spotify):
    with running_app(tmp_path_factory, gradio_cache, **spotify.environ()) as url:
        yield url


def readme_example() -> str:
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- api-example -->\s*```python\n(.*?)```", readme, re.S)
    assert match, "README.md lost its API example"
    return match.group(1)


def run_readme_example(url: str, photo: Path) -> dict:
    code = readme_example().replace(README_URL, url).replace(README_PHOTO, str(photo))
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)
    return scope


def test_readme_example_on_a_group_photo(app_url, group_photo, tmp_path, capsys):
    photo = tmp_path / "group.jpg"
    photo.write_bytes(encode(group_photo))
    scope = run_readme_example(app_url, photo)
    record, status = scope["record"], scope["status"]
    assert len(record["faces"]) == 3
    assert status.startswith("3 faces, group mood: ")
    assert len(record["tracks"]) == 10 and record["source"] == "built-in catalog"
    assert record["tracks"][0]["title"] in capsys.readouterr().out
    assert Path(scope["photo"]).is_file()  # the annotated photo comes back as a file


def test_only_the_image_is_required(app_url, astronaut, tmp_path):
    from gradio_client import Client, handle_file

    photo = tmp_path / "one.jpg"
    photo.write_bytes(encode(astronaut))
    *_, status, record = Client(app_url, verbose=False).predict(
        image=handle_file(photo), api_name="/recommend"
    )
    assert len(record["tracks"]) == 10 and len({t["language"] for t in record["tracks"]}) > 1
    assert "mood set by hand" not in status.lower()


def test_lift_strategy_more_pages_and_the_plot(app_url, astronaut, tmp_path):
    from gradio_client import Client, handle_file

    photo = tmp_path / "one.jpg"
    photo.write_bytes(encode(astronaut))
    client = Client(app_url, verbose=False)
    ask = dict(image=handle_file(photo), mood="sad", api_name="/recommend")
    *_, plot, status, first = client.predict(**ask, strategy="lift")
    assert first["mood"]["strategy"] == "lift" and "Lifting the mood" in status
    assert first["mood"]["valence"] > first["mood"]["read"]["valence"]
    assert all("a gentle lift from your sad mood" in t["why"] for t in first["tracks"])
    *_, again = client.predict(**ask, strategy="lift")
    assert again["tracks"] == first["tracks"]
    *_, status, second = client.predict(**ask, strategy="lift", page=1)
    assert second["offset"] == 10 and "10 more tracks" in status
    titles = {(t["title"], t["artist"]) for t in first["tracks"]}
    assert not titles & {(t["title"], t["artist"]) for t in second["tracks"]}
    points = {row[0] for row in plot["data"]}
    assert points == {"the journey", "a face", "mood read", "mood aimed at", "a track"}
    assert [t["step"] for t in first["tracks"]] == list(range(1, 11))
    assert first["journey"]["steps"] == 10 and first["journey"]["arrived"]
    assert [t["step"] for t in second["tracks"]] == list(range(11, 21))


def test_concurrent_requests_of_different_sizes(app_url, astronaut, group_photo, tmp_path):
    from gradio_client import Client, handle_file

    one, three = tmp_path / "one.jpg", tmp_path / "three.jpg"
    one.write_bytes(encode(astronaut))
    three.write_bytes(encode(group_photo))
    clients = [Client(app_url, verbose=False) for _ in range(2)]
    jobs = [
        client.submit(image=handle_file(path), api_name="/recommend")
        for _ in range(3)
        for client, path in zip(clients, (one, three), strict=True)
    ]
    records = [job.result(timeout=60)[-1] for job in jobs]
    assert [len(r["faces"]) for r in records] == [1, 3] * 3, [r["error"] for r in records]


def test_keywords(app_url, astronaut, tmp_path):
    from gradio_client import Client, handle_file

    photo = tmp_path / "one.png"
    Image.fromarray(astronaut).convert("RGBA").save(photo)
    client = Client(app_url, verbose=False)
    *_, record = client.predict(
        image=handle_file(photo),
        artist="",
        language="Japanese",
        mood="sad",
        limit=4,
        api_name="/recommend",
    )
    assert len(record["faces"]) == 1 and record["emotion"] == "sad"
    assert [t["language"] for t in record["tracks"]] == ["Japanese"] * 4


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [("notes.txt", b"hello, not a photo", "not an image"), ("empty.jpg", b"", "empty")],
)
def test_bad_file_is_a_message_and_the_next_request_works(
    app_url, astronaut, tmp_path, name, content, message
):
    from gradio_client import Client, handle_file

    client = Client(app_url, verbose=False)
    bad = tmp_path / name
    bad.write_bytes(content)
    *_, status, record = client.predict(image=handle_file(bad), api_name="/recommend")
    assert message in status and message in record["error"] and record["tracks"] == []

    good = tmp_path / "after.jpg"
    good.write_bytes(encode(astronaut))
    *_, record = client.predict(image=handle_file(good), api_name="/recommend")
    assert record["error"] is None and len(record["tracks"]) == 10


def test_uploads_do_not_stay_on_disk(app_url, gradio_cache, astronaut, tmp_path):
    from gradio_client import Client, handle_file

    photo = tmp_path / "private.jpg"
    photo.write_bytes(encode(astronaut))
    Client(app_url, verbose=False).predict(image=handle_file(photo), api_name="/recommend")
    deadline = time.monotonic() + 15  # deleted once read, after a grace of a few seconds
    while list(gradio_cache.rglob("private.jpg")) and time.monotonic() < deadline:
        time.sleep(0.25)
    assert list(gradio_cache.rglob("private.jpg")) == []


def test_live_tracks_from_spotify_and_the_fallback(spotify_app_url, spotify, astronaut, tmp_path):
    from gradio_client import Client, handle_file

    photo = tmp_path / "one.jpg"
    photo.write_bytes(encode(astronaut))
    client = Client(spotify_app_url, verbose=False)
    ask = dict(image=handle_file(photo), mood="surprise", api_name="/recommend")

    _, _, cards, _, status, record = client.predict(**ask)
    assert record["source"] == "Spotify" and len(record["tracks"]) == 10
    assert all(t["url"].startswith("https://open.spotify.com/track/") for t in record["tracks"])
    assert "10 tracks from Spotify" in status
    first_id = record["tracks"][0]["spotify_id"]
    assert f'src="https://open.spotify.com/embed/track/{first_id}"' in cards
    assert record["tracks"][0]["links"]["embed"].endswith(first_id)

    spotify.fault = "503"
    try:
        started = time.monotonic()
        *_, status, record = client.predict(**{**ask, "mood": "happy"})
        took = time.monotonic() - started
    finally:
        spotify.fault = None
    assert record["source"] == "built-in catalog" and len(record["tracks"]) == 10
    assert "Spotify" in record["notice"] and "HTTP 503" in status
    assert CLIENT_SECRET not in status + record["notice"]
    assert took < 3 + 2  # Spotify's 3 s budget at most, plus the round trip


def test_a_raw_api_call_cannot_reach_files_outside_the_upload_folder(app_url, astronaut, tmp_path):
    import httpx

    victim = tmp_path / "not_an_upload.jpg"
    victim.write_bytes(encode(astronaut))
    call = httpx.post(
        f"{app_url}gradio_api/call/recommend",
        json={"data": [{"path": str(victim)}, "", "Any", "Auto", 10, "match", 0]},
        timeout=30,
    )
    call.raise_for_status()
    answer = httpx.get(f"{app_url}gradio_api/call/recommend/{call.json()['event_id']}", timeout=60)
    assert "No image was received" in answer.text
    time.sleep(6)  # longer than the deletion grace for real uploads
    assert victim.exists()


def test_a_file_gradio_itself_refuses_is_answered_in_words(app_url, astronaut, tmp_path):
    import httpx

    from pipeline.uploads import NOT_UPLOADED

    victim = tmp_path / "not_an_upload.jpg"
    victim.write_bytes(encode(astronaut))
    # Marked as a Gradio file, the path is checked (and refused) by Gradio before the handler.
    image = {"path": str(victim), "meta": {"_type": "gradio.FileData"}}
    call = httpx.post(
        f"{app_url}gradio_api/call/recommend",
        json={"data": [image, "", "Any", "Auto", 10, "match", 0]},
        timeout=30,
    )
    call.raise_for_status()
    answer = httpx.get(f"{app_url}gradio_api/call/recommend/{call.json()['event_id']}", timeout=60)
    assert "event: error" in answer.text
    assert json.dumps(NOT_UPLOADED) in answer.text
    assert str(victim) not in answer.text and victim.exists()
