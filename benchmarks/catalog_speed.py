"""Query time of the CSV catalog at 100k tracks, the size of the Spotify Tracks Dataset.

    python benchmarks/catalog_speed.py [--tracks 100000] [--queries 300]

The 114k dataset itself is not available offline, so a catalog of that size is made from the
real ones in ../shared/data/spotify: every real track (valence, energy, artist, language)
repeated with its title numbered until there are `--tracks` rows, written as a plain-layout
CSV to a temporary folder and loaded the way the app loads a catalog. Then each kind of query
runs `--queries` times at targets spread over the plane; the medians are printed. Exits 1 when
a median is over 5 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from catalog import layouts  # noqa: E402
from catalog.csv_source import BUNDLED_CATALOG, CsvCatalog  # noqa: E402
from catalog.tracks import Query  # noqa: E402

BUDGET_MS = 5.0


def real_tracks(data: Path) -> pd.DataFrame:
    files = [data / "spotify_tracks_2017_2019.csv", data / "data_moods.csv", BUNDLED_CATALOG]
    files += sorted((data / "indian_languages").glob("*_songs.csv"))
    return pd.concat([layouts.read(f)[0] for f in files if f.exists()], ignore_index=True)


def scaled_catalog(real: pd.DataFrame, size: int, folder: Path) -> Path:
    repeats = -(-size // len(real))
    table = pd.concat([real] * repeats, ignore_index=True).iloc[:size].copy()
    table["title"] = table["title"] + " #" + np.arange(size).astype(str)  # all distinct songs
    path = folder / "catalog_100k.csv"
    table.to_csv(path, index=False)
    return path


def median_ms(catalog: CsvCatalog, queries: list[Query]) -> float:
    times = []
    for query in queries:
        started = time.perf_counter()
        catalog.recommend(query)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "spotify")
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        path = scaled_catalog(real_tracks(args.data), args.tracks, Path(folder))
        started = time.perf_counter()
        catalog = CsvCatalog(path, name="catalog")
        load_s = time.perf_counter() - started
    rng = np.random.default_rng(7)
    targets = rng.uniform(0, 1, size=(args.queries, 2))
    artists = catalog._table["artist"].drop_duplicates().sample(50, random_state=7).tolist()
    languages = list(catalog.languages)
    kinds = {
        "no filter": lambda i, v, e: Query(v, e),
        "language": lambda i, v, e: Query(v, e, language=languages[i % len(languages)]),
        "artist": lambda i, v, e: Query(v, e, artist=artists[i % len(artists)]),
        "page 5 (offset 40)": lambda i, v, e: Query(v, e, offset=40),
        "50 tracks": lambda i, v, e: Query(v, e, limit=50),
    }
    print(f"{len(catalog)} tracks loaded in {load_s:.1f} s; medians of {args.queries} queries")
    slow = []
    for name, make in kinds.items():
        queries = [make(i, v, e) for i, (v, e) in enumerate(targets)]
        median_ms(catalog, queries[:20])  # warm-up
        took = median_ms(catalog, queries)
        print(f"  {name:20} {took:6.2f} ms")
        if took > BUDGET_MS:
            slow.append(name)
    if slow:
        print(f"over {BUDGET_MS} ms: {', '.join(slow)}")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
