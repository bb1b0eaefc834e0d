"""The page in a real browser: Debian's Chromium driven by Playwright, with a fake camera.

The camera is a `.y4m` video that ffmpeg makes at test time from scikit-image's public-domain
astronaut portrait. The app runs on a made-up catalog whose tracks carry Spotify ids
(`tests/fixtures/catalog_with_ids.csv`), so the page shows Spotify's player for them. Every test
runs at a desktop (1400x1000) and a phone (390x844) size and asserts what a visitor sees: the
music in view without scrolling, no sideways scrolling, no word broken mid-word, the player's
`src`, one label per face, one picture of the visitor. Screenshots land in `artifacts/` (or
$ARTIFACTS_DIR) for a person to look at.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from tests.app_process import running_app
from tests.conftest import ROOT, encode

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("ARTIFACTS_DIR", ROOT / "artifacts"))
IDS_CATALOG = ROOT / "tests" / "fixtures" / "catalog_with_ids.csv"
ANSWER_TIMEOUT_MS = 60_000
SETTLE_MS = 1200  # the page's own smooth scroll to the results, and the plot's drawing
SIZES = {"desktop": (1400, 1000), "phone": (390, 844)}
EMBED = "https://open.spotify.com/embed/track/"
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


@pytest.fixture(scope="module")
def site(tmp_path_factory, gradio_cache):
    """One `python app.py` for the module, offline, on the made-up catalog with Spotify ids."""
    with running_app(tmp_path_factory, gradio_cache, CATALOG_CSV=str(IDS_CATALOG)) as url:
        yield url


@pytest.fixture(scope="module")
def browser(fake_camera):
    with playwright.sync_playwright() as driver:
        launched = driver.chromium.launch(
            executable_path=CHROMIUM,
            args=[*CHROMIUM_FLAGS, f"--use-file-for-fake-video-capture={fake_camera}"],
        )
        yield launched
        launched.close()


@pytest.fixture(params=list(SIZES))
def page(request, browser):
    width, height = SIZES[request.param]
    opened = browser.new_page(viewport={"width": width, "height": height})
    opened.size_name = request.param
    yield opened
    opened.close()


def screenshot(page, name: str) -> None:
    """What the visitor sees now, and the whole page below it."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}_{page.size_name}.png")
    page.screenshot(path=ARTIFACTS / f"{name}_{page.size_name}_full.png", full_page=True)


def wait_for_tracks(page, count: int = 10) -> None:
    page.wait_for_function(
        f"document.querySelectorAll('#tracks .f2m-track').length >= {count}",
        timeout=ANSWER_TIMEOUT_MS,
    )


def status_text(page) -> str:
    return page.locator("#status textarea").input_value()


def wait_for_status(page, words: str) -> None:
    page.wait_for_function(
        "words => document.querySelector('#status textarea')?.value.includes(words)",
        arg=words,
        timeout=ANSWER_TIMEOUT_MS,
    )


def in_view(page, selector: str, index: int = 0) -> bool:
    """Whether the element lies wholly inside the viewport as it is now."""
    return page.evaluate(
        """([selector, index]) => {
            const box = document.querySelectorAll(selector)[index].getBoundingClientRect();
            return box.top >= 0 && box.bottom <= window.innerHeight && box.width > 0;
        }""",
        [selector, index],
    )


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def words_broken(page) -> list[str]:
    """Words of a card's title, artist and facts that the browser split over two lines."""
    return page.evaluate(
        """() => {
        const broken = [];
        for (const element of document.querySelectorAll(
            '#tracks .f2m-title, #tracks .f2m-artist, #tracks .f2m-facts')) {
            const text = element.lastChild;
            if (!text || text.nodeType !== Node.TEXT_NODE) continue;
            const words = text.textContent.matchAll(/\\S+/g);
            for (const word of words) {
                const range = document.createRange();
                range.setStart(text, word.index);
                range.setEnd(text, word.index + word[0].length);
                const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
                if (lines.size > 1) broken.push(word[0]);
            }
        }
        return broken;
    }"""
    )


def inner_scroll_boxes(page) -> list[str]:
    """Boxes between the track list and the page that scroll on their own."""
    return page.evaluate(
        """() => {
        const boxes = [];
        let element = document.querySelector('#tracks .f2m-tracks');
        for (; element && element !== document.body; element = element.parentElement) {
            const style = getComputedStyle(element);
            const scrolls = ['auto', 'scroll'].includes(style.overflowY);
            if (scrolls && element.scrollHeight > element.clientHeight + 2) {
                boxes.push(element.id || element.className);
            }
        }
        return boxes;
    }"""
    )


def choose_photo(page, site: str, photo: Path) -> None:
    page.goto(site)
    page.locator("#photo input[type=file]").set_input_files(photo)
    wait_for_tracks(page)
    page.wait_for_timeout(SETTLE_MS)


def test_an_upload_puts_the_music_first_and_makes_it_playable(page, site, group_photo, tmp_path):
    photo = tmp_path / "group.jpg"
    photo.write_bytes(encode(group_photo))
    choose_photo(page, site, photo)

    # Music first: the mood line and the first three tracks in view, with nothing scrolled
    # by hand (on the phone the page scrolls itself to the results).
    assert status_text(page).startswith("3 faces, group mood: ")
    assert in_view(page, "#status")
    for index in range(3):
        assert in_view(page, "#tracks .f2m-track", index), f"track {index + 1} out of view"
    # The photo once: the boxed photo, labelled, in place of the upload box.
    assert page.locator("#photo").is_hidden()
    assert page.locator("#boxed img").is_visible()
    described = page.locator("#boxed img").get_attribute("alt")
    assert [f"{n}: " in described for n in (1, 2, 3)] == [True] * 3, described
    # Readable: no sideways scrolling, no word broken, every track without an inner scroll box.
    assert no_sideways_scroll(page)
    assert words_broken(page) == []
    assert inner_scroll_boxes(page) == []
    cards = page.locator("#tracks .f2m-track")
    assert cards.count() == 10
    # Playable: a player for each track with an id, search links for every track.
    players = page.locator("#tracks iframe.f2m-player")
    sources = players.evaluate_all("found => found.map(frame => frame.src)")
    assert sources and all(src.startswith(EMBED + "F2mTestTrack") for src in sources)
    for index in range(cards.count()):
        card = cards.nth(index)
        assert card.locator('a[href^="https://www.youtube.com/results?search_query="]').count()
        assert card.locator('a[href^="https://open.spotify.com/"]').count() == 1
        if card.locator('a[href^="https://open.spotify.com/search/"]').count():
            assert card.locator("iframe").count() == 0  # no id: never an invented player
    screenshot(page, "upload")


def test_changes_answer_at_once_and_typed_markup_shows_as_typed(page, site, astronaut, tmp_path):
    photo = tmp_path / "one.jpg"
    photo.write_bytes(encode(astronaut))
    choose_photo(page, site, photo)
    first = page.locator("#tracks .f2m-title").first.inner_text()

    artist = page.get_by_label("Favourite artist")
    artist.fill("<b>x</b>")
    artist.press("Enter")  # no button: the answer comes on Enter
    wait_for_status(page, "No tracks by “<b>x</b>”")
    assert page.locator("#status b, #tracks b").count() == 0

    artist.fill("")
    artist.blur()  # ...and on leaving the box
    wait_for_tracks(page)
    page.get_by_label("Language").click()
    page.get_by_role("option", name="Japanese").click()
    page.wait_for_function(
        """() => [...document.querySelectorAll('#tracks .f2m-facts')]
            .every(facts => facts.textContent.startsWith('Japanese'))""",
        timeout=ANSWER_TIMEOUT_MS,
    )
    page.get_by_text("More options").click()
    page.get_by_label("Mood", exact=True).click()
    page.get_by_role("option", name="sad", exact=True).click()
    wait_for_status(page, "Mood set by hand: sad")
    page.get_by_label("Lift my mood").check()
    wait_for_status(page, "Lifting the mood")
    wait_for_tracks(page, 1)
    assert page.locator("#tracks .f2m-title").first.inner_text() != first
    whys = page.locator("#tracks .f2m-why").all_inner_texts()  # a journey, step by step
    assert [why.split(" of ")[0] for why in whys] == [f"Step {n}" for n in range(1, len(whys) + 1)]
    assert no_sideways_scroll(page)
    page.wait_for_timeout(SETTLE_MS)
    screenshot(page, "changed")


def test_more_tracks_and_an_example_photo(page, site):
    page.goto(site)
    page.locator("#examples button.gallery-item").first.click()
    wait_for_tracks(page)
    wait_for_status(page, "1 face")
    titles = set(page.locator("#tracks .f2m-title").all_inner_texts())
    page.get_by_role("button", name="More tracks").click()
    wait_for_status(page, "10 more tracks")
    wait_for_tracks(page)
    assert not titles & set(page.locator("#tracks .f2m-title").all_inner_texts())


def test_a_file_that_is_no_photo_is_refused_when_chosen(page, site, tmp_path):
    bad = tmp_path / "notes.jpg"
    bad.write_bytes(b"hello, not a photo")
    page.goto(site)
    page.locator("#photo input[type=file]").set_input_files(bad)
    wait_for_status(page, "not an image")
    assert page.locator("#photo").is_visible()  # still there, to choose another file


def test_a_group_of_twelve_gets_twelve_labels(page, site):
    choose_photo(page, site, ROOT / "examples" / "twelve.jpg")
    described = page.locator("#boxed img").get_attribute("alt")
    assert all(f"{n}: " in described for n in range(1, 13)), described
    assert status_text(page).startswith("12 faces, group mood: ")
    screenshot(page, "twelve")


def test_live_webcam_shows_one_picture_and_stop_keeps_the_tracks(page, site, gradio_cache):
    before = files_in(gradio_cache)
    page.goto(site)
    page.get_by_role("tab", name="Live").click()
    page.locator("text=Click to Access Webcam").locator("visible=true").first.click()
    page.get_by_role("button", name="capture photo").click()  # "Record": starts the stream

    wait_for_status(page, "steady mood: happy")
    live_frame = page.locator('#live-view img[src^="data:image/jpeg;base64,"]')
    live_frame.wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert "steady mood: happy" in live_frame.get_attribute("alt")
    wait_for_tracks(page)
    page.wait_for_timeout(1500)  # a few more frames: the label must hold still
    # One picture of the visitor: the boxed frame where the boxed photo goes; the camera's
    # own preview steps aside while it streams.
    assert live_frame.is_visible() and page.locator("#boxed").is_hidden()
    hidden = page.evaluate("getComputedStyle(document.querySelector('#camera video')).visibility")
    assert hidden == "hidden"
    assert no_sideways_scroll(page)
    screenshot(page, "live")

    page.locator("button:visible", has_text="Stop").click()
    wait_for_status(page, "Camera off")
    assert "Last steady mood: happy" in status_text(page)
    assert page.locator("#tracks .f2m-track").count() == 10  # its tracks stay
    screenshot(page, "live_stopped")
    assert files_in(gradio_cache) <= before  # no frame of the visitor was written on the server


def test_a_snapshot_is_answered_in_its_place(page, site):
    page.goto(site)
    page.get_by_role("tab", name="Snapshot").click()
    page.locator("text=Click to Access Webcam").locator("visible=true").first.click()
    page.wait_for_timeout(SETTLE_MS)  # the camera's first frames are still dark
    page.get_by_role("button", name="capture photo").locator("visible=true").first.click()
    wait_for_status(page, "1 face, mood: happy")
    wait_for_tracks(page)
    page.wait_for_timeout(SETTLE_MS)
    assert page.get_by_role("button", name="Another snapshot").is_visible()
    assert page.locator("#boxed img").is_visible()
    screenshot(page, "snapshot")
    for index in range(3):
        assert in_view(page, "#tracks .f2m-track", index), f"track {index + 1} out of view"
