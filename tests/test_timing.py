"""Timing helpers: ways that take turns, and ratios read round by round."""

import time

from training import timing


def test_ways_take_turns_within_every_round() -> None:
    calls: list[str] = []
    rounds = timing.take_turns(
        {"ours": lambda: calls.append("ours"), "peer": lambda: calls.append("peer")},
        rounds=3,
        runs=2,
    )
    assert list(rounds) == ["ours", "peer"] and all(len(m) == 3 for m in rounds.values())
    # Per round: each way's warm-up and timed calls, ours first, then the peer's.
    assert calls == (["ours"] * 4 + ["peer"] * 4) * 3


def test_a_slower_way_reads_slower() -> None:
    rounds = timing.take_turns(
        {"fast": lambda: None, "slow": lambda: time.sleep(0.002)}, rounds=2, runs=3
    )
    pairs = zip(rounds["fast"], rounds["slow"], strict=True)
    assert all(slow >= 2.0 > fast for fast, slow in pairs)


def test_the_ratio_is_read_round_by_round() -> None:
    # The machine slows down in round two; each round's ratio still holds at a half.
    ratio, faster = timing.ratio_summary([1.0, 4.0, 1.5], [2.0, 8.0, 1.0])
    assert ratio == 0.5 and faster == 2
