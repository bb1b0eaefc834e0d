"""What other test-time views of a face would buy over the app's face-and-mirror reading.

    python -m training.views [--model models/emotion_cnn.keras] [--json views.json]

Each view is one fixed warp of the 48x48 face (blurred, zoomed, shifted, turned), read with
its mirror image as the app reads a face. For each, PublicTest accuracy, the gain over the
app's own two views with a 95 % paired-bootstrap interval, and how many faces it turns right
and wrong. Then the honest question a table like that invites: if one chose the best view on
half of PublicTest, what would it gain on the other half (the mean over random halves)? And
what several views averaged buy, against what each extra view costs at batch 1.

The blur's width is not tuned: the training jitter resamples every face once, bilinearly, at a
fraction t of a pixel that is uniform over faces, which spreads each pixel by a variance of
E[t(1 - t)] = 1/6 px² along each axis. The three taps (1/12, 5/6, 1/12) along each axis spread
a test face's pixels by exactly as much. (cv2.GaussianBlur with sigma sqrt(1/6) would not: its
kernel, sampled at whole pixels, spreads them by 0.09 px² only.)
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections.abc import Callable

import cv2
import keras
import numpy as np

from pipeline import emotion
from pipeline.emotion import INPUT_SHAPE, INPUT_SIDE
from training.data import DEFAULT_DATA_DIR, load_split
from training.evaluate import LATENCY_RUNS, LATENCY_WARMUP, probabilities
from training.timing import median_ms

TRAINING_BLUR_VARIANCE = 1 / 6  # px² along each axis: the jitter's one bilinear resampling
TRAINING_BLUR_TAPS = np.array([1 / 12, 5 / 6, 1 / 12], np.float32)  # variance 2 / 12
BOOTSTRAP_DRAWS = 2000
SPLIT_DRAWS = 500


def _warp(angle: float = 0.0, zoom: float = 1.0, dx: float = 0.0, dy: float = 0.0):
    centre = (INPUT_SIDE - 1) / 2
    matrix = cv2.getRotationMatrix2D((centre, centre), angle, zoom)
    matrix[:, 2] += (dx, dy)
    return lambda face: cv2.warpAffine(
        face, matrix, (INPUT_SIDE, INPUT_SIDE), borderMode=cv2.BORDER_REPLICATE
    )


def _blur(face: np.ndarray) -> np.ndarray:
    return cv2.sepFilter2D(
        face, -1, TRAINING_BLUR_TAPS, TRAINING_BLUR_TAPS, borderType=cv2.BORDER_REPLICATE
    )


# name -> (what it is, the view of a float32 face)
VIEWS: dict[str, tuple[str, Callable[[np.ndarray], np.ndarray]]] = {
    "face": ("the face itself (the app)", lambda face: face),
    "blur": ("blurred as much as the jitter's resampling blurs", _blur),
    "half-pixel": ("moved half a pixel right and down (bilinear)", _warp(dx=0.5, dy=0.5)),
    "zoom-in": ("zoomed in by 5 %", _warp(zoom=1.05)),
    "zoom-out": ("zoomed out by 5 %", _warp(zoom=0.95)),
    "left": ("moved a pixel left", _warp(dx=-1)),
    "right": ("moved a pixel right", _warp(dx=1)),
    "up": ("moved a pixel up", _warp(dy=-1)),
    "down": ("moved a pixel down", _warp(dy=1)),
    "turn-left": ("turned 5 degrees anticlockwise", _warp(angle=5)),
    "turn-right": ("turned 5 degrees clockwise", _warp(angle=-5)),
}


def view_readings(model: emotion.EmotionModel, faces: np.ndarray) -> dict[str, np.ndarray]:
    """(N, 7) one-view probabilities of every view and of its mirror image ("<name>+mirror")."""
    faces = faces.astype(np.float32)
    readings = {}
    for name, (_, view) in VIEWS.items():
        seen = np.stack([view(face) for face in faces])
        readings[name] = probabilities(model, seen)
        readings[f"{name}+mirror"] = probabilities(model, seen[:, :, ::-1])
    return readings


def hits(readings: dict[str, np.ndarray], names: list[str], labels: np.ndarray) -> np.ndarray:
    """Per face, whether the average of these readings names its label."""
    return np.mean([readings[name] for name in names], axis=0).argmax(axis=1) == labels


def compare(right: np.ndarray, baseline: np.ndarray, rng: np.random.Generator) -> dict:
    """Accuracy of `right` against `baseline` on the same faces, with a paired bootstrap."""
    difference = right.astype(np.int8) - baseline.astype(np.int8)
    draws = rng.integers(0, len(right), (BOOTSTRAP_DRAWS, len(right)))
    low, high = np.percentile(difference[draws].mean(axis=1), [2.5, 97.5]) * 100
    return {
        "accuracy": round(float(right.mean()) * 100, 2),
        "gain": round(float(difference.mean()) * 100, 2),
        "gain_95": [round(float(low), 2), round(float(high), 2)],
        "turned_right": int((difference > 0).sum()),
        "turned_wrong": int((difference < 0).sum()),
    }


def chosen_on_half(pairs: dict[str, np.ndarray], rng: np.random.Generator) -> dict:
    """The gain of the view that reads one random half best, on the other half."""
    gains, picks = [], {}
    for _ in range(SPLIT_DRAWS):
        half = rng.random(len(pairs["face"])) < 0.5
        best = max(pairs, key=lambda name: pairs[name][half].mean())
        picks[best] = picks.get(best, 0) + 1
        gains.append((pairs[best][~half].mean() - pairs["face"][~half].mean()) * 100)
    return {
        "gain_mean": round(statistics.fmean(gains), 2),
        "gain_sd": round(statistics.stdev(gains), 2),
        "picked": dict(sorted(picks.items(), key=lambda item: -item[1])),
    }


def latency_ms(model: emotion.EmotionModel, views: int) -> float:
    """Median ms of one batch-1 call reading `views` images of a face, as the app calls TFLite
    (the TensorFlow path when the model does not convert)."""
    flatbuffer = emotion._to_tflite(model._model, views)
    batch = np.random.default_rng(0).uniform(0, 255, (views, *INPUT_SHAPE)).astype(np.float32)
    if flatbuffer is None:
        call = model._infer
    else:
        from ai_edge_litert.interpreter import Interpreter

        interpreter = Interpreter(model_content=flatbuffer, num_threads=emotion.TFLITE_THREADS)
        interpreter.allocate_tensors()
        into = interpreter.get_input_details()[0]["index"]

        def call(images: np.ndarray) -> None:
            interpreter.set_tensor(into, images)
            interpreter.invoke()

    return round(median_ms(lambda: call(batch), LATENCY_RUNS, LATENCY_WARMUP), 2)


def study(model_path: str, data_dir: str, seed: int = 0) -> dict:
    keras_model = keras.saving.load_model(model_path, compile=False)
    model = emotion.EmotionModel(keras_model, model_path, mirror_average=False)
    public_test = load_split("PublicTest", data_dir)
    readings = view_readings(model, public_test.faces)
    labels, rng = public_test.labels, np.random.default_rng(seed)
    pairs = {name: hits(readings, [name, f"{name}+mirror"], labels) for name in VIEWS}
    averages = {
        "the face and the blurred face, each with its mirror (4)": ["face", "blur"],
        "the face, zoomed in and out, each with its mirror (6)": ["face", "zoom-in", "zoom-out"],
        f"all {len(VIEWS)} views, each with its mirror ({2 * len(VIEWS)})": list(VIEWS),
    }
    return {
        "model": model_path,
        "faces": len(labels),
        "views": {
            name: {"view": VIEWS[name][0], **compare(pairs[name], pairs["face"], rng)}
            for name in VIEWS
        },
        "best_view_chosen_on_half": chosen_on_half(pairs, rng),
        "averages": {
            title: compare(
                hits(readings, [f"{n}{m}" for n in names for m in ("", "+mirror")], labels),
                pairs["face"],
                rng,
            )
            for title, names in averages.items()
        },
        "latency_ms_batch1_median_by_views": {v: latency_ms(model, v) for v in (1, 2, 4, 6)},
    }


def table(report: dict) -> str:
    """The views as a Markdown table, for the model card."""
    rows = [
        "| view (and its mirror image) | PublicTest | vs the app's | 95 % interval | faces +/- |",
        "|---|---:|---:|---:|---:|",
    ]
    titled = [(figures["view"], figures) for figures in report["views"].values()]
    for title, figures in [*titled, *report["averages"].items()]:
        low, high = figures["gain_95"]
        rows.append(
            f"| {title} | {figures['accuracy']:.2f} % | {figures['gain']:+.2f} "
            f"| {low:+.2f} to {high:+.2f} | +{figures['turned_right']} / "
            f"-{figures['turned_wrong']} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(emotion.BUNDLED_MODEL))
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    report = study(args.model, args.data_dir)
    print(table(report))
    print(json.dumps({k: v for k, v in report.items() if k not in ("views", "averages")}, indent=2))
    if args.json:
        with open(args.json, "w") as out:
            json.dump(report, out, indent=2)


if __name__ == "__main__":
    main()
