"""Starting `python app.py` in a subprocess for end-to-end and browser tests."""

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, YUNET_ONNX
from tests.hub_server import closed_port_endpoint

STARTUP_TIMEOUT_S = 120


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running_app(tmp_path_factory, gradio_cache: Path, **extra_env: str):
    """`python app.py` in a subprocess on a free port, offline from the Hub; yields its URL."""
    port = free_port()
    env = {
        **os.environ,
        "GRADIO_SERVER_NAME": "127.0.0.1",
        "GRADIO_SERVER_PORT": str(port),
        "GRADIO_ANALYTICS_ENABLED": "False",
        "GRADIO_TEMP_DIR": str(gradio_cache),
        "HF_HOME": str(tmp_path_factory.mktemp("hf_home")),
        "HF_ENDPOINT": closed_port_endpoint(),  # the Hub is unreachable: fall back at once
        "TF_CPP_MIN_LOG_LEVEL": "3",
        **extra_env,
    }
    for name in ("SPOTIPY_CLIENT_ID", "SPOTIPY_CLIENT_SECRET"):
        if name not in extra_env:
            env.pop(name, None)  # only the tests that bring a Spotify stand-in use one
    if YUNET_ONNX.exists():
        env["YUNET_ONNX"] = str(YUNET_ONNX)
    log = tmp_path_factory.mktemp("log") / "app.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while "Running on" not in log.read_text():
            if process.poll() is not None:
                pytest.fail(f"app.py exited:\n{log.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail(
                    f"app.py did not start in {STARTUP_TIMEOUT_S} s:\n{log.read_text()[-3000:]}"
                )
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def gradio_cache(tmp_path_factory) -> Path:
    """Where the module's app keeps uploads and outputs, to check what stays on disk."""
    return tmp_path_factory.mktemp("gradio")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, gradio_cache):
    """One `python app.py` for the whole test module, offline, without Spotify."""
    with running_app(tmp_path_factory, gradio_cache) as url:
        yield url
