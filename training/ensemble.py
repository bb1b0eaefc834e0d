"""Average several trained emotion models into one `.keras` file that keeps the model contract.

    python -m training.ensemble a.keras b.keras --out models/emotion_cnn.keras \
        [--views face both] [--metrics models/metrics.json]

Models that err differently average to a better reading than either alone (Pramerdorfer &
Kampel, 2016: +2.5 points on FER-2013 for eight nets). The result is one Keras model: 48x48 grey
faces in, the mean of the members' probabilities out, so the app, TFLite conversion and anyone
loading it from the Hub see a single model. The file holds every member's weights: mind the
10 MB budget (`training.publish` checks it).

The app reads an ensemble once a face, without the mirror image it adds for a single net: the
members' average takes its place, and a second view would double the cost. Which views each
member reads lives in the graph instead: `--views` gives one per member, `face` (the default),
`mirror` (the face's mirror image instead) or `both` (two readings); every reading counts the
same in the mean.

With `--metrics`, the ensemble is measured (PublicTest and Training accuracy; the
`training.evaluate` report beside `--out`) and its record written with each member's (the
`metrics.json` beside each member's file, as `training.train` exports it), so the committed
figures say what the file holds and how each part was made.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import keras
import numpy as np

from pipeline.emotion import ENSEMBLE_NAME, INPUT_SHAPE, INPUT_SIDE, check_contract
from training.data import DEFAULT_DATA_DIR, load_split


def mirror() -> keras.Sequential:
    """Stock layers that flip a (N, 48, 48, 1) batch left to right, exactly: each row times
    the anti-identity. A fixed matrix rather than a custom layer, so the file loads anywhere
    Keras does, with no code of ours registered."""
    flip = keras.layers.Dense(INPUT_SIDE, use_bias=False, trainable=False, dtype="float32")
    layers = [
        keras.Input(INPUT_SHAPE),
        keras.layers.Reshape((INPUT_SIDE, INPUT_SIDE)),  # rows of pixels: the last axis is x
        flip,
        keras.layers.Reshape(INPUT_SHAPE),
    ]
    model = keras.Sequential(layers, name="mirror")
    flip.set_weights([np.eye(INPUT_SIDE, dtype=np.float32)[::-1]])
    return model


VIEWS = ("face", "mirror", "both")  # what a member reads of each face


def average(members: list[keras.Model], views: list[str] | None = None) -> keras.Model:
    """One model whose output is the mean of the members' readings, each member reading the
    face, its mirror image or both (`views`, one per member; the face for all by default)."""
    if len(members) < 2:
        raise ValueError("an ensemble needs at least two models")
    views = views or ["face"] * len(members)
    if len(views) != len(members) or not set(views) <= set(VIEWS):
        raise ValueError(f"give one of {VIEWS} per member, got {views}")
    faces = keras.Input(INPUT_SHAPE, name="faces")
    mirrored = mirror()(faces) if {"mirror", "both"} & set(views) else None
    readings = []
    for index, (member, view) in enumerate(zip(members, views, strict=True)):
        check_contract(member)
        # Functional models need unique layer names; every member is called "emotion_cnn".
        renamed = keras.Model(member.inputs[0], member.outputs[0], name=f"member_{index}")
        if view in ("face", "both"):
            readings.append(renamed(faces))
        if view in ("mirror", "both"):
            readings.append(renamed(mirrored))
    probabilities = keras.layers.Average(name="emotions")(readings)
    return keras.Model(faces, probabilities, name=ENSEMBLE_NAME)


def member_record(path: Path) -> dict:
    """How a member was made: `<name>.metrics.json` beside its file, else the folder's
    `metrics.json` (where `training.train` exports it); empty, with a warning, if neither."""
    for candidate in (path.with_suffix(".metrics.json"), path.parent / "metrics.json"):
        if candidate.exists():
            return json.loads(candidate.read_text())
    print(f"warning: no metrics.json beside {path}; its record says only where it was")
    return {}


def record(
    ensemble: keras.Model,
    member_paths: list[Path],
    views: list[str],
    file_bytes: int,
    app_accuracy: float,
    data_dir: str | Path = DEFAULT_DATA_DIR,
) -> dict:
    """The ensemble's measured figures and its members' training records, for `metrics.json`."""
    from training.train import APP_ACCURACY, accuracy  # here: averaging needs no training setup

    members = [{"file": str(path), **member_record(path)} for path in member_paths]
    runs = [run for member in members for run in member.pop("runs", [])]
    command = (
        "python -m training.ensemble "
        + " ".join(str(path) for path in member_paths)
        + (f" --views {' '.join(views)}" if set(views) != {"face"} else "")
    )
    public_test = round(accuracy(ensemble, load_split("PublicTest", data_dir)), 4)
    this_step = {
        "command": command,
        "public_test_accuracy": public_test,
        APP_ACCURACY: app_accuracy,
    }
    return {
        "public_test_accuracy": public_test,
        APP_ACCURACY: app_accuracy,
        "training_accuracy": round(accuracy(ensemble, load_split("Training", data_dir)), 4),
        "parameters": ensemble.count_params(),
        "file_bytes": file_bytes,
        "architecture": "ensemble of " + ", ".join(m.get("architecture", "?") for m in members),
        "views": views,
        "recipe": command,
        "members": members,
        # Each earlier run once, in order (the members may share their history), then this one.
        "runs": [run for i, run in enumerate(runs) if run not in runs[:i]] + [this_step],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("members", nargs="+", type=Path, help=".keras models to average")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--views", nargs="+", choices=VIEWS, help="what each member reads; the face by default"
    )
    parser.add_argument(
        "--metrics", type=Path, help="measure the ensemble: its record here, its report beside"
    )
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR, help="npz files or fer2013.csv")
    args = parser.parse_args()
    members = [keras.saving.load_model(path, compile=False) for path in args.members]
    views = args.views or ["face"] * len(members)
    ensemble = average(members, views)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    ensemble.save(args.out)
    print(f"{args.out}: {len(members)} members, {ensemble.count_params():,} parameters")
    if args.metrics:
        from training import evaluate

        # The report beside the file (evaluation.json, the confusion matrix) must describe it.
        report = evaluate.evaluate(str(args.out), str(args.data_dir), str(args.out.parent))
        figures = record(
            ensemble,
            args.members,
            views,
            args.out.stat().st_size,
            report["public_test_accuracy"],
            args.data_dir,
        )
        args.metrics.write_text(json.dumps(figures, indent=2) + "\n")
        print(
            f"{args.metrics}: PublicTest {figures['public_test_accuracy']:.2%},"
            f" {report['latency_ms_per_face_batch1_median']} ms a face as the app reads"
        )


if __name__ == "__main__":
    main()
