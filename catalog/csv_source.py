"""The offline source: a CSV catalog ranked by distance to the mood on the valence/energy plane."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from catalog.tracks import (
    ANY_LANGUAGE,
    MAX_PER_ARTIST,
    Answer,
    Query,
    Track,
    count,
    credit_names,
    names_match,
    search_url,
    wanted_artist,
)

BUNDLED_CATALOG = Path(__file__).resolve().parent / "data" / "tracks.csv"
REQUIRED_COLUMNS = ("title", "artist", "language", "valence", "energy")


class CatalogError(ValueError):
    """A catalog file that cannot be used; the message names the file and what is wrong."""


class CsvCatalog:
    """A catalog loaded once into memory; each query is a numpy distance ranking."""

    name = "built-in catalog"

    def __init__(self, path: str | Path = BUNDLED_CATALOG, name: str | None = None) -> None:
        self.path = Path(path)
        if name:
            self.name = name
        self._table = read_catalog(self.path)
        self._points = self._table[["valence", "energy"]].to_numpy(np.float64)
        self._languages = self._table["language"].str.casefold().to_numpy()
        self._artists = self._table["artist"].to_numpy()
        self._credits = [credit_names(a) for a in self._artists]  # normalised once, not per query
        self.languages: tuple[str, ...] = tuple(sorted(self._table["language"].unique()))

    def __len__(self) -> int:
        return len(self._table)

    def recommend(self, query: Query) -> Answer:
        keep = np.ones(len(self._table), bool)
        where, notices = "", []
        if query.language and query.language.casefold() != ANY_LANGUAGE.casefold():
            in_language = self._languages == query.language.casefold()
            if in_language.any():
                keep, where = in_language, f" {query.language}"
            else:
                notices.append(
                    f"The {self.name} has no {query.language} tracks, so these are in any "
                    f"language (it has {', '.join(self.languages)})."
                )

        target = wanted_artist(query.artist)
        if target:
            by_artist = keep & np.array([names_match(target, c) for c in self._credits])
            if by_artist.any():
                keep = by_artist
            else:
                notices.append(
                    f"No{where} tracks by “{query.artist}” in the {self.name}; "
                    "showing other artists instead."
                )
                target = ""

        candidates = np.flatnonzero(keep)
        distance = np.hypot(*(self._points[candidates] - (query.valence, query.energy)).T)
        ranked = candidates[np.argsort(distance, kind="stable")]
        chosen = _diverse(ranked, self._artists, query.limit, per_artist_cap=not target)
        if len(chosen) < query.limit:
            verb = "matches" if len(chosen) == 1 else "match"
            notices.append(f"Only {count(len(chosen), 'track')} {verb} these filters.")
        return Answer(tuple(self._track(i) for i in chosen), self.name, " ".join(notices))

    def _track(self, row: int) -> Track:
        record = self._table.iloc[row]
        return Track(
            title=record["title"],
            artist=record["artist"],
            language=record["language"],
            url=record["url"] or search_url(record["title"], record["artist"]),
            source=self.name,
            year=None if pd.isna(record["year"]) else int(record["year"]),
            valence=float(record["valence"]),
            energy=float(record["energy"]),
            moods=tuple(m for m in record["moods"].split(";") if m),
        )


def read_catalog(path: Path) -> pd.DataFrame:
    """Read and check a catalog CSV: title, artist, language, valence, energy (0-1); url, year
    and moods optional."""
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise CatalogError(f"cannot read catalog {path}: {error}") from error
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise CatalogError(
            f"catalog {path} lacks columns {missing}; needs {list(REQUIRED_COLUMNS)}"
        )
    table = table.apply(lambda column: column.str.strip())
    table = table[(table[list(REQUIRED_COLUMNS)] != "").all(axis=1)].reset_index(drop=True)
    if table.empty:
        raise CatalogError(f"catalog {path} has no complete rows")
    for column in ("valence", "energy"):
        values = pd.to_numeric(table[column], errors="coerce")
        if values.isna().any() or not values.between(0, 1).all():
            raise CatalogError(f"catalog {path}: {column} must be numbers from 0 to 1")
        table[column] = values
    # Optional columns: a year that is not a plain number is dropped rather than refused.
    table["year"] = pd.to_numeric(table.get("year", ""), errors="coerce").round()
    for column in ("moods", "url"):
        table[column] = table[column] if column in table.columns else ""
    return table


def _diverse(
    ranked: np.ndarray, artists: np.ndarray, limit: int, per_artist_cap: bool
) -> list[int]:
    """The first `limit` of `ranked`, at most `MAX_PER_ARTIST` per artist when capped; the
    cap yields (nearest first) when it would otherwise leave the list short."""
    chosen, skipped, per_artist = [], [], {}
    for row in ranked:
        if len(chosen) == limit:
            break
        artist = artists[row]
        if per_artist_cap and per_artist.get(artist, 0) >= MAX_PER_ARTIST:
            skipped.append(int(row))
            continue
        per_artist[artist] = per_artist.get(artist, 0) + 1
        chosen.append(int(row))
    return chosen + skipped[: limit - len(chosen)]
