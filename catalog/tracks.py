"""Tracks, queries, the `TrackSource` protocol and the one fallback chain between sources."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote

ANY_LANGUAGE = "Any"
DEFAULT_LIMIT = 10
MAX_PER_ARTIST = 2  # keeps ten tracks from being five by one artist unless one was asked for
SEARCH_URL = "https://open.spotify.com/search/"  # finds a track when its Spotify id is unknown


@dataclass(frozen=True)
class Track:
    title: str
    artist: str
    language: str
    url: str
    source: str
    year: int | None = None
    valence: float | None = None  # 0-1, when the source knows it
    energy: float | None = None
    moods: tuple[str, ...] = ()
    why: str = ""  # one plain line on why it fits the mood


@dataclass(frozen=True)
class Query:
    """What to recommend for: a valence/energy target in 0-1, optional filters, how many.

    `offset` skips that many of the best tracks (the "more" control asks for the next page);
    `mood` names the mood in words and `lifted` says the target was moved to lift it, both
    only for the line that explains each track.
    """

    valence: float
    energy: float
    artist: str = ""
    language: str = ANY_LANGUAGE
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    mood: str = ""
    lifted: bool = False


@dataclass(frozen=True)
class Answer:
    tracks: tuple[Track, ...]
    source: str  # the source that answered
    notice: str = ""  # anything the visitor should know: a fallback, a filter that found nothing


def count(number: int, noun: str) -> str:
    """'1 track', '3 tracks'."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


# How a region of the valence/energy plane sounds, cut in thirds each way (low -> high).
FEELS: dict[tuple[int, int], str] = {  # (valence third, energy third)
    (0, 0): "slow and sombre",
    (0, 1): "moody",
    (0, 2): "tense and driving",
    (1, 0): "quiet and reflective",
    (1, 1): "easy-going",
    (1, 2): "energetic",
    (2, 0): "warm and gentle",
    (2, 1): "cheerful",
    (2, 2): "bright and upbeat",
}
CLOSE, NEAR = 0.08, 0.18  # distances on the plane read as "right on" and "close to"


def third(value: float) -> int:
    """Which third of the 0-1 axis `value` falls in: 0, 1 or 2."""
    return min(max(int(value * 3), 0), 2)


def explain(valence: float, energy: float, query: Query, moods: Sequence[str] = ()) -> str:
    """Why a track at (valence, energy) fits `query`: 'Cheerful (valence 0.71, energy 0.55),
    close to your happy mood.'"""
    feel = FEELS[third(valence), third(energy)]
    tagged = f", tagged {' and '.join(moods)}" if moods else ""
    gap = math.hypot(valence - query.valence, energy - query.energy)
    fit = "right on" if gap <= CLOSE else "close to" if gap <= NEAR else "the nearest we have to"
    mood = f"your {query.mood} mood" if query.mood else "the mood"
    aim = f"a gentle lift from {mood}" if query.lifted else mood
    return f"{feel.capitalize()} (valence {valence:.2f}, energy {energy:.2f}{tagged}), {fit} {aim}."


def search_url(title: str, artist: str) -> str:
    """A link that finds the track on Spotify from its title and artist."""
    return SEARCH_URL + quote(f"{title} {artist}")


class SourceUnavailable(RuntimeError):
    """A source cannot answer now; the message says why in plain words, with no secret in it."""


class TrackSource(Protocol):
    name: str

    def recommend(self, query: Query) -> Answer:
        """Tracks for `query`, best first; raises `SourceUnavailable` when it cannot answer."""
        ...


def recommend(sources: Sequence[TrackSource], query: Query) -> Answer:
    """Ask each source in order; the first that answers wins, and the notice says who failed."""
    failures = []
    for source in sources:
        try:
            answer = source.recommend(query)
        except SourceUnavailable as error:
            # Messages usually name their source already ("Spotify asked us to slow down").
            said = str(error)
            failures.append(said if source.name in said else f"{source.name}: {said}")
            continue
        if failures:
            notice = " ".join(filter(None, ["; ".join(failures) + ".", answer.notice]))
            return Answer(answer.tracks, answer.source, notice)
        return answer
    raise SourceUnavailable("No music source could answer: " + "; ".join(failures) + ".")


# "feat." (and kin) only between two names: "Little Feat" and a lone "ft" stay names.
_FEATURING = re.compile(r"\s+[\(\[]?(?:feat|ft|featuring)\b\.?\s+(?=\S)", re.IGNORECASE)
_SEPARATORS = re.compile(r"\s*(?:,|;|/|\||&|\+|\bx\b|\band\b|\by\b|\bet\b)\s*", re.IGNORECASE)


def normalise_name(name: str) -> str:
    """Case-, accent- and punctuation-blind form: 'Beyoncé & JAY-Z' -> 'beyonce and jay z'."""
    text = unicodedata.normalize("NFKD", name.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c)).replace("&", " and ")
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def without_featuring(credit: str) -> str:
    """A credit without its 'feat. ...' tail: 'Ed Sheeran feat. X' -> 'Ed Sheeran'."""
    return _FEATURING.split(credit)[0].strip()


def wanted_artist(typed: str) -> str:
    """The normalised name a visitor typed, without any 'feat. ...' tail ('' for none)."""
    return normalise_name(without_featuring(typed))


def credit_names(credit: str) -> tuple[str, ...]:
    """The whole credit and each artist in it ('feat.' guests too), normalised."""
    parts = []
    for chunk in _FEATURING.split(credit):
        parts += _SEPARATORS.split(chunk.strip(" ()[]"))
    names = [normalise_name(credit), *map(normalise_name, parts)]
    return tuple(dict.fromkeys(name for name in names if name))


def credit_runs(credit: str) -> tuple[str, ...]:
    """Runs of two or more neighbouring names in a credit, with what stood between them,
    normalised: in 'Tyler, The Creator, Kali Uchis', 'tyler the creator' is one. So a band
    whose name holds a separator ('Mumford & Sons', 'Earth, Wind & Fire') is found in a credit
    it shares."""
    runs = []
    for chunk in _FEATURING.split(credit):
        chunk = chunk.strip(" ()[]")
        cuts = [m.span() for m in _SEPARATORS.finditer(chunk)]
        starts = [0] + [end for _, end in cuts]
        ends = [start for start, _ in cuts] + [len(chunk)]
        for first in range(len(starts)):
            for last in range(first + 1, len(ends)):
                runs.append(normalise_name(chunk[starts[first] : ends[last]]))
    return tuple(dict.fromkeys(run for run in runs if run))


def artist_matches(wanted: str, credit: str) -> bool:
    """Whether `credit` names the artist a visitor typed, forgiving case, accents and 'feat.'.

    The typed name must equal the whole credit or a run of neighbouring credited names, or run
    on word boundaries inside one credited artist ('arijit' finds 'Arijit Singh'; 'singh
    shreya' does not match 'Arijit Singh, Shreya Ghoshal'). An empty name matches every credit.
    """
    target = wanted_artist(wanted)
    if not target and wanted.strip():  # a name of punctuation alone: '!!!'
        return wanted.strip().casefold() in literal_names(credit)
    return names_match(target, credit_names(credit)) or target in credit_runs(credit)


def literal_names(credit: str) -> tuple[str, ...]:
    """The whole credit and each name in it, only case-folded: for names that normalising
    would erase, such as the band '!!!'."""
    parts = [credit, *_SEPARATORS.split(credit)]
    return tuple(dict.fromkeys(p.strip().casefold() for p in parts if p.strip()))


def names_match(target: str, names: tuple[str, ...]) -> bool:
    """Whether `target` equals the whole credit or runs inside one of its names (all
    normalised, as `credit_names` gives them)."""
    if not target:
        return True
    whole, *artists = names
    pattern = re.compile(rf"(?:^| ){re.escape(target)}(?: |$)")
    return target == whole or any(pattern.search(name) for name in artists or [whole])
