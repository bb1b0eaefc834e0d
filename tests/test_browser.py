"""The page in a real browser: Debian's Chromium driven by Playwright, with a fake camera.

The camera is a `.y4m` video that ffmpeg makes at test time from scikit-image's public-domain
astronaut portrait. Screenshots land in `artifacts/` (or $ARTIFACTS_DIR) for a person to look at.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import ROOT, encode

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("ARTIFACTS_DIR", ROOT / "artifacts"))
ANSWER_TIMEOUT_MS = 60_000
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",  # the sandbox has no internet: no stray calls out
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-ui-for-media-stream",  # allow the camera without a prompt
    "--use-fake-device-for-media-stream",
]

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
    pytest.mark.skipif(not shutil.which("ffmpeg"), reason="ffmpeg is not installed"),
]


def files_in(folder: Path) -> set[Path]:
    return {path for path in folder.rglob("*") if path.is_file()}


@pytest.fixture(scope="module")
def fake_camera(tmp_path_factory, astronaut) -> Path:
    """Three seconds of the portrait as 640x480 video at 15 fps, in Chromium's y4m format."""
    folder = tmp_path_factory.mktemp("camera")
    Image.fromarray(astronaut).save(folder / "face.png")
    video = folder / "face.y4m"
    subprocess.run(
        [
            *("ffmpeg", "-loglevel", "error", "-y", "-loop", "1", "-i", str(folder / "face.png")),
            *("-t", "3", "-r", "15", "-vf", "scale=480:480,pad=640:480:80:0:gray"),
            *("-pix_fmt", "yuv420p", str(video)),
        ],
        check=True,
    )
    return video


@pytest.fixture
def page(fake_camera):
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=CHROMIUM,
            args=[*CHROMIUM_FLAGS, f"--use-file-for-fake-video-capture={fake_camera}"],
        )
        yield browser.new_page(viewport={"width": 1400, "height": 1100})
        browser.close()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / name, full_page=True)


TRACK_LINKS = 'a[href^="https://open.spotify.com/"]'


def wait_for_tracks(page, count: int = 10) -> None:
    """Until the track table shows `count` rows, each with its Spotify link."""
    page.wait_for_function(
        f"document.querySelectorAll('{TRACK_LINKS}').length >= {count}",
        timeout=ANSWER_TIMEOUT_MS,
    )


def test_live_webcam_labels_the_face_and_lists_tracks(page, app_url, gradio_cache):
    before = files_in(gradio_cache)
    page.goto(app_url)
    page.get_by_role("tab", name="Webcam").click()
    page.get_by_role("tab", name="Live").click()
    page.locator("text=Click to Access Webcam").locator("visible=true").first.click()
    page.get_by_role("button", name="capture photo").click()  # "Record": starts the stream

    page.wait_for_selector("text=steady mood: happy", timeout=ANSWER_TIMEOUT_MS)
    live_frame = page.locator('img[src^="data:image/jpeg;base64,"]')
    live_frame.wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert "steady mood: happy" in live_frame.get_attribute("alt")
    wait_for_tracks(page)
    page.wait_for_timeout(1500)  # a few more frames: the label must hold still
    assert page.locator("text=steady mood: happy").count() >= 1
    screenshot(page, "live_webcam.png")
    page.locator("button:visible", has_text="Stop").click()
    assert files_in(gradio_cache) == before  # no frame of the visitor was written on the server


def test_upload_tab_shows_faces_scores_and_tracks(page, app_url, group_photo, tmp_path):
    photo = tmp_path / "group.jpg"
    photo.write_bytes(encode(group_photo))
    page.goto(app_url)
    page.locator("input[type=file]").first.set_input_files(photo)
    page.locator("button:visible", has_text="Recommend music").click()

    page.wait_for_selector("text=3 faces, group mood:", timeout=ANSWER_TIMEOUT_MS)
    assert page.locator("text=face detector:").count() == 1
    wait_for_tracks(page)
    assert page.get_by_role("link", name="Find ↗").count() >= 10
    links = page.get_by_role("link", name="Find ↗")
    first_page = set(links.evaluate_all("found => found.map(link => link.href)"))
    page.locator("button:visible", has_text="More tracks").click()
    page.wait_for_selector("text=more (11-20)", timeout=ANSWER_TIMEOUT_MS)
    wait_for_tracks(page)
    assert not first_page & set(links.evaluate_all("found => found.map(link => link.href)"))
    page.wait_for_timeout(1000)  # the plot draws after the table
    screenshot(page, "upload.png")
