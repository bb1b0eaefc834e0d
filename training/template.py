"""Which landmark template reads faces best through the app's crop: a study on Training faces.

    python -m training.template [--faces 3000] [--model models/emotion_cnn.keras] [--json F]

The app lays YuNet's eyes and mouth corners on a template: the median places YuNet finds them
on FER-2013's own faces (`pipeline.crops.FER_LANDMARKS`), chosen for where landmarks sit, not
for how a model reads the crop; and v4, whose readings confirmed it, is the only net it suits
(models/README.md, "Distillation"). This study scales the template about its centre and moves
it up or down, cuts Training faces (never PublicTest) through each variant, and reads them as
the app does. The variant that reads Training faces best is then read once on PublicTest
against the template in use, on the same faces, with a paired interval.

A variant is a map of the 48x48 frame onto itself composed after the app's own crop map: laying
landmarks on a template scaled by s about its centre c and moved by d is laying them on the
template, then mapping u to s (u - c) + c + d.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from pipeline import crops, emotion, faces
from pipeline.crops import FER_LANDMARKS, FIT_LANDMARKS
from training import framing, views
from training.data import DEFAULT_DATA_DIR, DEFAULT_YUNET, load_split
from training.evaluate import hits

SCALES = (0.92, 0.96, 1.0, 1.04, 1.08)  # > 1: the landmarks spread wider, the face fills more
SHIFTS_PX = (-1.5, -0.75, 0.0, 0.75, 1.5)  # > 0: the landmarks lower, more brow shows


def variant_map(scale: float, shift_y: float) -> np.ndarray:
    """3x3 map of the frame onto itself that turns the template into the variant."""
    centre = np.array(FER_LANDMARKS)[list(FIT_LANDMARKS)].mean(axis=0)
    offset = centre - scale * centre + np.array([0.0, shift_y])
    return np.array([[scale, 0, offset[0]], [0, scale, offset[1]], [0, 0, 1]])


def cuts(found: list, detector_name: str, scale: float, shift_y: float) -> np.ndarray:
    """The app's crop of each detection, its template turned into the variant."""
    box_framing = crops.framing_for(detector_name)
    to_variant = variant_map(scale, shift_y)
    cut = []
    for grey, face in found:
        to_frame = to_variant @ np.vstack([crops.frame_map(face, box_framing), [0, 0, 1]])
        cut.append(crops.warp(grey, to_frame[:2]))
    return np.stack(cut)


def study(model_path: str, yunet: str, data_dir: str, faces_to_fit: int) -> dict:
    """Each variant's accuracy on Training faces through YuNet and the crop; the best one's
    on PublicTest against the template in use."""
    model = emotion.load(model_path)
    detector = faces.YuNetDetector(yunet)
    training = load_split("Training", data_dir)
    pick = np.random.default_rng(0).choice(len(training), faces_to_fit, replace=False)
    found, kept = framing.detections(detector, training.faces[pick])
    labels = training.labels[pick][kept]
    grid = {
        (scale, shift): float(hits(model, cuts(found, detector.name, scale, shift), labels).mean())
        for scale in SCALES
        for shift in SHIFTS_PX
    }
    scale, shift = max(grid, key=grid.get)
    public = load_split("PublicTest", data_dir)
    public_found, public_kept = framing.detections(detector, public.faces)
    public_labels = public.labels[public_kept]
    in_use = hits(model, cuts(public_found, detector.name, 1.0, 0.0), public_labels)
    chosen = hits(model, cuts(public_found, detector.name, scale, shift), public_labels)
    return {
        "model": str(model_path),
        "training_faces_found": len(kept),
        "training_through_crop": [
            {"scale": s, "shift_y_px": d, "accuracy": round(a, 4)} for (s, d), a in grid.items()
        ],
        "best": {"scale": scale, "shift_y_px": shift},
        "public_test_found": len(public_kept),
        "public_test_template_in_use": round(float(in_use.mean()), 4),
        "public_test_best_against_it": views.compare(chosen, in_use, np.random.default_rng(0)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=emotion.BUNDLED_MODEL)
    parser.add_argument("--faces", type=int, default=3000, help="Training faces to choose on")
    parser.add_argument("--yunet", default=DEFAULT_YUNET)
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    report = study(args.model, args.yunet, args.data_dir, args.faces)
    print(json.dumps(report, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
