"""Measure the exported model through the app's own inference path on FER-2013 PublicTest.

    python -m training.evaluate [--model models/emotion_cnn.keras] [--report-dir models]

Prints (and, with --report-dir, writes as `evaluation.json` and `confusion_matrix.png`):
accuracy, per-class precision / recall / F1, the confusion matrix, expected calibration error,
and the median latency of one face at batch 1, all as the app reads faces (mirror averaging
included when it is on); then accuracy and latency of the model file alone ("single_view").
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from pipeline import emotion
from pipeline.emotion import EMOTIONS
from training.data import DEFAULT_DATA_DIR, load_split
from training.timing import median_ms

LATENCY_RUNS = 200
LATENCY_WARMUP = 10
BATCH = 256
CALIBRATION_BINS = 15  # the usual choice for expected calibration error (Guo et al., 2017)
CELL_PX = 72  # one cell of the confusion-matrix picture
MARGIN_PX = 90  # room for the class names


def probabilities(model: emotion.EmotionModel, faces: np.ndarray) -> np.ndarray:
    """(N, 7) probabilities for grey faces, in batches through the app's compiled call."""
    return np.array(
        [
            scores.probabilities
            for start in range(0, len(faces), BATCH)
            for scores in model.classify(faces[start : start + BATCH])
        ]
    )


def hits(model: emotion.EmotionModel, faces: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per face, whether the model, reading it as the app does, names its label."""
    return probabilities(model, faces).argmax(axis=1) == labels


def confusion(labels: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Counts of (true class row, predicted class column)."""
    matrix = np.zeros((len(EMOTIONS), len(EMOTIONS)), np.int64)
    np.add.at(matrix, (labels, predicted), 1)
    return matrix


def per_class(matrix: np.ndarray) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support of every class from a confusion matrix."""
    report = {}
    for i, label in enumerate(EMOTIONS):
        hits, predicted, actual = matrix[i, i], matrix[:, i].sum(), matrix[i].sum()
        precision = hits / predicted if predicted else 0.0
        recall = hits / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        report[label] = {
            "precision": round(float(precision), 4),
            "recall": round(float(recall), 4),
            "f1": round(float(f1), 4),
            "support": int(actual),
        }
    return report


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray) -> float:
    """Mean gap between confidence and accuracy over equal-width confidence bins, weighted
    by how many faces fall in each."""
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels
    edges = np.linspace(0, 1, CALIBRATION_BINS + 1)
    error = 0.0
    for low, high in itertools.pairwise(edges):
        in_bin = (confidence > low) & (confidence <= high)
        if in_bin.any():
            error += in_bin.mean() * abs(correct[in_bin].mean() - confidence[in_bin].mean())
    return float(error)


def latency_ms(model: emotion.EmotionModel, face: np.ndarray) -> float:
    """Median milliseconds to classify one face (batch 1), after warm-up."""
    return median_ms(lambda: model.classify(face), LATENCY_RUNS, LATENCY_WARMUP)


def draw_confusion(matrix: np.ndarray, path: Path) -> None:
    """The confusion matrix as a PNG: rows are true classes, each row shaded by its share."""
    side = MARGIN_PX + CELL_PX * len(EMOTIONS)
    picture = Image.new("RGB", (side, side), "white")
    pen = ImageDraw.Draw(picture)
    shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    for i, label in enumerate(EMOTIONS):
        pen.text((4, MARGIN_PX + i * CELL_PX + CELL_PX // 2 - 6), label, fill="black")
        pen.text((MARGIN_PX + i * CELL_PX + 4, MARGIN_PX - 16), label[:9], fill="black")
        for j in range(len(EMOTIONS)):
            shade = int(255 * (1 - shares[i, j]))
            x, y = MARGIN_PX + j * CELL_PX, MARGIN_PX + i * CELL_PX
            pen.rectangle([x, y, x + CELL_PX - 2, y + CELL_PX - 2], fill=(shade, shade, 255))
            ink = "white" if shares[i, j] > 0.5 else "black"
            pen.text((x + 6, y + CELL_PX // 2 - 12), f"{matrix[i, j]}", fill=ink)
            pen.text((x + 6, y + CELL_PX // 2 + 2), f"{shares[i, j]:.0%}", fill=ink)
    pen.text((4, 4), "true class (rows) vs predicted (columns)", fill="black")
    picture.save(path)


def evaluate(model_path: str, data_dir: str, report_dir: str | None = None) -> dict:
    model = emotion.load(model_path)
    public_test = load_split("PublicTest", data_dir)
    probs = probabilities(model, public_test.faces)
    predicted = probs.argmax(axis=1)
    matrix = confusion(public_test.labels, predicted)
    classes = per_class(matrix)
    report = {
        "public_test_accuracy": round(float((predicted == public_test.labels).mean()), 4),
        "public_test_faces": len(public_test),
        "recall_per_class": {label: c["recall"] for label, c in classes.items()},
        "per_class": classes,
        "macro_f1": round(float(np.mean([c["f1"] for c in classes.values()])), 4),
        "expected_calibration_error": round(
            expected_calibration_error(probs, public_test.labels), 4
        ),
        "confusion_matrix": matrix.tolist(),
        "latency_ms_per_face_batch1_median": round(latency_ms(model, public_test.faces[:1]), 2),
        "inference": {
            "runtime": model.runtime,
            "quantized_weights": model.quantized_weights,
            "mirror_average": model.mirror_average,
            "ensemble": emotion.is_ensemble(model._model),
        },
    }
    if model.mirror_average:  # one view, what mirror averaging adds (same runtime and weights)
        single = emotion.EmotionModel(model._model, model.source, mirror_average=False)
        single_right = hits(single, public_test.faces, public_test.labels)
        report["single_view"] = {
            "public_test_accuracy": round(float(single_right.mean()), 4),
            "latency_ms_per_face_batch1_median": round(
                latency_ms(single, public_test.faces[:1]), 2
            ),
        }
    if report_dir:
        folder = Path(report_dir)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "evaluation.json").write_text(json.dumps(report, indent=2) + "\n")
        draw_confusion(matrix, folder / "confusion_matrix.png")
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(emotion.BUNDLED_MODEL))
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    parser.add_argument("--report-dir", help="write evaluation.json and confusion_matrix.png")
    args = parser.parse_args()
    print(json.dumps(evaluate(args.model, args.data_dir, args.report_dir), indent=2))
