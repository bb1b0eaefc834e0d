"""A short soak: `python app.py` under several clients answers every request, and its memory
holds still. The longer figures come from `benchmarks/load.py` (README, "Under load")."""

from urllib.parse import urlparse

import psutil

from benchmarks import load
from tests.app_process import running_app

CLIENTS = 4
SECONDS = 20
SETTLE_S = 8  # the first seconds fill the interpreter pool and the malloc arenas
MAX_CLIMB = 0.05  # of the resident memory, from SETTLE_S to the end
MIB = 2**20


def app_process(url: str) -> psutil.Process:
    """The `python app.py` child of this test run that listens at `url`."""
    port = str(urlparse(url).port)
    for child in psutil.Process().children():
        if child.environ().get("GRADIO_SERVER_PORT") == port:
            return child
    raise LookupError(f"no app.py child listens on port {port}")


def test_under_load_every_request_is_answered_and_memory_holds_still(tmp_path_factory, tmp_path):
    with running_app(tmp_path_factory, tmp_path_factory.mktemp("soak_cache")) as url:
        run = load.Run("soak")
        load.load(url, app_process(url), run, CLIENTS, SECONDS, load.photos(tmp_path))
    assert not run.errors, run.errors[:3]
    assert len(run.latencies) >= 2 * CLIENTS
    settled, end = load.rss_at(run, SETTLE_S), run.rss[-1][1]
    trace = " ".join(f"{rss / MIB:.0f}" for _, rss in run.rss)
    assert end <= settled * (1 + MAX_CLIMB), f"RSS climbed under load (MiB, each second): {trace}"
