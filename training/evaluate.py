"""Measure the exported model through the app's own inference path on FER-2013 PublicTest.

    python -m training.evaluate [--model models/emotion_cnn.keras]

Prints accuracy, per-class recall and the median latency of one face at batch 1.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

from pipeline import emotion
from pipeline.emotion import EMOTIONS
from training.data import DEFAULT_DATA_DIR, load_split

LATENCY_RUNS = 200
BATCH = 256


def evaluate(model_path: str, data_dir: str) -> dict:
    model = emotion.load(model_path)
    public_test = load_split("PublicTest", data_dir)
    predicted = np.array(
        [
            EMOTIONS.index(scores.top)
            for start in range(0, len(public_test), BATCH)
            for scores in model.classify(public_test.faces[start : start + BATCH])
        ]
    )
    correct = predicted == public_test.labels
    recall = {
        label: round(float(correct[public_test.labels == i].mean()), 4)
        for i, label in enumerate(EMOTIONS)
    }
    one_face = public_test.faces[:1]
    for _ in range(10):
        model.classify(one_face)
    times = []
    for _ in range(LATENCY_RUNS):
        started = time.perf_counter()
        model.classify(one_face)
        times.append(time.perf_counter() - started)
    return {
        "public_test_accuracy": round(float(correct.mean()), 4),
        "public_test_faces": len(public_test),
        "recall_per_class": recall,
        "latency_ms_per_face_batch1_median": round(statistics.median(times) * 1000, 2),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(emotion.BUNDLED_MODEL))
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    args = parser.parse_args()
    print(json.dumps(evaluate(args.model, args.data_dir), indent=2))
