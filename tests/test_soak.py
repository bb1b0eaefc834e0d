"""A short soak: `python app.py` under several clients answers every request, and its memory
holds still. The longer figures come from `benchmarks/load.py` (README, "Under load")."""

from urllib.parse import urlparse

import psutil

from benchmarks import load
from tests.app_process import running_app

CLIENTS = 4
SECONDS = 20
REST_S = 3
SETTLE_S = 8  # the first seconds fill the interpreter pool and the malloc arenas
MAX_CLIMB = 0.05  # of the resident memory, from SETTLE_S to the end
MIB = 2**20
# Measured with these settings (README, "Under load"): the load adds ~35 MiB and the app runs ~18
# threads; before the fixes of issue 12 it added ~105 MiB and ran ~60.
MAX_GROWTH = 64 * MIB  # peak under load over the resident memory at rest before it
MAX_THREADS = 40


def app_process(url: str) -> psutil.Process:
    """The `python app.py` child of this test run that listens at `url`."""
    port = str(urlparse(url).port)
    for child in psutil.Process().children():
        if child.environ().get("GRADIO_SERVER_PORT") == port:
            return child
    raise LookupError(f"no app.py child listens on port {port}")


def test_under_load_every_request_is_answered_and_memory_holds_still(tmp_path_factory, tmp_path):
    photos = load.photos(tmp_path)
    with running_app(tmp_path_factory, tmp_path_factory.mktemp("soak_cache")) as url:
        process, warm = app_process(url), load.connect(url)
        for photo in photos:
            load.ask(warm, photo)
        run = load.Run("soak", rest_before=load.rest(process, REST_S))
        load.load(url, process, run, CLIENTS, SECONDS, photos)
    assert not run.errors, run.errors[:3]
    assert len(run.latencies) >= 2 * CLIENTS
    settled, end = load.rss_at(run, SETTLE_S), run.rss[-1][1]
    peak = max(rss for _, rss in run.rss)
    trace = f"at rest {run.rest_before / MIB:.0f}, then " + " ".join(
        f"{rss / MIB:.0f}" for _, rss in run.rss
    )
    assert end <= settled * (1 + MAX_CLIMB), f"RSS climbed under load (MiB, each second): {trace}"
    assert peak - run.rest_before <= MAX_GROWTH, f"RSS grew under load (MiB): {trace}"
    assert max(run.threads) <= MAX_THREADS
