"""Ways to read two emotion nets, side by side: accuracy on PublicTest and time a face, one run.

    python benchmarks/ensemble_reading.py a.keras b.keras [--rounds 5]

Each net alone as the app reads a single net (the face and its mirror image), then the two as
one ensemble (`training.ensemble`) with each member reading the face, its mirror image or both
(`--views`). Every way runs through the app's own path (`EmotionModel.classify`, TFLite), which
reads an ensemble once a face; time is the median over rounds of `training.evaluate`'s median
of 200 single-face calls, the ways taking turns within each round so that they share the
machine's state. Each way's accuracy is also set against the first net's on the same faces,
with the 95 % interval of a paired bootstrap (`training.views.compare`).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import keras  # noqa: E402

from pipeline import emotion  # noqa: E402
from training import ensemble, evaluate, timing, views  # noqa: E402
from training.data import DEFAULT_DATA_DIR, load_split  # noqa: E402

ENSEMBLE_VIEWS = (
    ("face", "face"),
    ("face", "mirror"),
    ("both", "face"),
    ("face", "both"),
    ("both", "both"),
)


def ways(first: keras.Model, second: keras.Model) -> list[tuple[str, int, emotion.EmotionModel]]:
    """(name, nets' readings a face, the model as the app would run it) for each way."""
    alone = [
        (f"the {rank} net alone, face + mirror", 2, emotion.EmotionModel(net, rank))
        for rank, net in (("first", first), ("second", second))
    ]
    together = []
    for members_views in ENSEMBLE_VIEWS:
        model = ensemble.average([first, second], list(members_views))
        readings = sum(2 if view == "both" else 1 for view in members_views)
        together.append(
            (
                f"ensemble, views {' / '.join(members_views)}",
                readings,
                emotion.EmotionModel(model, "+".join(members_views)),
            )
        )
    return alone + together


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    args = parser.parse_args()

    nets = [keras.saving.load_model(path, compile=False) for path in (args.first, args.second)]
    models = ways(*nets)
    public_test = load_split("PublicTest", args.data_dir)
    face = public_test.faces[:1]
    timings = timing.take_turns(
        {name: (lambda model=model: model.classify(face)) for name, _, model in models},
        args.rounds,
        evaluate.LATENCY_RUNS,
    )

    print(f"{args.first} and {args.second}, PublicTest ({len(public_test)} faces):")
    print("| way | readings a face | PublicTest | vs the first net (95 % interval) | ms a face |")
    print("|---|---:|---:|---:|---:|")
    rng = np.random.default_rng(0)
    faces, labels = public_test.faces, public_test.labels
    first = evaluate.hits(models[0][2], faces, labels)
    for name, readings, model in models:
        gain = views.compare(evaluate.hits(model, faces, labels), first, rng)
        low, high = gain["gain_95"]
        took = statistics.median(timings[name])
        print(
            f"| {name} | {readings} | {gain['accuracy']:.2f}% "
            f"| {gain['gain']:+.2f} ({low:+.2f} to {high:+.2f}) | {took:.2f} |"
        )


if __name__ == "__main__":
    main()
