"""How well the catalog ranking fits the mood, over the catalogs in ../shared/data/spotify.

    python benchmarks/catalog_quality.py [--data ../shared/data/spotify]

For every catalog, every emotion as the mood and both strategies (match, lift), with no filter
and with each language the catalog has, it asks for 10 tracks and checks:

- fit: the mean distance of the 10 to the target on the valence/energy plane, against the mean
  distance of a random pick from the same filtered pool (its expectation: the pool's mean
  distance). The ratio must be at most 1/3.
- variety: at least 7 distinct lead artists in 10 when no artist is asked for.
- filters: every track is in the language asked for; for 25 artists of each catalog (seeded
  draw), every track credits that artist.
- labels (data_moods.csv only): a happy mood puts at least 80 % of its 10 among the tracks
  labelled Happy or Energetic, a sad mood at least 80 % among Sad or Calm.

Prints one line a catalog and exits 1 when any check fails.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from catalog.csv_source import BUNDLED_CATALOG, CsvCatalog, _lead_artist  # noqa: E402
from catalog.tracks import ANY_LANGUAGE, Query, artist_matches  # noqa: E402
from pipeline import mood  # noqa: E402
from pipeline.emotion import EMOTIONS  # noqa: E402

MAX_FIT_RATIO = 1 / 3
MIN_ARTISTS_IN_10 = 7
MIN_LABEL_SHARE = 0.8
ARTISTS_CHECKED = 25
# The bundled catalog is hand-made and small (about 40 songs a language): 10 of 40 cannot sit
# as close to every mood as 10 of thousands, so its fit is shown, not held to the 1/3 bar.
INFORMATIONAL = {"bundled (tracks.csv)"}
LABEL_CHECKS = {"happy": {"happy", "energetic"}, "sad": {"sad", "calm"}}


def catalogs(data: Path) -> dict[str, list[Path]]:
    indian = data / "indian_languages"
    found = {
        "bundled (tracks.csv)": [BUNDLED_CATALOG],
        "data_moods.csv": [data / "data_moods.csv"],
        "indian_languages (3 files)": sorted(indian.glob("*_songs.csv")),
        "spotify_tracks_2017_2019.csv": [data / "spotify_tracks_2017_2019.csv"],
    }
    return {
        name: paths for name, paths in found.items() if paths and all(p.exists() for p in paths)
    }


def check(catalog: CsvCatalog) -> dict:
    points = catalog._points
    languages = catalog._table["language"].to_numpy()
    ratios: dict[bool, list[float]] = {False: [], True: []}  # by whether a language was asked
    artists_in_10, language_exact, language_total = [], 0, 0
    for emotion in EMOTIONS:
        for strategy in mood.STRATEGIES:
            aim = mood.manual(emotion, strategy)
            for language in (ANY_LANGUAGE, *catalog.languages):
                query = Query(aim.valence, aim.energy, language=language, limit=10)
                answer = catalog.recommend(query)
                pool = points if language == ANY_LANGUAGE else points[languages == language]
                chosen = np.array([(t.valence, t.energy) for t in answer.tracks])
                target = (aim.valence, aim.energy)
                ratios[language != ANY_LANGUAGE].append(
                    np.hypot(*(chosen - target).T).mean() / np.hypot(*(pool - target).T).mean()
                )
                artists_in_10.append(len({_lead_artist(t.artist) for t in answer.tracks}))
                if language != ANY_LANGUAGE:
                    language_total += len(answer.tracks)
                    language_exact += sum(t.language == language for t in answer.tracks)
    artist_exact, artist_total = _artist_filter(catalog)
    return {
        "fit": float(np.max(ratios[False])),
        "fit_mean": float(np.mean(ratios[False])),
        "fit_language": float(np.max(ratios[True])) if ratios[True] else None,
        "fit_language_mean": float(np.mean(ratios[True])) if ratios[True] else None,
        "artists": int(np.min(artists_in_10)),
        "language": language_exact / language_total if language_total else 1.0,
        "artist": artist_exact / artist_total,
    }


def _artist_filter(catalog: CsvCatalog) -> tuple[int, int]:
    credits = catalog._table["artist"]
    counts = credits.map(_lead_artist).value_counts()
    names = counts[counts >= 2].index.to_numpy()
    rng = np.random.default_rng(2026)
    drawn = rng.choice(names, size=min(ARTISTS_CHECKED, len(names)), replace=False)
    exact = total = 0
    for name in drawn:
        for emotion in ("happy", "sad"):
            aim = mood.manual(emotion)
            answer = catalog.recommend(Query(aim.valence, aim.energy, artist=name, limit=10))
            assert answer.tracks, f"no tracks for an artist of the catalog: {name}"
            total += len(answer.tracks)
            exact += sum(artist_matches(name, t.artist) for t in answer.tracks)
    return exact, total


def label_shares(catalog: CsvCatalog) -> dict[str, float]:
    shares = {}
    for emotion, wanted in LABEL_CHECKS.items():
        aim = mood.manual(emotion)
        answer = catalog.recommend(Query(aim.valence, aim.energy, limit=10))
        shares[emotion] = np.mean([bool(set(t.moods) & wanted) for t in answer.tracks])
    return shares


def _pair(worst: float | None, mean: float | None) -> str:
    return "no languages" if worst is None else f"{worst:.3f} / {mean:.3f}"


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
        f"{'catalog':28} {'tracks':>6} {'fit: any language':>18} {'fit: one language':>18} "
        f"{'artists':>8} {'language':>9} {'artist':>7}  labels"
    )
    both = "worst / mean"
    print(f"{'':35} {both:>18} {both:>18} {'in 10':>8} {'exact':>9} {'exact':>7}")
    for name, paths in found.items():
        catalog = CsvCatalog(paths, name=name)
        result = check(catalog)
        labels = label_shares(catalog) if name == "data_moods.csv" else {}
        label_text = ", ".join(f"{e} {s:.0%}" for e, s in labels.items()) or "-"
        print(
            f"{name:28} {len(catalog):>6} {result['fit']:>10.3f} / {result['fit_mean']:.3f} "
            f"{_pair(result['fit_language'], result['fit_language_mean']):>18} "
            f"{result['artists']:>8} {result['language']:>9.0%} {result['artist']:>7.0%}  "
            f"{label_text}"
        )
        worst = max(result["fit"], result["fit_language"] or 0.0)
        if worst > MAX_FIT_RATIO and name not in INFORMATIONAL:
            failures.append(f"{name}: fit ratio {worst:.3f} > 1/3")
        if result["artists"] < MIN_ARTISTS_IN_10:
            failures.append(f"{name}: only {result['artists']} artists in 10")
        if result["language"] < 1 or result["artist"] < 1:
            failures.append(f"{name}: a filter let other tracks through")
        failures += [
            f"{name}: {e} mood {s:.0%} < 80 %" for e, s in labels.items() if s < MIN_LABEL_SHARE
        ]
    print("\n".join(["", *failures]) if failures else "\nall checks pass")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
