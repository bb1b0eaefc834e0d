"""Train the emotion CNN on FER-2013 Training, select on PublicTest, export and evaluate it.

    python -m training.train --architecture vgg-d --policy mixed_bfloat16 --erasing 0.5 \\
        --ema 0.998 --epochs 64 --run-dir training/runs/v4

A run spans sessions. Each epoch is checkpointed under `--run-dir`, and the same command again
resumes there exactly (weights, optimizer state, epoch, schedule position; the jitter of each
batch depends only on seed, epoch and batch). Without that folder, a committed model made by
the same recipe is taken up at the epoch it came from, the schedule going on from there.

At the end the best epoch is exported beside the run, and it replaces the committed model
(`--out`, its `metrics.json` and the `training.evaluate` report) only if it reads PublicTest at
least `--min-gain` better, so history gains a model file only for real progress.
`--export-only` does that last step for a run stopped midway.

`--app-frames 0.5` frames half the faces, each time one is drawn, as the app's crop frames that
face in a photo (YuNet's landmarks laid on FER-2013's places), so the net learns the frame it is
fed; the run measures each face's frame once and keeps the maps.

`--teacher ensemble.keras` distils a model (an ensemble, say; a copy, not `--out`) into the one
trained: each Training face's target becomes a blend of its label and the teacher's reading.

Runs under any Keras 3 backend (TensorFlow here; `KERAS_BACKEND=torch` or `jax` on a GPU).
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import time
from pathlib import Path

import keras
import numpy as np

from pipeline.emotion import BUNDLED_MODEL, EMOTIONS
from training import evaluate, hardware
from training import model as emotion_cnn
from training.augment import FollowEpoch, JitteredFaces
from training.data import DEFAULT_DATA_DIR, DEFAULT_YUNET, Split, load_split

PEAK_LEARNING_RATE = 2e-3
WARMUP_EPOCHS = 1
LABEL_SMOOTHING = 0.1
MIN_GAIN = 0.005  # PublicTest accuracy a new model must add before it replaces the committed one
METRICS_FILE = BUNDLED_MODEL.parent / "metrics.json"
REPORT_FILES = ("evaluation.json", "confusion_matrix.png")
APP_ACCURACY = "app_public_test_accuracy"  # PublicTest through the app's path (`evaluate`)


def one_hot(labels: np.ndarray) -> np.ndarray:
    return np.eye(len(EMOTIONS), dtype=np.float32)[labels]


def as_inputs(split: Split) -> np.ndarray:
    return split.faces.astype(np.float32)[..., None]


def readings(model: keras.Model, inputs: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """(N, 7) probabilities of `model` for (N, 48, 48, 1) faces, calling it directly in batches
    (any backend)."""
    return np.concatenate(
        [
            keras.ops.convert_to_numpy(model(inputs[i : i + batch_size], training=False))
            for i in range(0, len(inputs), batch_size)
        ]
    )


def accuracy(model: keras.Model, split: Split) -> float:
    """Top-1 accuracy of `model` on `split`."""
    return float((readings(model, as_inputs(split)).argmax(axis=1) == split.labels).mean())


def teacher_readings(
    teacher: keras.Model, faces: np.ndarray, views: tuple[str, ...] = ("face",)
) -> np.ndarray:
    """(N, 7) probabilities of `teacher` for grey faces as the app reads them: each face
    averaged with its mirror image, unless the teacher is an ensemble (read once).

    More `views` (names in `training.views.VIEWS`, each read with its mirror image) make a
    stronger teacher at no cost to the student: it reads faces only once, at training time."""
    from pipeline.emotion import is_ensemble
    from training.views import VIEWS

    unknown = sorted(set(views) - set(VIEWS))
    if unknown:
        raise ValueError(f"unknown teacher views {unknown}; choose from {sorted(VIEWS)}")
    seen = []
    for name in views:
        warp = VIEWS[name][1]
        inputs = np.stack([warp(face) for face in faces.astype(np.float32)])[..., None]
        seen += [inputs] if is_ensemble(teacher) else [inputs, inputs[:, :, ::-1]]
    return np.mean([readings(teacher, view) for view in seen], axis=0).astype(np.float32)


def training_targets(args: argparse.Namespace, training: Split) -> np.ndarray:
    """What the net learns to give each Training face: its label, or with `--teacher` a blend
    of the label and the teacher's reading (knowledge distillation; Hinton et al., 2015). The
    teacher reads each face once, unjittered: the jitter moves a face, not its expression."""
    labels = one_hot(training.labels)
    if not args.teacher:
        return labels
    if not 0 <= args.teacher_weight <= 1:
        raise ValueError(f"--teacher-weight must be within 0-1, got {args.teacher_weight}")
    if Path(args.teacher).resolve() == Path(args.out).resolve():
        # The run may replace --out midway; a resumed run would then learn from itself.
        raise ValueError("--teacher must not be --out: distil from a copy of the model")
    # The run keeps its own copy, so that a resumed run learns from the teacher it began with.
    teacher_copy = Path(args.run_dir) / "teacher.keras"
    if not teacher_copy.exists():
        teacher_copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(args.teacher, teacher_copy)
    # Its readings too: several views of 28,709 faces take the CPU a quarter of an hour.
    views = tuple(args.teacher_views.split(","))
    kept = Path(args.run_dir) / f"teacher_readings_{'_'.join(views)}.npy"
    if kept.exists():
        read = np.load(kept)
    else:
        teacher = keras.saving.load_model(teacher_copy, compile=False)
        read = teacher_readings(teacher, training.faces, views)
        np.save(kept, read)
    agree = float((read.argmax(axis=1) == training.labels).mean())
    print(
        f"teacher {args.teacher} agrees with {agree:.1%} of the Training labels, with a mean"
        f" confidence of {read.max(axis=1).mean():.1%}"
    )
    return (1 - args.teacher_weight) * labels + args.teacher_weight * read


def app_frames(args: argparse.Namespace, training: Split) -> np.ndarray | None:
    """Each Training face's map to the frame the app's crop gives it (`--app-frames`), measured
    once per run folder (YuNet on every face, a few minutes) and kept there for resumes."""
    if not args.app_frames:
        return None
    from pipeline import faces  # the detector, only for the runs that use it
    from training import framing

    kept = Path(args.run_dir) / "app_frames.npy"
    if kept.exists():
        return np.load(kept)
    if not Path(args.yunet).exists():
        raise SystemExit(f"--app-frames needs the YuNet detector, not found at {args.yunet}")
    started = time.perf_counter()
    maps, found = framing.app_frames(faces.YuNetDetector(args.yunet), training.faces)
    print(
        f"the app's frame of {found:,} of {len(training):,} Training faces measured in"
        f" {(time.perf_counter() - started) / 60:.1f} min (the rest keep their own)"
    )
    kept.parent.mkdir(parents=True, exist_ok=True)
    np.save(kept, maps)
    return maps


def history_rows(history: Path) -> list[dict]:
    """The epochs logged so far by this run's `CSVLogger`."""
    if not history.exists() or history.stat().st_size == 0:
        return []
    with open(history) as rows:
        return list(csv.DictReader(rows))


def best_so_far(history: Path) -> float | None:
    """The best validation accuracy logged by earlier epochs of this run, if any."""
    return max((float(row["val_accuracy"]) for row in history_rows(history)), default=None)


def best_epoch(history: Path) -> int:
    """How many epochs the run had done when it logged its best validation accuracy."""
    rows = history_rows(history)
    best = max(rows, key=lambda row: float(row["val_accuracy"]))
    return int(best["epoch"]) + 1


def compile_model(
    model: keras.Model,
    steps_per_epoch: int,
    epochs: int,
    peak_learning_rate: float = PEAK_LEARNING_RATE,
    ema_momentum: float = 0.0,
    label_smoothing: float = LABEL_SMOOTHING,
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
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing),
        metrics=["accuracy"],
    )


def recipe(args: argparse.Namespace) -> str:
    """The command that reruns this run's recipe (without where it started from)."""
    return " ".join(
        ["python -m training.train", f"--epochs {args.epochs}", f"--seed {args.seed}"]
        + [f"--architecture {args.architecture}", f"--policy {args.policy}"]
        + ([f"--erasing {args.erasing}"] if args.erasing else [])
        + (["--chained-jitter"] if args.chained_jitter else [])
        + ([f"--small-faces {args.small_faces}"] if args.small_faces else [])
        + ([f"--app-frames {args.app_frames}"] if args.app_frames else [])
        + ([f"--peak-lr {args.peak_lr}"] if args.peak_lr != PEAK_LEARNING_RATE else [])
        + ([f"--ema {args.ema}"] if args.ema else [])
        + (
            [f"--teacher {args.teacher} --teacher-weight {args.teacher_weight}"]
            + ([f"--teacher-views {args.teacher_views}"] if args.teacher_views != "face" else [])
            if args.teacher
            else []
        )
    )


def committed_metrics(args: argparse.Namespace) -> dict:
    path = Path(args.metrics)
    return json.loads(path.read_text()) if path.exists() and Path(args.out).exists() else {}


def epoch_to_take_up(args: argparse.Namespace) -> int:
    """The epoch a fresh run folder starts at: where the committed model of the same recipe
    came from, else 0."""
    committed = committed_metrics(args)
    if args.init_from or committed.get("recipe") != recipe(args):
        return 0
    return min(int(committed.get("best_epoch", 0)), args.epochs)


def as_float32(trained: keras.Model, args: argparse.Namespace) -> keras.Model:
    """The trained network rebuilt under float32, so the file computes in float32 wherever it
    is loaded (a mixed-precision model would run its layers in bfloat16)."""
    keras.config.set_dtype_policy("float32")
    if args.policy == "float32":
        return trained
    model = emotion_cnn.build(args.architecture)
    model.set_weights(trained.get_weights())
    return model


class TrainingClock(keras.callbacks.Callback):
    """Adds each epoch's minutes to `minutes.txt` in the run folder, across resumed sessions."""

    def __init__(self, run_dir: Path) -> None:
        super().__init__()
        self.path = run_dir / "minutes.txt"

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        minutes = run_minutes(self.path.parent) + (time.perf_counter() - self.started) / 60
        self.path.write_text(f"{minutes:.2f}\n")


def run_minutes(run_dir: Path) -> float:
    """Training minutes the run has logged so far, over all its sessions."""
    path = run_dir / "minutes.txt"
    return float(path.read_text()) if path.exists() else 0.0


def fit(args: argparse.Namespace, training: Split, public_test: Split) -> None:
    """Train (or resume) the run in `args.run_dir`."""
    run_dir = Path(args.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    # TensorFlow here trains on the CPU, and emulates bfloat16 on one without bfloat16 units:
    # on an AMD EPYC (AVX2) vgg-d trained at 7.5 images a second in mixed_bfloat16 against 46
    # in float32 (`benchmarks/train_throughput.py`, oneDNN off for both).
    on_tensorflow = keras.backend.backend() == "tensorflow"
    if "bfloat16" in args.policy and on_tensorflow and not hardware.has_bfloat16_units():
        print(
            f"warning: this CPU has no bfloat16 units, so {args.policy} is emulated and trains"
            " several times slower than --policy float32"
        )
    keras.config.set_dtype_policy(args.policy)
    model = emotion_cnn.build(args.architecture)
    steps_per_epoch = int(np.ceil(len(training) / args.batch_size))
    # A teacher's soft readings already spread the targets; smoothing them again only blurs.
    smoothing = 0.0 if args.teacher else LABEL_SMOOTHING
    compile_model(model, steps_per_epoch, args.epochs, args.peak_lr, args.ema, smoothing)
    start_epoch = 0
    if (run_dir / "backup").exists():
        print(f"resuming the run in {run_dir}")  # BackupAndRestore restores everything
    elif args.init_from:
        # Start from an earlier model's weights (same architecture), on a fresh schedule.
        model.set_weights(keras.saving.load_model(args.init_from, compile=False).get_weights())
        print(f"weights from {args.init_from}")
    elif start_epoch := epoch_to_take_up(args):
        # The run folder is gone (a new machine): take up the committed model of this recipe
        # where it came from. Optimizer moments start afresh; the schedule goes on.
        model.set_weights(keras.saving.load_model(args.out, compile=False).get_weights())
        model.optimizer.build(model.trainable_variables)
        model.optimizer.iterations.assign(start_epoch * steps_per_epoch)
        print(f"taking up {args.out} at epoch {start_epoch} of {args.epochs}")
    backend = keras.backend.backend()
    print(f"{model.count_params():,} parameters, {args.epochs} epochs, backend {backend}")

    batches = JitteredFaces(
        training.faces,
        training_targets(args, training),
        args.batch_size,
        args.seed,
        args.erasing,
        args.chained_jitter,
        args.small_faces,
        app_frames(args, training),
        args.app_frames,
    )
    model.fit(
        batches,
        validation_data=(as_inputs(public_test), one_hot(public_test.labels)),
        epochs=args.epochs,
        initial_epoch=start_epoch,
        verbose=args.verbose,
        callbacks=[
            FollowEpoch(batches),
            # Before the checkpoints, so that they see the averaged weights.
            *([keras.callbacks.SwapEMAWeights(swap_on_epoch=True)] if args.ema else []),
            keras.callbacks.BackupAndRestore(str(run_dir / "backup")),
            keras.callbacks.ModelCheckpoint(
                str(run_dir / "best.keras"),
                monitor="val_accuracy",
                mode="max",
                save_best_only=True,
                # After a resume, only an epoch better than every earlier one replaces the best.
                initial_value_threshold=best_so_far(run_dir / "history.csv"),
            ),
            keras.callbacks.CSVLogger(str(run_dir / "history.csv"), append=True),
            TrainingClock(run_dir),
        ],
    )


def export(args: argparse.Namespace, training: Split, public_test: Split) -> dict:
    """Export the run's best epoch beside it; promote it to `--out` if it is better enough."""
    run_dir = Path(args.run_dir)
    best = as_float32(keras.saving.load_model(run_dir / "best.keras", compile=False), args)
    exported = run_dir / "export" / Path(args.out).name
    exported.parent.mkdir(parents=True, exist_ok=True)
    best.save(exported)
    committed = committed_metrics(args)
    epochs_done = int(history_rows(run_dir / "history.csv")[-1]["epoch"]) + 1
    this_run = {
        "command": recipe(args) + (f" --init-from {args.init_from}" if args.init_from else ""),
        "epochs_done": epochs_done,
        "best_epoch": best_epoch(run_dir / "history.csv"),
        "minutes": round(run_minutes(run_dir), 1),
        "public_test_accuracy": round(accuracy(best, public_test), 4),
    }
    metrics = {
        "public_test_accuracy": this_run["public_test_accuracy"],
        "training_accuracy": round(accuracy(best, training), 4),
        "parameters": best.count_params(),
        "file_bytes": exported.stat().st_size,
        "architecture": args.architecture,
        "policy": args.policy,
        "erasing": args.erasing,
        "epochs": args.epochs,
        "best_epoch": this_run["best_epoch"],
        "batch_size": args.batch_size,
        "seed": args.seed,
        "backend": keras.backend.backend(),
        "peak_learning_rate": args.peak_lr,
        "ema_momentum": args.ema,
        "recipe": recipe(args),
        "runs": [run for run in committed.get("runs", []) if run["command"] != this_run["command"]]
        + [this_run],
    }
    if args.report:
        report = evaluate.evaluate(str(exported), str(args.data_dir), str(exported.parent))
        print(
            f"as the app reads faces: {report['public_test_accuracy']:.2%} on PublicTest, "
            f"{report['latency_ms_per_face_batch1_median']} ms a face"
        )
        metrics[APP_ACCURACY] = this_run[APP_ACCURACY] = report["public_test_accuracy"]
    (exported.parent / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    figure = compared_figure(metrics, committed)
    before = committed.get(figure)
    if before is not None and metrics[figure] < before + args.min_gain:
        print(
            f"kept in {exported.parent}: {metrics[figure]:.2%} does not beat "
            f"the committed {before:.2%} by {args.min_gain:.1%} ({figure})"
        )
        return metrics
    promote(exported, Path(args.out), Path(args.metrics))
    print(json.dumps({k: v for k, v in metrics.items() if k != "runs"}, indent=2))
    return metrics


def compared_figure(metrics: dict, committed: dict) -> str:
    """What a run and the committed model are compared on: PublicTest as the app reads faces
    when both records have it (a single net face and mirror, an ensemble once), else one view."""
    return (
        APP_ACCURACY
        if APP_ACCURACY in metrics and APP_ACCURACY in committed
        else ("public_test_accuracy")
    )


def promote(exported: Path, out: Path, metrics_file: Path) -> None:
    """Copy an exported model, its metrics and its report over the committed ones."""
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(exported, out)
    shutil.copyfile(exported.parent / "metrics.json", metrics_file)
    for name in REPORT_FILES:
        if (exported.parent / name).exists():
            shutil.copyfile(exported.parent / name, out.parent / name)
    print(f"{out} replaced by the run's best epoch")


def train(args: argparse.Namespace) -> dict:
    keras.utils.set_random_seed(args.seed)
    training, public_test = (load_split(u, args.data_dir) for u in ("Training", "PublicTest"))
    print(f"Training {len(training)} faces, PublicTest {len(public_test)} faces")
    fresh = not (Path(args.run_dir) / "history.csv").exists()
    if fresh and not args.export_only and epoch_to_take_up(args) >= args.epochs:
        print(f"{args.out} already finished this recipe's {args.epochs} epochs; nothing to do")
        return committed_metrics(args)
    if not args.export_only:
        fit(args, training, public_test)
    return export(args, training, public_test)


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
    parser.add_argument(
        "--architecture",
        default=emotion_cnn.DEFAULT_ARCHITECTURE,
        choices=emotion_cnn.ARCHITECTURES,
        help="a row of training.model.ARCHITECTURES",
    )
    parser.add_argument(
        "--policy", default="float32", help="Keras dtype policy; mixed_bfloat16 for bf16 units"
    )
    parser.add_argument("--erasing", type=float, default=0.0, help="share of faces erased in part")
    parser.add_argument(
        "--chained-jitter",
        action="store_true",
        help="the previous recipe's jitter, one resampling per move (for its ablation)",
    )
    parser.add_argument("--teacher", help="a .keras model to distil: its readings join the labels")
    parser.add_argument(
        "--teacher-weight", type=float, default=0.5, help="the teacher's share of each target"
    )
    parser.add_argument(
        "--teacher-views",
        default="face",
        help="views the teacher reads each face through, comma-separated names in"
        " training.views.VIEWS (each with its mirror image), e.g. face,zoom-in,zoom-out",
    )
    parser.add_argument(
        "--small-faces", type=float, default=0.0, help="share of faces shrunk to 16-32 px and back"
    )
    parser.add_argument(
        "--app-frames",
        type=float,
        default=0.0,
        help="share of faces framed as the app's crop frames them (YuNet's landmarks)",
    )
    parser.add_argument(
        "--yunet", default=DEFAULT_YUNET, help="the detector whose crops --app-frames learns"
    )
    parser.add_argument("--seed", type=int, default=2013)
    parser.add_argument("--run-dir", default="training/runs/default", help="checkpoints; resumes")
    parser.add_argument("--out", default=BUNDLED_MODEL, help="the committed model it may replace")
    parser.add_argument("--metrics", default=METRICS_FILE, help="the committed model's figures")
    parser.add_argument("--min-gain", type=float, default=MIN_GAIN, help="to replace --out")
    parser.add_argument("--export-only", action="store_true", help="export a stopped run's best")
    parser.add_argument(
        "--no-report", dest="report", action="store_false", help="skip training.evaluate"
    )
    parser.add_argument("--verbose", type=int, default=2, help="Keras verbosity: 1 bar, 2 line")
    return parser.parse_args(argv)


if __name__ == "__main__":
    train(parse_args())
