"""How smooth "lift my mood" journeys are, over the catalogs in ../shared/data/spotify.

    python benchmarks/journey_quality.py [--data ../shared/data/spotify]

For every catalog and every negative emotion read 100 % (angry, disgust, fear, sad), the lift
asks for a 10-track journey as the app does (`pipeline.recommend`), with no filter and with each
language the catalog has, and checks (the bundled catalog is shown, not held to them):

- order: the rank (Spearman) correlation between a track's place in the list and its valence
  is at least 0.8;
- ends: the first track lies within 0.15 of the mood read and the last within 0.15 of the
  destination, on the valence/energy plane;
- smoothness: no step (the distance between one track and the next) is over 3 times the mean;
- variety: at most 2 tracks by one lead artist in the 10 when no artist is asked for;
- filters: every track is in the language asked for; for 25 artists of each catalog (seeded
  draw), every track credits that artist, and a journey with fewer tracks than steps says so.

Neutral faces get a journey too; their row is shown, not held to the bars. Prints one line a
catalog and exits 1 when any bar fails.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.catalog_quality import ARTISTS_CHECKED, catalogs  # noqa: E402
from catalog.csv_source import CsvCatalog, _lead_artist  # noqa: E402
from catalog.journey import Journey  # noqa: E402
from catalog.tracks import ANY_LANGUAGE, MAX_PER_ARTIST, Answer, Query, artist_matches  # noqa: E402
from pipeline import mood  # noqa: E402
from pipeline.recommend import JOURNEY_STEPS  # noqa: E402

NEGATIVE = ("angry", "disgust", "fear", "sad")
SHOWN_ONLY = ("neutral",)
# The bundled catalog is hand-made and small (about 40 songs a language): with a language
# chosen, 40 songs cannot lie near every point of a path, so it is shown, not held to the bars.
INFORMATIONAL = {"bundled (tracks.csv)"}
MIN_RANK_CORRELATION = 0.8
MAX_END_GAP = 0.15  # on the 0-1 valence/energy plane
MAX_STEP_RATIO = 3.0  # the longest step against the mean step


def journey_for(emotion: str) -> Journey:
    """The journey the app walks for a face that reads 100 % `emotion`, as `pipeline.recommend`
    builds it."""
    lift = mood.manual(emotion, mood.LIFT)
    return Journey(lift.read, lift.destination, JOURNEY_STEPS, lift.ease)


def measure(answer: Answer, journey: Journey) -> dict[str, float]:
    """The bars' figures for one journey."""
    where = np.array([(t.valence, t.energy) for t in answer.tracks])
    steps = np.hypot(*np.diff(where, axis=0).T)
    places = pd.Series(np.arange(len(where), dtype=float))
    return {
        "rank": float(places.corr(pd.Series(where[:, 0]), method="spearman")),
        "first": math.dist(where[0], journey.start),
        "last": math.dist(where[-1], journey.end),
        "step_ratio": float(steps.max() / steps.mean()),
        "per_artist": max(Counter(_lead_artist(t.artist) for t in answer.tracks).values()),
    }


def check(catalog: CsvCatalog, emotions: tuple[str, ...], asked: tuple[str, ...]) -> dict:
    """The worst figures over `emotions` and the languages `asked`, plus the artist filter."""
    languages = catalog._table["language"].to_numpy()
    figures: list[dict[str, float]] = []
    language_exact = language_total = 0
    times = []
    for emotion in emotions:
        journey = journey_for(emotion)
        for language in asked:
            query = Query(*journey.end, language=language, mood=emotion, journey=journey)
            started = time.perf_counter()
            answer = catalog.recommend(query)
            times.append(time.perf_counter() - started)
            pool = len(languages) if language == ANY_LANGUAGE else (languages == language).sum()
            assert len(answer.tracks) == min(JOURNEY_STEPS, pool), (emotion, language)
            figures.append(measure(answer, journey))
            if language != ANY_LANGUAGE:
                language_total += len(answer.tracks)
                language_exact += sum(t.language == language for t in answer.tracks)
    artist_exact, artist_total, short_said, short_total = _artist_filter(catalog, emotions)
    return {
        "rank": min(f["rank"] for f in figures),
        "first": max(f["first"] for f in figures),
        "last": max(f["last"] for f in figures),
        "step_ratio": max(f["step_ratio"] for f in figures),
        "per_artist": max(f["per_artist"] for f in figures),
        "language": language_exact / language_total if language_total else None,
        "artist": artist_exact / artist_total,
        "short": (short_said, short_total),
        "ms": 1000 * float(np.median(times)),
    }


def _artist_filter(catalog: CsvCatalog, emotions: tuple[str, ...]) -> tuple[int, int, int, int]:
    """Artist filter exactness over drawn artists, and how many journeys cut short by it said
    so."""
    counts = catalog._table["artist"].map(_lead_artist).value_counts()
    names = counts[counts >= 2].index.to_numpy()
    rng = np.random.default_rng(2026)
    drawn = rng.choice(names, size=min(ARTISTS_CHECKED, len(names)), replace=False)
    exact = total = said = short = 0
    for name in drawn:
        for emotion in emotions:
            journey = journey_for(emotion)
            query = Query(*journey.end, artist=name, mood=emotion, journey=journey)
            answer = catalog.recommend(query)
            assert answer.tracks, f"no tracks for an artist of the catalog: {name}"
            total += len(answer.tracks)
            exact += sum(artist_matches(name, t.artist) for t in answer.tracks)
            if len(answer.tracks) < JOURNEY_STEPS:
                short += 1
                said += answer.steps == len(answer.tracks) and "the journey takes" in answer.notice
    return exact, total, said, short


def failures_of(name: str, result: dict) -> list[str]:
    failed = []
    if result["rank"] < MIN_RANK_CORRELATION:
        failed.append(f"{name}: rank correlation {result['rank']:.2f} < {MIN_RANK_CORRELATION}")
    if max(result["first"], result["last"]) > MAX_END_GAP:
        failed.append(f"{name}: an end track {max(result['first'], result['last']):.3f} away")
    if result["step_ratio"] > MAX_STEP_RATIO:
        failed.append(f"{name}: a step {result['step_ratio']:.2f} times the mean")
    if result["per_artist"] > MAX_PER_ARTIST:
        failed.append(f"{name}: {result['per_artist']} tracks by one artist in 10")
    if (result["language"] or 1.0) < 1 or result["artist"] < 1:
        failed.append(f"{name}: a filter let other tracks through")
    said, short = result["short"]
    if said < short:
        failed.append(f"{name}: {short - said} shorter journeys did not say so")
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "spotify")
    args = parser.parse_args()
    found = catalogs(args.data)
    if not found:
        print(f"no catalogs under {args.data}")
        return 1
    failures = []
    print(
        f"{'catalog':28} {'faces read 100 %':23} {'tracks':>6} {'rank':>6} {'first':>6} "
        f"{'last':>6} {'step/':>6} {'per':>4} {'lang':>5} {'artist':>7} {'shorter':>8} "
        f"{'median':>7}"
    )
    print(
        f"{'':58} {'min':>6} {'max':>6} {'max':>6} {'mean':>6} {'art.':>4} {'exact':>5} "
        f"{'exact':>7} {'said':>8} {'ms':>7}"
    )
    for name, paths in found.items():
        catalog = CsvCatalog(paths, name=name)
        rows = [("negative", NEGATIVE, (ANY_LANGUAGE,))]
        if catalog.languages:
            rows.append(("negative, one language", NEGATIVE, catalog.languages))
        rows.append(("neutral (shown)", SHOWN_ONLY, (ANY_LANGUAGE, *catalog.languages)))
        for group, emotions, asked in rows:
            result = check(catalog, emotions, asked)
            said, short = result["short"]
            language = "-" if result["language"] is None else f"{result['language']:.0%}"
            print(
                f"{name:28} {group:23} {len(catalog):>6} {result['rank']:>6.2f} "
                f"{result['first']:>6.3f} {result['last']:>6.3f} {result['step_ratio']:>6.2f} "
                f"{result['per_artist']:>4} {language:>5} {result['artist']:>7.0%} "
                f"{f'{said}/{short}':>8} {result['ms']:>7.2f}"
            )
            if emotions == NEGATIVE and name not in INFORMATIONAL:
                failures += failures_of(f"{name}, {group}", result)
    print("\n".join(["", *failures]) if failures else "\nall bars pass")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
