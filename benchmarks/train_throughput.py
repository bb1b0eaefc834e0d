"""Training images per second of each candidate network under each Keras 3 backend, in one run.

    python benchmarks/train_throughput.py [--backends tensorflow jax torch]
        [--architectures vgg-s vgg-d vgg-w] [--policies float32 mixed_bfloat16]

Each (backend, architecture, precision) is measured in a fresh process, since Keras picks its
backend at import. The process runs one epoch of `WARMUP_STEPS + STEPS` batches of random faces,
jittered as in real training (`training.augment`), and times each step after the warm-up
(compiling, first allocations): the median step gives images per second, as a long run sees
them. Inference cost is the model's own multiply-adds per face. A backend that is not
installed is reported as such.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# Importing the package sets TensorFlow's oneDNN switch, which the workers inherit.
from training import hardware  # noqa: E402

BATCH = 128  # as `training.train` uses
STEPS = 20  # timed batches; the median step is reported
WARMUP_STEPS = 4  # compile and settle before timing
WORKER_TIMEOUT_S = 900


def measure(architecture: str, policy: str) -> dict:
    """Run in the worker process: time training steps of one network."""
    import keras
    import numpy as np

    from training import model as emotion_cnn
    from training import train
    from training.augment import JitteredFaces

    keras.config.set_dtype_policy(policy)
    keras.utils.set_random_seed(0)
    model = emotion_cnn.build(architecture)
    train.compile_model(model, steps_per_epoch=WARMUP_STEPS + STEPS, epochs=1)
    rng = np.random.default_rng(0)
    steps = WARMUP_STEPS + STEPS
    faces = rng.integers(0, 256, (BATCH * steps, 48, 48), dtype=np.uint8)
    labels = train.one_hot(rng.integers(0, 7, BATCH * steps))
    stamps: list[float] = []  # the end of every training step
    clock = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: stamps.append(time.perf_counter())
    )
    batches = JitteredFaces(faces, labels, BATCH, seed=0, erasing=0.5)
    model.fit(batches, epochs=1, verbose=0, callbacks=[clock])
    step_s = statistics.median(np.diff(stamps)[WARMUP_STEPS - 1 :])
    return {
        "images_per_s": round(BATCH / step_s, 1),
        "parameters": model.count_params(),
        "mega_macs_per_face": round(multiply_adds(model) / 1e6, 1),
    }


def multiply_adds(model) -> int:
    """Multiply-adds of one face through the convolutions and dense layers."""
    total = 0
    for layer in model.layers:
        kernel = getattr(layer, "kernel", None)
        if kernel is None:
            continue
        output_shape = layer.output.shape
        positions = 1
        for side in output_shape[1:-1]:
            positions *= side
        weights = 1
        for side in kernel.shape:
            weights *= side
        total += positions * weights
    return total


def run_worker(backend: str, architecture: str, policy: str) -> dict:
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    command = [sys.executable, __file__, "--worker", architecture, policy]
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=WORKER_TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        return {"error": f"over {WORKER_TIMEOUT_S} s"}
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": last[:160]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", nargs="+", default=["tensorflow", "jax", "torch"])
    parser.add_argument("--architectures", nargs="+", default=["vgg-s", "vgg-d", "vgg-w"])
    parser.add_argument("--policies", nargs="+", default=["float32", "mixed_bfloat16"])
    parser.add_argument("--json", help="also write the rows to this file")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(measure(*args.worker)))
        return 0

    print(f"training images/s, batch {BATCH}, median of {STEPS} steps after {WARMUP_STEPS}")
    print(
        f"CPU: {hardware.describe()}; bfloat16 units: {hardware.has_bfloat16_units()}; "
        f"TF_ENABLE_ONEDNN_OPTS={os.environ.get('TF_ENABLE_ONEDNN_OPTS')}"
    )
    header = ("backend", "network", "precision", "images/s", "params", "MMAC")
    print("{:11} {:7} {:15} {:>9} {:>10} {:>6}".format(*header))
    rows = []
    for architecture in args.architectures:
        for backend in args.backends:
            for policy in args.policies:
                row = {"backend": backend, "architecture": architecture, "policy": policy}
                row |= run_worker(backend, architecture, policy)
                rows.append(row)
                if "error" in row:
                    print(f"{backend:11} {architecture:7} {policy:15} failed: {row['error']}")
                else:
                    print(
                        f"{backend:11} {architecture:7} {policy:15} {row['images_per_s']:9.1f} "
                        f"{row['parameters']:10,} {row['mega_macs_per_face']:6.1f}",
                        flush=True,
                    )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
