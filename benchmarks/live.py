"""Frames per second of the live webcam path, through the very function the stream calls.

    python benchmarks/live.py [--frames 300]

Feeds recorded 640x480 frames (scikit-image's public-domain astronaut portrait moving about,
with a stretch of dark frames) to `app.follow` one after another, as fast as it returns, and
reports the processed frames per second (1 / median time a frame). Gradio keeps one slot per
live stream: a frame that arrives while one is processed replaces the waiting one, so frames
are dropped, never queued, and this rate is what a visitor sees.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED_YUNET = ROOT.parent / "shared/data/models/face_detection_yunet_2026may.onnx"
TARGET_FPS = 15
WARMUP_FRAMES = 10
FOLLOW_TRACKS, FOLLOW_STATE = 4, 7  # where app.follow returns the cards and the state


def recorded_frames(count: int) -> list[np.ndarray]:
    """640x480 frames: the portrait drifting left and right, every 10th of 60 frames dark."""
    import cv2
    from skimage import data

    face = cv2.resize(data.astronaut(), (420, 420))
    frames = []
    for i in range(count):
        canvas = np.full((480, 640, 3), 90, np.uint8)
        shift = int(80 + 60 * np.sin(i / 15))
        canvas[30:450, shift : shift + 420] = face
        if i % 60 >= 50:  # a dark stretch: the camera covered for a moment
            canvas = (canvas * 0.05).astype(np.uint8)
        frames.append(canvas)
    return frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=300)
    args = parser.parse_args()
    if "YUNET_ONNX" not in os.environ and SHARED_YUNET.exists():
        os.environ["YUNET_ONNX"] = str(SHARED_YUNET)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import app  # builds the recommender exactly as the Space does

    frames = recorded_frames(args.frames + WARMUP_FRAMES)
    state, times, refreshes = None, [], 0
    for i, frame in enumerate(frames):
        started = time.perf_counter()
        shown = app.follow(frame, "", "Any", "Auto", 10, "match", state)
        tracks, state = shown[FOLLOW_TRACKS], shown[FOLLOW_STATE]
        if i >= WARMUP_FRAMES:
            times.append(time.perf_counter() - started)
            refreshes += isinstance(tracks, str)  # new track cards, not gr.skip()
    median = statistics.median(times)
    print(f"detector: {app.recommender.detector.name}, cores: {os.cpu_count()}")
    print(f"frames: {len(times)} at 640x480, median {median * 1000:.1f} ms a frame")
    print(f"processed frames per second: {1 / median:.1f} (target {TARGET_FPS})")
    print(f"90th percentile: {np.percentile(times, 90) * 1000:.1f} ms")
    print(f"track refreshes: {refreshes} in {len(times)} frames (steady mood changes only)")


if __name__ == "__main__":
    main()
