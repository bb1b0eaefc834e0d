"""Time to read one face's emotion, four ways (five with --integer), in one run; with
--accuracy, what the int8 weights cost on FER-2013 PublicTest.

    python benchmarks/emotion_speed.py [--model models/emotion_cnn.keras] [--runs 100]
                                       [--rounds 21] [--accuracy] [--integer]

1. `EmotionModel.classify`, the app's path: the model converted to TFLite at load, its weights
   int8 (`emotion.QUANTIZED_WEIGHTS`).
2. The same path with float32 weights.
3. The same model through a compiled `tf.function` (the app's fallback).
4. `model.predict` (what not to do per frame; fewer runs, it is slow).

Each is called with one 48x48 face at a time. The two TFLite paths take turns over `--rounds`
rounds of `--runs` calls, so that load on the machine falls on both alike; their figure is the
median of the rounds' medians, and their ratio the median of the rounds' ratios (a shared
machine's speed drifts by a third within a minute; within a round it holds). Times in ms,
and ratios to the app's path.

--accuracy reads PublicTest both ways as the app does (mirror image included) and sets int8
weights against float ones with a paired bootstrap; it also gives how far any probability moves.

--integer adds a fifth way to the rounds (and to --accuracy): the same graph with its
activations int8 too, their ranges calibrated on 500 Training faces. The app cannot read that
way (it carries no faces to calibrate on at load); the figure says what it would buy.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import emotion  # noqa: E402
from training.hardware import describe  # noqa: E402
from training.timing import median_ms, ratio_summary, take_turns  # noqa: E402


def accuracy_report(
    quantized: emotion.EmotionModel,
    floating: emotion.EmotionModel,
    integer: emotion.EmotionModel | None = None,
) -> None:
    from training import evaluate, views
    from training.data import load_split

    test = load_split("PublicTest")
    int8_read = evaluate.probabilities(quantized, test.faces)
    float_read = evaluate.probabilities(floating, test.faces)
    int8_hits = int8_read.argmax(axis=1) == test.labels
    float_hits = float_read.argmax(axis=1) == test.labels
    gain = views.compare(int8_hits, float_hits, np.random.default_rng(0))
    moved = np.abs(int8_read - float_read).max(axis=1)
    same_top = (int8_read.argmax(axis=1) == float_read.argmax(axis=1)).mean() * 100
    print(f"PublicTest as the app reads ({len(test.labels)} faces):")
    print(f"  float32 weights  {float_hits.mean() * 100:6.2f} %")
    print(
        f"  int8 weights     {gain['accuracy']:6.2f} %  ({gain['gain']:+.2f}, 95 % "
        f"{gain['gain_95'][0]:+.2f} to {gain['gain_95'][1]:+.2f}; {gain['turned_right']} faces "
        f"turned right, {gain['turned_wrong']} wrong)"
    )
    print(
        f"  same top emotion for {same_top:.2f} % of faces; largest probability moved "
        f"{moved.max():.4f} (99th percentile {np.quantile(moved, 0.99):.4f})"
    )
    if integer is not None:
        integer_hits = evaluate.probabilities(integer, test.faces).argmax(axis=1) == test.labels
        against = views.compare(integer_hits, int8_hits, np.random.default_rng(0))
        print(
            f"  int8 activations {against['accuracy']:6.2f} %  ({against['gain']:+.2f} against "
            f"int8 weights alone, 95 % {against['gain_95'][0]:+.2f} to "
            f"{against['gain_95'][1]:+.2f})"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=emotion.BUNDLED_MODEL)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--accuracy", action="store_true", help="also read PublicTest both ways")
    parser.add_argument(
        "--integer", action="store_true", help="also time a graph with int8 activations"
    )
    args = parser.parse_args()

    model = emotion.load(args.model)
    if not model.quantized_weights:
        parser.error("the app's path does not read this model with int8 weights; nothing to set")
    floating = emotion.EmotionModel(model._model, str(args.model), quantized_weights=False)
    face = np.random.default_rng(0).integers(0, 256, (1, 48, 48)).astype(np.uint8)
    batch = face.reshape(1, 48, 48, 1).astype(np.float32)

    readers: dict[str, emotion.EmotionModel] = {
        f"app path ({model.runtime}, int8 weights)": model,
        f"{floating.runtime}, float32 weights": floating,
    }
    integer = None
    if args.integer:
        from training.data import load_split

        training_faces = load_split("Training").faces
        picked = np.random.default_rng(0).choice(len(training_faces), 500, replace=False)
        integer = emotion.EmotionModel(
            model._model, str(args.model), calibration_faces=training_faces[picked]
        )
        readers["TFLite, int8 weights and activations"] = integer
    rounds = take_turns(
        {name: (lambda reader=reader: reader.classify(face)) for name, reader in readers.items()},
        args.rounds,
        args.runs,
    )
    timings = {name: statistics.median(medians) for name, medians in rounds.items()}
    timings["tf.function"] = median_ms(lambda: model._infer(batch), args.runs)
    timings["model.predict"] = median_ms(
        lambda: model._model.predict(batch, verbose=0), max(args.runs // 10, 10)
    )
    base = next(iter(timings.values()))
    print(
        f"one face at a time ({args.model}; {describe()}); TFLite: median of {args.rounds} "
        f"rounds' medians of {args.runs} calls, taking turns:"
    )
    for name, took in timings.items():
        print(f"  {name:36} {took:6.2f} ms  ({took / base:4.2f}x the app path)")
    for name, medians in rounds.items():
        print(f"  rounds, {name}: " + " ".join(f"{m:.2f}" for m in medians))
    int8_medians, float_medians, *integer_medians = rounds.values()
    ratio, faster = ratio_summary(int8_medians, float_medians)
    print(
        f"int8 over float32 weights, round by round: median ratio {ratio:.2f}; int8 faster in "
        f"{faster} of {args.rounds} rounds"
    )
    if integer is not None:
        ratio, faster = ratio_summary(integer_medians[0], int8_medians)
        print(
            f"int8 activations over int8 weights alone, round by round: median ratio "
            f"{ratio:.2f}; faster in {faster} of {args.rounds} rounds"
        )
    print(
        f"TFLite model in memory: {len(model._tflite) / 2**20:.2f} MiB with int8 weights, "
        f"{len(floating._tflite) / 2**20:.2f} MiB with float32"
    )
    if args.accuracy:
        accuracy_report(model, floating, integer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
