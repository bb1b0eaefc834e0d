"""Speed of the whole path: in process, through gradio_client, and `python app.py` start-up.

    python benchmarks/latency.py [--runs 30]

Uses a 640x480 one-face photo built from scikit-image's public-domain astronaut portrait.
The face detector is YuNet when YUNET_ONNX names its file (or ../shared/data has it), else the
Haar cascade, as in the app. Every figure is a median over `--runs` timed runs after warm-up.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import httpx
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from training.timing import median_ms  # noqa: E402

SHARED_YUNET = ROOT.parent / "shared/data/models/face_detection_yunet_2026may.onnx"
WARMUP_RUNS = 3
STARTUP_TIMEOUT_S = 180


def one_face_photo() -> bytes:
    """The astronaut portrait centred on a 640x480 canvas, as a JPEG."""
    from skimage import data

    portrait = Image.fromarray(data.astronaut()).resize((400, 400))
    canvas = Image.new("RGB", (640, 480), (200, 200, 200))
    canvas.paste(portrait, (120, 40))
    path = Path(tempfile.mkdtemp()) / "one_face_640x480.jpg"
    canvas.save(path, quality=90)
    return path.read_bytes()


def in_process(photo: bytes, runs: int) -> dict[str, float]:
    import cv2

    from catalog.tracks import Query
    from catalog.tracks import recommend as ask_sources
    from pipeline import crops, images, recommend

    recommender = recommend.build()
    result = recommender.recommend(photo)
    assert len(result.faces) == 1 and result.tracks, result.status()
    rgb = images.load(photo)
    found = recommender.detector.detect(rgb)
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    crop = crops.crop(grey, found[0], crops.framing_for(recommender.detector.name))[None]
    query = Query(result.mood.valence, result.mood.energy)
    timed = partial(median_ms, runs=runs, warmup=WARMUP_RUNS)
    return {
        "detector": recommender.detector.name,
        "image to tracks (recommend)": timed(lambda: recommender.recommend(photo)),
        "  decode JPEG": timed(lambda: images.load(photo)),
        "  detect faces": timed(lambda: recommender.detector.detect(rgb)),
        "  crop and classify 1 face": timed(lambda: recommender.read_faces(rgb, found)),
        "    of which the model call": timed(lambda: recommender.model.classify(crop)),
        "  rank catalog": timed(lambda: ask_sources(recommender.sources, query)),
    }


def through_app(photo: bytes, runs: int) -> dict[str, float]:
    from gradio_client import handle_file

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_SERVER_NAME": "127.0.0.1"}
    env.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    work = Path(tempfile.mkdtemp())
    path = work / "photo.jpg"
    path.write_bytes(photo)
    started = time.perf_counter()
    app = subprocess.Popen(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = _connect(f"http://127.0.0.1:{port}/", app)

        def ask():
            *_, record = client.predict(image=handle_file(path), api_name="/recommend")
            assert record["error"] is None and record["tracks"], record

        ask()
        startup = time.perf_counter() - started
        return {
            "python app.py start-up to first answer (s, one run)": startup,
            "gradio_client round trip": median_ms(ask, runs, WARMUP_RUNS),
        }
    finally:
        app.terminate()
        app.wait(timeout=30)


def _connect(url: str, app: subprocess.Popen):
    from gradio_client import Client

    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if app.poll() is not None:
            raise RuntimeError("app.py exited during start-up")
        try:
            return Client(url, verbose=False)
        except httpx.HTTPError:  # not listening yet
            time.sleep(0.25)
    raise TimeoutError(f"app.py did not answer within {STARTUP_TIMEOUT_S} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    if "YUNET_ONNX" not in os.environ and SHARED_YUNET.exists():
        os.environ["YUNET_ONNX"] = str(SHARED_YUNET)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

    photo = one_face_photo()
    print(f"cores: {os.cpu_count()}, runs per figure: {args.runs} (median, ms unless noted)")
    for name, value in {**in_process(photo, args.runs), **through_app(photo, args.runs)}.items():
        print(f"{name:55s} {value if isinstance(value, str) else f'{value:8.1f}'}")
    print("note: the gradio_client figure includes uploading the photo and downloading the result")


if __name__ == "__main__":
    main()
