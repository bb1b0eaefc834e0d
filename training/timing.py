"""Timing helpers for evaluation and benchmarks: a median over calls, and ways that take turns."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping

WARMUP_CALLS = 20  # at most; enough for XNNPACK's and TensorFlow's first-call set-up


def median_ms(call: Callable[[], object], runs: int, warmup: int = WARMUP_CALLS) -> float:
    """Median milliseconds of `runs` calls, after `warmup` untimed ones (at most `runs`)."""
    for _ in range(min(warmup, runs)):
        call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def take_turns(
    calls: Mapping[str, Callable[[], object]], rounds: int, runs: int
) -> dict[str, list[float]]:
    """Each way's median ms in each of `rounds` rounds, the ways timed one after another
    within a round, so that a shared machine's drift falls on all of them alike."""
    medians: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            medians[name].append(median_ms(call, runs))
    return medians


def ratio_summary(ours: list[float], theirs: list[float]) -> tuple[float, int]:
    """The median of the rounds' ratios ours / theirs, and in how many rounds ours was faster."""
    ratios = [a / b for a, b in zip(ours, theirs, strict=True)]
    return statistics.median(ratios), sum(a < b for a, b in zip(ours, theirs, strict=True))
