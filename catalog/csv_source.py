"""The offline source: catalog files ranked by distance to the mood on the valence/energy plane.

Everything a query needs is prepared once at load: points as one numpy array, languages and
lead artists as integer codes, and a word index of artist names. A query is then a few array
operations (about a millisecond on 100k tracks; `benchmarks/catalog_speed.py`).
"""

from __future__ import annotations

import logging
import os
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from catalog import layouts
from catalog.journey import walk
from catalog.layouts import CatalogError
from catalog.tracks import (
    ANY_LANGUAGE,
    MAX_PER_ARTIST,
    Answer,
    Query,
    Track,
    count,
    credit_names,
    credit_runs,
    explain,
    explain_step,
    literal_names,
    normalise_name,
    search_url,
    wanted_artist,
    without_featuring,
)

__all__ = ["BUNDLED_CATALOG", "CatalogError", "CsvCatalog", "catalog_paths"]

log = logging.getLogger(__name__)

BUNDLED_CATALOG = Path(__file__).resolve().parent / "data" / "tracks.csv"
MIN_SHORTLIST = 256  # nearest tracks ranked exactly before the artist cap is applied


def catalog_paths(setting: str) -> list[Path]:
    """The files named by a `CATALOG_CSV` value: one path, or several joined by os.pathsep."""
    return [Path(p) for p in setting.split(os.pathsep) if p.strip()]


class ArtistIndex:
    """Which rows credit an artist, found through the words of every credited name.

    Same rule as `catalog.tracks.artist_matches`: the typed name equals the whole credit or a
    run of neighbouring names, or runs on word boundaries inside one credited artist.
    """

    def __init__(self, credits: Sequence[str]) -> None:
        by_credit: dict[str, list[int]] = defaultdict(list)
        for row, credit in enumerate(credits):
            by_credit[credit].append(row)
        self._literal: dict[str, list[int]] = defaultdict(list)  # names of punctuation alone
        self._exact: dict[str, list[int]] = defaultdict(list)  # a whole credit of several
        self._inside: dict[str, list[int]] = defaultdict(list)  # one artist's name
        for credit, rows in by_credit.items():
            whole, *artists = credit_names(credit) or ("",)
            for name in {whole, *credit_runs(credit)}:
                self._exact[name] += rows
            for name in literal_names(credit):
                self._literal[name] += rows
            for name in artists or [whole]:
                self._inside[name] += rows
        self._names_with_word: dict[str, set[str]] = defaultdict(set)
        for name in self._inside:
            for word in name.split():
                self._names_with_word[word].add(name)

    def rows(self, typed: str) -> np.ndarray:
        """Rows crediting the artist a visitor typed."""
        wanted = wanted_artist(typed)
        if not wanted:  # only punctuation ('!!!'): compared as typed, case aside
            found = self._literal.get(typed.strip().casefold(), [])
            return np.array(sorted(set(found)), dtype=np.int64)
        words = wanted.split()
        candidates = set.intersection(*(self._names_with_word.get(w, set()) for w in words))
        pattern = re.compile(rf"(?:^| ){re.escape(wanted)}(?: |$)")
        found = set(self._exact.get(wanted, []))
        for name in candidates:
            if pattern.search(name):
                found.update(self._inside[name])
        return np.fromiter(sorted(found), dtype=np.int64, count=len(found))


class CsvCatalog:
    """Catalog files loaded once into memory; each query is a numpy distance ranking."""

    name = "built-in catalog"

    def __init__(
        self, paths: str | Path | Sequence[str | Path] = BUNDLED_CATALOG, name: str | None = None
    ) -> None:
        self.paths = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
        if name:
            self.name = name
        parts = [layouts.read(path) for path in self.paths]
        self.layouts = tuple(layout for _, layout in parts)
        table = _without_duplicates(pd.concat([t for t, _ in parts], ignore_index=True))
        self._table = table
        self._points = table[["valence", "energy"]].to_numpy(np.float64)
        self._valence = np.ascontiguousarray(self._points[:, 0])
        self._energy = np.ascontiguousarray(self._points[:, 1])
        # Plain lists: reading one row of a DataFrame costs more than a whole query.
        self._rows = table[["title", "artist", "language", "url", "moods"]].to_numpy().tolist()
        self._years = [None if pd.isna(y) else int(y) for y in table["year"]]
        codes, names = pd.factorize(table["language"].str.casefold())
        self._language_codes = codes
        self._language_code = {n: i for i, n in enumerate(names)}
        self.languages: tuple[str, ...] = tuple(sorted(set(table["language"]) - {""}))
        self._artists = ArtistIndex(table["artist"].tolist())
        self._leads = pd.factorize(table["artist"].map(_lead_artist))[0]
        log.info("catalog %s: %d tracks from %s", self.name, len(table), ", ".join(self.layouts))

    def __len__(self) -> int:
        return len(self._table)

    def recommend(self, query: Query) -> Answer:
        """The tracks nearest the mood that pass every filter, a page at a time.

        A filter is never dropped: when it leaves fewer tracks than asked, the answer holds
        what there is and its notice says so.
        """
        keep = np.ones(len(self._table), bool)
        where = ""
        if query.language and query.language.casefold() != ANY_LANGUAGE.casefold():
            code = self._language_code.get(query.language.casefold())
            if code is None:
                return self._none(
                    f"The {self.name} has no {query.language} tracks; it has "
                    f"{', '.join(self.languages) or 'no language labels'}."
                )
            keep &= self._language_codes == code
            where = f" {query.language}"
        wanted = query.artist.strip()
        if wanted:
            by_artist = np.zeros_like(keep)
            by_artist[self._artists.rows(wanted)] = True
            keep &= by_artist
            if not keep.any():
                return self._none(
                    f"No{where} tracks by “{query.artist.strip()}” in the {self.name}; "
                    "check the spelling, or clear the artist to see everyone."
                )

        candidates = None if keep.all() else np.flatnonzero(keep)
        filters = "these filters" if where or wanted else "this catalog"
        if query.journey is not None:
            return self._journey(candidates, query, filters, per_artist_cap=not wanted)
        wanted_count = query.offset + query.limit
        order = self._nearest(candidates, query, wanted_count, per_artist_cap=not wanted)
        chosen = order[query.offset : wanted_count]
        notice = _shortfall(len(order), len(chosen), query, filters)
        return Answer(tuple(self._track(int(i), query) for i in chosen), self.name, notice)

    def _journey(
        self, candidates: np.ndarray | None, query: Query, filters: str, per_artist_cap: bool
    ) -> Answer:
        """The query's journey, a page at a time: its steps in play order, then, once it has
        arrived, the tracks nearest its end that it did not play."""
        journey = query.journey
        pool = np.arange(len(self._table)) if candidates is None else candidates
        leads = self._leads if per_artist_cap else None
        path = walk(self._points, pool, journey, leads, MAX_PER_ARTIST if per_artist_cap else 0)
        walked = journey.shortened(len(path))
        wanted_count = query.offset + query.limit
        order = path
        if wanted_count > len(path):
            end = replace(query, valence=journey.end[0], energy=journey.end[1])
            beyond = self._nearest(candidates, end, wanted_count, per_artist_cap)
            order = np.concatenate([path, beyond[~np.isin(beyond, path)]])[:wanted_count]
        chosen = order[query.offset : wanted_count]
        notices = []
        if walked.steps < journey.steps and not query.offset:
            notices.append(
                f"Only {count(len(path), 'track')} {'matches' if len(path) == 1 else 'match'} "
                f"{filters}, so the journey takes {count(walked.steps, 'step')}, "
                f"not {journey.steps}."
            )
        elif len(chosen) < query.limit:
            notices.append(_shortfall(len(order), len(chosen), query, filters))
        walked_query = replace(query, journey=walked)
        return Answer(
            tuple(
                self._track(int(row), walked_query, step=query.offset + place + 1)
                for place, row in enumerate(chosen)
            ),
            self.name,
            " ".join(notices),
            steps=walked.steps,
        )

    def _nearest(
        self, candidates: np.ndarray | None, query: Query, wanted: int, per_artist_cap: bool
    ) -> np.ndarray:
        """Up to `wanted` candidates (None: every track), nearest the target first; with the
        cap, the nearest track of each artist comes before any artist's second, and none has
        more than `MAX_PER_ARTIST` unless the list would otherwise run short."""
        valence, energy = self._valence, self._energy
        if candidates is None:
            candidates = np.arange(len(valence))
        else:
            valence, energy = valence[candidates], energy[candidates]
        distance = np.square(valence - query.valence) + np.square(energy - query.energy)
        shortlist = max(MIN_SHORTLIST, 8 * wanted)
        while True:
            if shortlist < len(candidates):
                cut = np.partition(distance, shortlist)[shortlist]
                near = np.flatnonzero(distance <= cut)  # ties at the cut all come in
            else:
                near = np.arange(len(candidates))
            ranked = candidates[near[np.lexsort((candidates[near], distance[near]))]]
            if not per_artist_cap:
                return ranked[:wanted]
            order, rounds = _artist_rounds(ranked, self._leads)
            # Fine unless an artist's extra track made the list while the rest of the
            # candidates, not yet looked at, may hold other artists.
            if (rounds[:wanted] == 0).all() or len(near) == len(candidates):
                return order[:wanted]
            shortlist *= 8

    def _none(self, notice: str) -> Answer:
        return Answer((), self.name, notice)

    def _track(self, row: int, query: Query, step: int | None = None) -> Track:
        title, artist, language, url, tags = self._rows[row]
        moods = tuple(m for m in tags.split(";") if m)
        valence, energy = float(self._valence[row]), float(self._energy[row])
        why = (
            explain(valence, energy, query, moods)
            if step is None
            else explain_step(valence, energy, query, step, moods)
        )
        return Track(
            title=title,
            artist=artist,
            language=language,
            url=url or search_url(title, artist),
            source=self.name,
            year=self._years[row],
            valence=valence,
            energy=energy,
            moods=moods,
            why=why,
            step=step,
        )


def _shortfall(matching: int, shown: int, query: Query, filters: str) -> str:
    """What to say when a page holds fewer tracks than asked ('' when it is full)."""
    if shown >= query.limit:
        return ""
    verb = "matches" if matching == 1 else "match"
    if not query.offset:
        return f"Only {count(matching, 'track')} {verb} {filters}."
    if shown:
        return f"That is all: {count(matching, 'track')} {verb} {filters}."
    return f"No more tracks: all {count(matching, 'track')} that {verb} {filters} have been shown."


def _lead_artist(credit: str) -> str:
    names = credit_names(without_featuring(credit))
    return names[1] if len(names) > 1 else names[0] if names else ""


def _without_duplicates(table: pd.DataFrame) -> pd.DataFrame:
    """One row per song (same title and lead artist): the one that knows its language, then
    the one with mood tags, then the first listed."""
    key = table["title"].map(normalise_name) + "\n" + table["artist"].map(_lead_artist)
    knows_less = (table["language"] == "").astype(int) * 2 + (table["moods"] == "").astype(int)
    preferred = knows_less.sort_values(kind="stable").index
    kept = ~key[preferred].duplicated()
    kept_rows = preferred[kept.to_numpy()].sort_values()
    if len(kept_rows) < len(table):
        log.info("catalog: %d duplicate rows left out", len(table) - len(kept_rows))
    return table.loc[kept_rows].reset_index(drop=True)


def _artist_rounds(ranked: np.ndarray, leads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`ranked` reordered in rounds: each artist's nearest track, then each one's second, up
    to `MAX_PER_ARTIST`; then the rest in rank order, so a short list is topped up. Returns
    the order and each entry's round."""
    lead = leads[ranked]
    # How many tracks of the same artist rank before each one: 0 for its nearest.
    by_artist = np.argsort(lead, kind="stable")  # each artist's tracks together, in rank order
    sorted_leads = lead[by_artist]
    starts = np.flatnonzero(np.r_[True, sorted_leads[1:] != sorted_leads[:-1]])
    group_start = np.repeat(starts, np.diff(np.r_[starts, len(lead)]))
    rank_within = np.empty(len(lead), np.int64)
    rank_within[by_artist] = np.arange(len(lead)) - group_start
    rounds = np.minimum(rank_within, MAX_PER_ARTIST)
    by_round = np.lexsort((np.arange(len(ranked)), rounds))
    return ranked[by_round], rounds[by_round]
