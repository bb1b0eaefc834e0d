"""Time to read one face's emotion, three ways, in one run.

    python benchmarks/emotion_speed.py [--model models/emotion_cnn.keras] [--runs 300]

1. `EmotionModel.classify`, the app's path: the model converted to TFLite at load.
2. The same model through a compiled `tf.function` (the app's fallback).
3. `model.predict` (what not to do per frame; fewer runs, it is slow).

Each is called with one 48x48 face at a time; medians in ms, and ratios to the app's path.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import emotion  # noqa: E402


def median_ms(call, runs: int) -> float:
    for _ in range(min(20, runs)):
        call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=emotion.BUNDLED_MODEL)
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()

    model = emotion.load(args.model)
    face = np.random.default_rng(0).integers(0, 256, (1, 48, 48)).astype(np.uint8)
    batch = face.reshape(1, 48, 48, 1).astype(np.float32)
    timings = {
        f"app path ({model.runtime})": median_ms(lambda: model.classify(face), args.runs),
        "tf.function": median_ms(lambda: model._infer(batch), args.runs),
        "model.predict": median_ms(
            lambda: model._model.predict(batch, verbose=0), max(args.runs // 10, 10)
        ),
    }
    base = next(iter(timings.values()))
    print(f"one face at a time, medians of {args.runs} calls ({args.model}):")
    for name, took in timings.items():
        print(f"  {name:22} {took:6.2f} ms  ({took / base:4.1f}x the app path)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
