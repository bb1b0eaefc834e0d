"""What each part of the training recipe buys: the recipe, and the recipe with one part taken
away or added, on one shorter schedule, side by side.

    python -m training.ablation [--epochs 20] [--only no-erasing ...] [--table-only]

Each variant is an ordinary `training.train` run in `training/runs/ablation-<epochs>-<name>`,
so a run cut short by the end of a session resumes where it stopped when the command is given
again, and a finished one is not run twice. Variants write their models beside their runs and
never replace the committed model. The table compares each variant's best PublicTest accuracy
(one view) with the full recipe's on the same schedule; a shorter schedule than the committed
model's favours the parts that speed learning over those that hold off overfitting, so read
the differences, not the levels.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

RUNS_DIR = Path("training/runs")
# The recipe of the committed model, and what each variant changes in it.
RECIPE = ("--architecture", "vgg-d", "--policy", "mixed_bfloat16", "--erasing", "0.5")
RECIPE += ("--ema", "0.998", "--seed", "2013")
VARIANTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "recipe": ("the recipe (vgg-d, one-warp jitter, erasing 0.5)", ()),
    "chained-jitter": ("jitter in three resamplings (as before)", ("--chained-jitter",)),
    "no-erasing": ("no random erasing", ("--erasing", "0")),
    "vgg-s": ("the shallower vgg-s (one convolution a stage)", ("--architecture", "vgg-s")),
    "small-faces": ("and a quarter of faces shrunk to 16-32 px", ("--small-faces", "0.25")),
    "app-frames": ("and half the faces framed as the app crops them", ("--app-frames", "0.5")),
}


def run_dir(name: str, epochs: int) -> Path:
    return RUNS_DIR / f"ablation-{epochs}-{name}"


def command(name: str, epochs: int) -> list[str]:
    """The `training.train` command of one variant (later arguments override the recipe's)."""
    folder = run_dir(name, epochs)
    return [
        *(sys.executable, "-m", "training.train", *RECIPE, *VARIANTS[name][1]),
        *("--epochs", str(epochs), "--run-dir", str(folder), "--no-report"),
        *("--out", str(folder / "model.keras"), "--metrics", str(folder / "metrics.json")),
    ]


def finished(name: str, epochs: int) -> dict | None:
    """The variant's exported figures once all its epochs are done, else None."""
    metrics = run_dir(name, epochs) / "export" / "metrics.json"
    if not metrics.exists():
        return None
    figures = json.loads(metrics.read_text())
    return figures if figures["runs"][-1]["epochs_done"] >= epochs else None


def table(names: list[str], epochs: int) -> str:
    """A Markdown table: each variant's accuracy, its difference from the recipe, minutes."""
    reference = finished("recipe", epochs)
    rows = [
        f"| variant ({epochs} epochs) | PublicTest, one view | vs the recipe | minutes |",
        "|---|---:|---:|---:|",
    ]
    for name in names:
        figures = finished(name, epochs)
        if figures is None:
            rows.append(f"| {VARIANTS[name][0]} | not yet run | | |")
            continue
        accuracy, minutes = figures["public_test_accuracy"], figures["runs"][-1]["minutes"]
        versus = (
            f"{(accuracy - reference['public_test_accuracy']) * 100:+.2f}"
            if reference and name != "recipe"
            else ""
        )
        rows.append(f"| {VARIANTS[name][0]} | {accuracy:.2%} | {versus} | {minutes:.0f} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20, help="the shared, shorter schedule")
    parser.add_argument("--only", nargs="+", choices=VARIANTS, help="these variants, in order")
    parser.add_argument("--table-only", action="store_true", help="print the table, train none")
    args = parser.parse_args()
    names = args.only or list(VARIANTS)
    if not args.table_only:
        for name in names:
            if finished(name, args.epochs) is None:
                print(f"== {name}: {' '.join(command(name, args.epochs))}", flush=True)
                subprocess.run(command(name, args.epochs), check=True)
    print(table(names, args.epochs))


if __name__ == "__main__":
    main()
