"""Tracks, queries, the `TrackSource` protocol and the one fallback chain between sources."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol
from urllib.parse import quote

from catalog.journey import Journey

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
    step: int | None = None  # its place in a journey's play order, from 1; None outside one


@dataclass(frozen=True)
class Query:
    """What to recommend for: a valence/energy target in 0-1, optional filters, how many.

    `offset` skips that many of the best tracks (the "more" control asks for the next page);
    `mood` names the mood in words and `lifted` says the target was moved to lift it, both
    only for the line that explains each track. With a `journey`, the tracks are its steps in
    play order (then, past its end, tracks near where it ended), and the target is its end.
    """

    valence: float
    energy: float
    artist: str = ""
    language: str = ANY_LANGUAGE
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    mood: str = ""
    lifted: bool = False
    journey: Journey | None = None


@dataclass(frozen=True)
class Answer:
    tracks: tuple[Track, ...]
    source: str  # the source that answered
    notice: str = ""  # anything the visitor should know: a fallback, a filter that found nothing
    steps: int | None = None  # a journey's length as walked (fewer when a filter leaves few)
    unfinished: bool = False  # a journey stopped short: the next source may finish it


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
    mood = f"your {query.mood} mood" if query.mood else "the mood"
    aim = f"a gentle lift from {mood}" if query.lifted else mood
    fit = _fit((valence, energy), (query.valence, query.energy))
    return f"{_sound(valence, energy, moods)}, {fit} {aim}."


def explain_step(
    valence: float, energy: float, query: Query, step: int, moods: Sequence[str] = ()
) -> str:
    """Why a track at (valence, energy) is step `step` (from 1) of the query's journey: 'Step 1
    of 10 on a gentle lift from your sad mood: Moody (valence 0.18, energy 0.34), right on
    where it starts.'"""
    journey = query.journey
    if journey is None:
        return explain(valence, energy, query, moods)
    fit = _fit((valence, energy), journey.waypoint(step - 1))
    sound = _sound(valence, energy, moods)
    return f"{step_heading(query, step)}: {sound}, {fit} {_place(query, step)}."


def step_heading(query: Query, step: int) -> str:
    """'Step 3 of 10 on a gentle lift from your sad mood', or, past the journey's end, 'Past
    the end of ...'."""
    mood = f"your {query.mood} mood" if query.mood else "the mood"
    steps = query.journey.steps if query.journey else 0
    if step > steps:
        return f"Past the end of a gentle lift from {mood}"
    return f"Step {step} of {steps} on a gentle lift from {mood}"


def _place(query: Query, step: int) -> str:
    steps = query.journey.steps if query.journey else 0
    if step == 1:
        return "where it starts"
    if step == steps:
        return "where it ends"
    return "where it ended" if step > steps else f"step {step}'s point on the way"


def _sound(valence: float, energy: float, moods: Sequence[str]) -> str:
    """'Cheerful (valence 0.71, energy 0.55, tagged happy)'."""
    feel = FEELS[third(valence), third(energy)]
    tagged = f", tagged {' and '.join(moods)}" if moods else ""
    return f"{feel.capitalize()} (valence {valence:.2f}, energy {energy:.2f}{tagged})"


def _fit(point: tuple[float, float], aim: tuple[float, float]) -> str:
    gap = math.dist(point, aim)
    return "right on" if gap <= CLOSE else "close to" if gap <= NEAR else "the nearest we have to"


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


def named(source: str) -> str:
    """'the built-in catalog', but 'Spotify': names of services take no article."""
    return source if source[:1].isupper() or source.startswith("the ") else f"the {source}"


def recommend(sources: Sequence[TrackSource], query: Query) -> Answer:
    """Ask each source in order; the first that answers wins, and the notice says who failed.

    A journey that source could not finish (`Answer.unfinished`) is finished by the sources
    after it, from the step where it stopped.
    """
    failures = []
    for position, source in enumerate(sources):
        try:
            answer = source.recommend(query)
        except SourceUnavailable as error:
            # Messages usually name their source already ("Spotify asked us to slow down").
            said = str(error)
            failures.append(said if source.name in said else f"{source.name}: {said}")
            continue
        if answer.unfinished and len(answer.tracks) < query.limit:
            answer = _finished(answer, sources[position + 1 :], query)
        if failures:
            notice = " ".join(filter(None, ["; ".join(failures) + ".", answer.notice]))
            return replace(answer, notice=notice)
        return answer
    raise SourceUnavailable("No music source could answer: " + "; ".join(failures) + ".")


def _finished(answer: Answer, later: Sequence[TrackSource], query: Query) -> Answer:
    """`answer`'s journey with its missing steps from the first of `later` that can give them."""
    found = len(answer.tracks)
    rest = replace(query, offset=query.offset + found, limit=query.limit - found)
    try:
        more = recommend(later, rest) if later else None
    except SourceUnavailable:
        more = None
    if more is None or not more.tracks:
        return answer
    have = {_song(t) for t in answer.tracks}  # the same song from two sources plays once
    extra = tuple(t for t in more.tracks if _song(t) not in have)
    finisher = named(more.source)
    said = f"{finisher[0].upper()}{finisher[1:]} finished the journey from step {rest.offset + 1}."
    return Answer(
        answer.tracks + extra,
        f"{named(answer.source)}, then {finisher}",
        " ".join(filter(None, [answer.notice, said, more.notice])),
        steps=answer.steps,
    )


def _song(track: Track) -> tuple[str, str]:
    return normalise_name(track.title), normalise_name(without_featuring(track.artist))


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
