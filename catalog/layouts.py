"""Catalog files in the layouts people have: each is read into one plain table.

The plain table has one row per track and the columns `title, artist, language, year, moods,
valence, energy, url` (valence and energy in 0-1; language "" when the file does not say).

Recognised layouts, by their columns:

- `plain`: the project's own and the one a user writes (see README): title, artist, language,
  then valence and energy, or mood tags (`moods`, `;`-separated), or both; year, url and a
  Spotify `track_id` optional.
- `spotify-tracks`: the 114k "Spotify Tracks Dataset" (Hub dataset
  maharshipandya/spotify-tracks-dataset): `track_genre` gives the language where the genre
  names one (`GENRE_LANGUAGES`); a track listed under several genres is kept once.
- `data-moods`: `data_moods.csv` (686 tracks with a Happy/Sad/Energetic/Calm `mood`).
- `indian-languages`: the per-language files of "Spotify Indian languages datasets", language in
  `genre`, artists joined by `|`, and `Valence` scaled to 0-0.1 (multiplied by 10 here).
- `spotify-2017-2019`: popular tracks with `artist, track, track_id, year` and audio features.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

PLAIN_COLUMNS = ("title", "artist", "language", "year", "moods", "valence", "energy", "url")
TRACK_URL = "https://open.spotify.com/track/"

# Where a mood tag sits on the valence/energy plane, so a catalog with tags but no audio
# features can still be ranked. Valence and arousal norms of the tag word from Warriner,
# Kuperman & Brysbaert (2013), "Norms of valence, arousal, and dominance for 13,915 English
# lemmas", Behavior Research Methods 45(4), 1191-1207: V.Mean.Sum and A.Mean.Sum of the word.
TAG_NORMS_1_TO_9: dict[str, tuple[float, float]] = {
    "aggressive": (3.08, 5.87),
    "angry": (2.53, 6.20),
    "calm": (6.89, 1.67),
    "cheerful": (8.00, 5.76),
    "chill": (5.16, 3.25),
    "content": (6.70, 3.17),
    "dark": (5.08, 4.09),
    "depressed": (2.27, 4.25),
    "dreamy": (7.52, 4.90),
    "energetic": (7.57, 6.10),
    "excited": (8.11, 6.43),
    "gloomy": (3.15, 3.32),
    "happy": (8.47, 6.05),
    "intense": (5.65, 6.60),
    "joyful": (8.21, 5.53),
    "lively": (7.12, 6.10),
    "melancholy": (3.74, 4.13),
    "mellow": (6.68, 2.81),
    "party": (7.18, 6.08),
    "peaceful": (8.00, 4.38),
    "relaxed": (7.25, 2.49),
    "romantic": (7.61, 5.12),
    "sad": (2.10, 3.49),
    "tense": (2.75, 5.32),
    "upbeat": (7.14, 4.92),
}
TAG_COORDINATES: dict[str, tuple[float, float]] = {  # the same, rescaled to 0-1
    tag: (round((v - 1) / 8, 3), round((a - 1) / 8, 3)) for tag, (v, a) in TAG_NORMS_1_TO_9.items()
}

# Genres of the 114k dataset that name a language (or a scene sung in one language).
GENRE_LANGUAGES: dict[str, str] = {
    "anime": "Japanese",
    "j-dance": "Japanese",
    "j-idol": "Japanese",
    "j-pop": "Japanese",
    "j-rock": "Japanese",
    "k-pop": "Korean",
    "cantopop": "Cantonese",
    "mandopop": "Mandarin",
    "malay": "Malay",
    "iranian": "Persian",
    "turkish": "Turkish",
    "swedish": "Swedish",
    "german": "German",
    "french": "French",
    "spanish": "Spanish",
    "brazil": "Portuguese",
    "mpb": "Portuguese",
    "pagode": "Portuguese",
    "sertanejo": "Portuguese",
    "forro": "Portuguese",
    "british": "English",
}


class CatalogError(ValueError):
    """A catalog file that cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Layout:
    name: str
    needs: frozenset[str]  # the columns that identify it
    to_plain: Callable[[pd.DataFrame], pd.DataFrame]


def read(path: str | Path) -> tuple[pd.DataFrame, str]:
    """The plain table of the catalog file at `path`, and the name of the layout it had."""
    path = Path(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding_errors="replace")
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise CatalogError(f"cannot read catalog {path}: {error}") from error
    raw.columns = [str(c).strip() for c in raw.columns]
    raw = raw.apply(lambda column: column.str.strip())
    layout = next((x for x in LAYOUTS if x.needs <= set(raw.columns)), None)
    if layout is None:
        raise CatalogError(
            f"catalog {path} has an unknown layout (columns {list(raw.columns)[:12]}); a plain "
            "catalog needs title, artist, language, and valence + energy or moods"
        )
    try:
        table = layout.to_plain(raw)
    except ValueError as error:
        raise CatalogError(f"catalog {path}: {error}") from error
    table = table[(table["title"] != "") & (table["artist"] != "")]
    table = table.dropna(subset=["valence", "energy"]).reset_index(drop=True)
    if table.empty:
        raise CatalogError(f"catalog {path} has no complete rows")
    return table[list(PLAIN_COLUMNS)], layout.name


def _plain(raw: pd.DataFrame) -> pd.DataFrame:
    table = pd.DataFrame({c: raw[c] for c in ("title", "artist", "language")})
    table["moods"] = _tags(raw.get("moods", raw.get("mood", pd.Series("", index=raw.index))))
    has_features = "valence" in raw.columns and "energy" in raw.columns
    if has_features:
        for column in ("valence", "energy"):
            values = pd.to_numeric(raw[column].replace("", np.nan), errors="coerce")
            if not values.dropna().between(0, 1).all():
                raise ValueError(f"{column} must be numbers from 0 to 1")
            table[column] = values
    else:
        if (table["moods"] == "").all():
            raise ValueError("needs valence and energy columns, or mood tags in `moods`")
        table["valence"], table["energy"] = np.nan, np.nan
    from_tags = _tag_points(table["moods"])
    for axis, column in enumerate(("valence", "energy")):
        table[column] = table[column].fillna(
            pd.Series(from_tags[:, axis], index=table.index)
        )  # tags fill what is missing
    table["year"] = _number(raw.get("year"), raw.index).round()
    table["url"] = raw.get("url", "")
    if "track_id" in raw.columns:  # a Spotify id names the track itself, to play it in the page
        ids = _track_url(raw["track_id"].str.strip())
        table["url"] = table["url"].where(table["url"] != "", ids)
    return table


def _spotify_tracks(raw: pd.DataFrame) -> pd.DataFrame:
    language = raw["track_genre"].str.casefold().map(GENRE_LANGUAGES).fillna("")
    table = pd.DataFrame(
        {
            "title": raw["track_name"],
            "artist": raw["artists"].str.replace(";", ", ", regex=False),
            "language": language,
            "year": np.nan,
            "moods": "",
            "valence": _number(raw["valence"], raw.index),
            "energy": _number(raw["energy"], raw.index),
            "url": _track_url(raw["track_id"]),
        }
    )
    # A track appears once per genre it is listed under: keep the row that names a language.
    named_first = table.assign(unnamed=table["language"] == "").sort_values(
        "unnamed", kind="stable"
    )
    kept = named_first.drop_duplicates(subset="url", keep="first").sort_index()
    return kept.drop(columns="unnamed")


def _data_moods(raw: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "title": raw["name"],
            "artist": raw["artist"],
            "language": "",
            "year": _number(raw["release_date"].str[:4], raw.index),
            "moods": _tags(raw["mood"]),
            "valence": _number(raw["valence"], raw.index),
            "energy": _number(raw["energy"], raw.index),
            "url": _track_url(raw["id"]),
        }
    )


def _indian_languages(raw: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "title": raw["track_name"],
            "artist": raw["artist_name"].str.replace("|", ", ", regex=False),
            "language": raw["genre"],
            "year": _number(raw["release_date"].str[-4:], raw.index),
            "moods": "",
            "valence": (_number(raw["Valence"], raw.index) * 10).clip(0, 1),  # stored as 0-0.1
            "energy": _number(raw["energy"], raw.index),
            "url": "",
        }
    )


def _spotify_2017_2019(raw: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "title": raw["track"],
            "artist": raw["artist"],
            "language": "",
            "year": _number(raw["year"], raw.index),
            "moods": "",
            "valence": _number(raw["valence"], raw.index),
            "energy": _number(raw["energy"], raw.index),
            "url": _track_url(raw["track_id"].str.rsplit(":", n=1).str[-1]),
        }
    )


def _needs(*columns: str) -> frozenset[str]:
    return frozenset(columns)


LAYOUTS = (  # most specific first; `plain` would match none of the others, but comes last
    Layout(
        "spotify-tracks",
        _needs("track_id", "artists", "track_name", "track_genre"),
        _spotify_tracks,
    ),
    Layout("data-moods", _needs("name", "artist", "id", "mood", "valence", "energy"), _data_moods),
    Layout(
        "indian-languages",
        _needs("track_name", "artist_name", "genre", "Valence", "energy"),
        _indian_languages,
    ),
    Layout(
        "spotify-2017-2019",
        _needs("artist", "track", "track_id", "year", "valence", "energy"),
        _spotify_2017_2019,
    ),
    Layout("plain", _needs("title", "artist", "language"), _plain),
)


def _number(column: pd.Series | None, index: pd.Index) -> pd.Series:
    """Numbers of a text column; blanks and junk become NaN (a missing column: all NaN)."""
    if column is None:
        return pd.Series(np.nan, index=index)
    return pd.to_numeric(column.replace("", np.nan), errors="coerce")


def _track_url(track_ids: pd.Series) -> pd.Series:
    return track_ids.where(track_ids == "", TRACK_URL + track_ids)


def _tags(column: pd.Series) -> pd.Series:
    """Mood tags as 'happy;energetic': lower case, `;`-separated, blanks dropped."""
    return (
        column.str.casefold().str.split(r"\s*[;,|]\s*").map(lambda ts: ";".join(t for t in ts if t))
    )


def _tag_points(tags: pd.Series) -> np.ndarray:
    """The mean valence/energy of each row's known tags; NaN where none is known."""
    points = np.full((len(tags), 2), np.nan)
    for row, text in enumerate(tags):
        known = [TAG_COORDINATES[t] for t in text.split(";") if t in TAG_COORDINATES]
        if known:
            points[row] = np.mean(known, axis=0)
    return points
