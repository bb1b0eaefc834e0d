"""Train the emotion CNN on FER-2013 Training, select on PublicTest, export and evaluate it.

    python -m training.train --epochs 30

Writes the best epoch's model to `models/emotion_cnn.keras`, its training figures to
`models/metrics.json`, and the evaluation report (`training.evaluate`) beside the model.

Runs under any Keras 3 backend (TensorFlow here; `KERAS_BACKEND=torch` or `jax` on a GPU).
Each epoch is checkpointed under `--run-dir`; running the same command again resumes there.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path

import keras
import numpy as np

from pipeline.emotion import BUNDLED_MODEL, EMOTIONS
from training import evaluate
from training import model as emotion_cnn
from training.data import DEFAULT_DATA_DIR, Split, load_split

PEAK_LEARNING_RATE = 2e-3
WARMUP_EPOCHS = 1
LABEL_SMOOTHING = 0.1
METRICS_FILE = BUNDLED_MODEL.parent / "metrics.json"


def one_hot(labels: np.ndarray) -> np.ndarray:
    return np.eye(len(EMOTIONS), dtype=np.float32)[labels]


def as_inputs(split: Split) -> np.ndarray:
    return split.faces.astype(np.float32)[..., None]


def accuracy(model: keras.Model, split: Split, batch_size: int = 512) -> float:
    """Top-1 accuracy of `model` on `split`, calling the model directly (any backend)."""
    inputs = as_inputs(split)
    predicted = np.concatenate(
        [
            keras.ops.convert_to_numpy(model(inputs[i : i + batch_size], training=False))
            for i in range(0, len(inputs), batch_size)
        ]
    ).argmax(axis=1)
    return float((predicted == split.labels).mean())


def best_so_far(history: Path) -> float | None:
    """The best validation accuracy logged by earlier epochs of this run, if any."""
    if not history.exists() or history.stat().st_size == 0:
        return None
    with open(history) as rows:
        scores = [float(row["val_accuracy"]) for row in csv.DictReader(rows)]
    return max(scores, default=None)


def compile_model(
    model: keras.Model,
    steps_per_epoch: int,
    epochs: int,
    peak_learning_rate: float = PEAK_LEARNING_RATE,
    ema_momentum: float = 0.0,
) -> None:
    """AdamW on a one-epoch warm-up and a cosine decay to zero at the last epoch.

    With `ema_momentum` the optimizer also keeps a moving average of the weights (Polyak
    averaging), which `SwapEMAWeights` puts in place for validation and checkpoints.
    """
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=peak_learning_rate / 10,
        decay_steps=steps_per_epoch * max(epochs - WARMUP_EPOCHS, 1),
        warmup_target=peak_learning_rate,
        warmup_steps=steps_per_epoch * WARMUP_EPOCHS,
    )
    optimizer = keras.optimizers.AdamW(
        schedule,
        weight_decay=emotion_cnn.WEIGHT_DECAY,
        use_ema=ema_momentum > 0,
        ema_momentum=ema_momentum or 0.99,
    )
    model.compile(
        optimizer=optimizer,
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=LABEL_SMOOTHING),
        metrics=["accuracy"],
    )


def train(args: argparse.Namespace) -> dict:
    keras.utils.set_random_seed(args.seed)
    training, public_test = (load_split(u, args.data_dir) for u in ("Training", "PublicTest"))
    print(f"Training {len(training)} faces, PublicTest {len(public_test)} faces")

    run_dir = Path(args.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    best_path = run_dir / "best.keras"
    model = emotion_cnn.build()
    if args.init_from:
        # Continue from an earlier model's weights (same architecture), e.g. to train longer.
        model.set_weights(keras.saving.load_model(args.init_from, compile=False).get_weights())
        print(f"weights from {args.init_from}")
    steps_per_epoch = int(np.ceil(len(training) / args.batch_size))
    compile_model(model, steps_per_epoch, args.epochs, args.peak_lr, args.ema)
    backend = keras.backend.backend()
    print(f"{model.count_params():,} parameters, {args.epochs} epochs, backend {backend}")

    started = time.perf_counter()
    model.fit(
        as_inputs(training),
        one_hot(training.labels),
        validation_data=(as_inputs(public_test), one_hot(public_test.labels)),
        batch_size=args.batch_size,
        epochs=args.epochs,
        shuffle=True,
        verbose=args.verbose,
        callbacks=[
            # First, so that the checkpoints below see the averaged weights.
            *([keras.callbacks.SwapEMAWeights(swap_on_epoch=True)] if args.ema else []),
            keras.callbacks.BackupAndRestore(str(run_dir / "backup")),
            keras.callbacks.ModelCheckpoint(
                str(best_path),
                monitor="val_accuracy",
                mode="max",
                save_best_only=True,
                # After a resume, only an epoch better than every earlier one replaces the best.
                initial_value_threshold=best_so_far(run_dir / "history.csv"),
            ),
            keras.callbacks.CSVLogger(str(run_dir / "history.csv"), append=True),
        ],
    )
    minutes = (time.perf_counter() - started) / 60

    best = keras.saving.load_model(best_path, compile=False)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    best.save(out)
    metrics = {
        "public_test_accuracy": round(accuracy(best, public_test), 4),
        "training_accuracy": round(accuracy(best, training), 4),
        "parameters": best.count_params(),
        "file_bytes": out.stat().st_size,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "seed": args.seed,
        "backend": keras.backend.backend(),
        "train_minutes_this_run": round(minutes, 1),
        "peak_learning_rate": args.peak_lr,
        "ema_momentum": args.ema,
        "command": " ".join(
            ["python -m training.train", f"--epochs {args.epochs}", f"--seed {args.seed}"]
            + ([f"--peak-lr {args.peak_lr}"] if args.peak_lr != PEAK_LEARNING_RATE else [])
            + ([f"--ema {args.ema}"] if args.ema else [])
            + ([f"--init-from {args.init_from}"] if args.init_from else [])
        ),
    }
    Path(args.metrics).write_text(json.dumps(metrics, indent=2) + "\n")
    print(json.dumps(metrics, indent=2))
    if args.report:
        report = evaluate.evaluate(str(out), str(args.data_dir), str(out.parent))
        print(
            f"as the app reads faces: {report['public_test_accuracy']:.2%} on PublicTest, "
            f"{report['latency_ms_per_face_batch1_median']} ms a face; report in {out.parent}"
        )
    return metrics


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR, help="npz files or fer2013.csv")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--init-from", default=None, help="a .keras model to start from")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--peak-lr", type=float, default=PEAK_LEARNING_RATE, help="after warm-up")
    parser.add_argument(
        "--ema", type=float, default=0.0, help="weight-averaging momentum, e.g. 0.998; 0 is off"
    )
    parser.add_argument("--seed", type=int, default=2013)
    parser.add_argument("--run-dir", default="training/runs/default", help="checkpoints; resumes")
    parser.add_argument("--out", default=BUNDLED_MODEL, help="where the best model is exported")
    parser.add_argument("--metrics", default=METRICS_FILE, help="where the figures are written")
    parser.add_argument(
        "--no-report", dest="report", action="store_false", help="skip training.evaluate"
    )
    parser.add_argument("--verbose", type=int, default=2, help="Keras verbosity: 1 bar, 2 line")
    return parser.parse_args(argv)


if __name__ == "__main__":
    train(parse_args())
