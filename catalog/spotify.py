"""The live source: Spotify's Web API through spotipy, with search and playlist items only.

An app in development mode has had no recommendations, audio features or analysis, related
artists, artist top tracks, batch GETs or `popularity` since 2024-11 and 2026-02, and its searches
return at most 10 items a page. So a mood becomes search words (`MOOD_WORDS`), a language becomes
a market plus words (`LOCALES`), and a favourite artist an `artist:"..."` filter whose every hit is
checked again here, because Spotify's search is fuzzy.

Spotify being slow, failing or rate-limiting must not hold up the visitor: each query has a
deadline (`QUERY_DEADLINE_S`), a request budget and no retries, and a 429 starts a rest (its
`Retry-After`, capped) during which no request is made at all. Answers are cached for a few
minutes, and the token lives in memory only (spotipy's default writes a `.cache` file).

    source = from_environment(os.environ)  # None without SPOTIPY_CLIENT_ID/SECRET
    answer = source.recommend(Query(valence=0.8, energy=0.7, language="Hindi"))
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import requests
import spotipy
from requests.adapters import HTTPAdapter
from spotipy.cache_handler import MemoryCacheHandler
from spotipy.exceptions import SpotifyException
from spotipy.oauth2 import SpotifyClientCredentials, SpotifyOauthError

from catalog.journey import Journey
from catalog.tracks import (
    ANY_LANGUAGE,
    MAX_PER_ARTIST,
    Answer,
    Query,
    SourceUnavailable,
    Track,
    artist_matches,
    count,
    normalise_name,
    step_heading,
    third,
    without_featuring,
)

log = logging.getLogger(__name__)

SOURCE_NAME = "Spotify"

# Settings, read by `from_environment`; the first two are spotipy's own names.
CLIENT_ID_VARIABLE = "SPOTIPY_CLIENT_ID"
CLIENT_SECRET_VARIABLE = "SPOTIPY_CLIENT_SECRET"
API_URL_VARIABLE = "SPOTIFY_API_URL"
TOKEN_URL_VARIABLE = "SPOTIFY_TOKEN_URL"
SPOTIFY_API_URL = "https://api.spotify.com/v1/"
SPOTIFY_TOKEN_URL = "https://accounts.spotify.com/api/token"

REQUEST_TIMEOUT_S = 2.0  # seconds one request may wait to connect or for data; Spotify needs < 1 s
QUERY_DEADLINE_S = 2.5  # seconds from `recommend` to its answer or failure: fallback within 3 s
PAGE_SIZE = 10  # items a page: the most a development-mode app may ask for (more is a 400)
MAX_SEARCH_PAGES = 3  # pages read per search text: deeper hits of a word search fit less
PLAYLISTS_TO_READ = 1  # playlists found by mood words whose tracks are taken
MAX_REQUESTS_PER_QUERY = 6  # Web API requests per query, the token aside: spares the quota
CACHE_TTL_S = 300.0  # seconds an answer is reused: results change slowly, the quota is shared
CACHE_MAX_ENTRIES = 512  # answers kept (~10 KB each); the oldest go first
DEFAULT_REST_S = 60.0  # seconds to rest after a 429 whose Retry-After cannot be read
MAX_REST_S = 3600.0  # longest rest: Retry-After can say hours; a try after one costs 1 request

# The valence/energy plane cut into thirds each way; each region's words for a search.
MOOD_WORDS: dict[tuple[int, int], str] = {  # (valence band, energy band), 0 = low -> words
    (0, 0): "sad",
    (0, 1): "melancholy",
    (0, 2): "angry intense",
    (1, 0): "relaxing",
    (1, 1): "mellow",
    (1, 2): "energetic",
    (2, 0): "chill calm",
    (2, 1): "feel good",
    (2, 2): "happy upbeat",
}


@dataclass(frozen=True)
class Locale:
    """How a language is approximated, since Spotify's tracks carry no language field."""

    market: str  # ISO 3166-1 alpha-2 country whose catalog the search runs in ("" for none)
    words: str  # added to a mood search, so playlists and titles in that language rank first


LOCALES: dict[str, Locale] = {
    "English": Locale("US", "english"),
    "Hindi": Locale("IN", "hindi"),
    "Spanish": Locale("ES", "spanish"),
    "Korean": Locale("KR", "korean"),
    "Japanese": Locale("JP", "japanese"),
    "Tamil": Locale("IN", "tamil"),
    "French": Locale("FR", "french"),
    "Portuguese": Locale("BR", "portuguese"),
    "Italian": Locale("IT", "italian"),
    "Punjabi": Locale("IN", "punjabi"),
}

MALFORMED = "Spotify sent an answer this app cannot read"
CREDENTIALS_REJECTED = (
    f"Spotify did not accept the app's client id and secret "
    f"(check {CLIENT_ID_VARIABLE} and {CLIENT_SECRET_VARIABLE})"
)
NO_TOKEN = "Spotify's sign-in service did not give the app an access token"
STATUS_MESSAGES: dict[int, str] = {
    400: "Spotify rejected the app's request as invalid",
    401: "Spotify did not accept the app's access token",
    403: "Spotify refused the request (the app may lack access to this part of the Web API)",
    404: f"Spotify does not know the address the app asked for (is {API_URL_VARIABLE} right?)",
}
SERVER_FAULT = "Spotify's servers had a problem (HTTP {status}); try again later"
REQUEST_FAULTS: tuple[tuple[type[requests.RequestException], str], ...] = (  # first match wins
    (requests.exceptions.JSONDecodeError, MALFORMED),
    (requests.exceptions.Timeout, f"Spotify did not answer within {QUERY_DEADLINE_S:g} s"),
    (requests.exceptions.ConnectionError, "Spotify could not be reached"),
    (requests.exceptions.RequestException, "the connection to Spotify failed"),
)
CREDENTIAL_ERRORS = frozenset({"invalid_client", "unauthorized_client", "invalid_grant"})


def from_environment(environ: Mapping[str, str]) -> SpotifySource | None:
    """The Spotify source configured by `environ` (e.g. `os.environ`), or None without credentials.

    Needs both `SPOTIPY_CLIENT_ID` and `SPOTIPY_CLIENT_SECRET`; `SPOTIFY_API_URL` (the Web API
    base) and `SPOTIFY_TOKEN_URL` point the client at another server, such as a test server on
    loopback. Builds the client without contacting Spotify: the token is fetched on first use.
    """
    client_id = environ.get(CLIENT_ID_VARIABLE, "").strip()
    client_secret = environ.get(CLIENT_SECRET_VARIABLE, "").strip()
    if not (client_id and client_secret):
        if client_id or client_secret:
            missing = CLIENT_SECRET_VARIABLE if client_id else CLIENT_ID_VARIABLE
            log.warning("%s is not set, so Spotify is not used; it needs both.", missing)
        return None
    return SpotifySource(
        client_id,
        client_secret,
        api_url=environ.get(API_URL_VARIABLE, "").strip() or SPOTIFY_API_URL,
        token_url=environ.get(TOKEN_URL_VARIABLE, "").strip() or SPOTIFY_TOKEN_URL,
    )


def mood_words(valence: float, energy: float) -> str:
    """The search words for a point on the valence/energy plane (0-1 each)."""
    return MOOD_WORDS[third(valence), third(energy)]


def locale(language: str) -> Locale | None:
    """Market and words for a language: None for "Any"; no market for one not in `LOCALES`."""
    if not language or language == ANY_LANGUAGE:
        return None
    return LOCALES.get(language, Locale("", language.casefold()))


def search_texts(query: Query) -> list[str]:
    """The track searches for `query`, best first: mood words, language words or artist filter.

    With an artist, the language is left to the market alone: words like "hindi" would hide the
    artist's tracks whose names lack them.
    """
    words = mood_words(query.valence, query.energy)
    artist = without_featuring(query.artist).replace('"', "").strip()
    if artist:
        return [f'artist:"{artist}" {words}', f'artist:"{artist}"']
    return [playlist_text(query)]


def journey_legs(journey: Journey, count: int) -> list[tuple[tuple[float, float], int]]:
    """The first `count` tracks of a journey as legs: each run of waypoints in one region of the
    plane (one entry of `MOOD_WORDS`, so one set of search words), as its first waypoint and
    how many tracks the journey needs up to the leg's end. Past its end, the journey stays in
    the region where it ended."""
    legs: list[tuple[tuple[float, float], int]] = []
    region = None
    for index, (valence, energy) in enumerate(journey.waypoints(count)):
        here = third(valence), third(energy)
        if here != region:
            legs.append(((float(valence), float(energy)), index + 1))
            region = here
        else:
            legs[-1] = (legs[-1][0], index + 1)
    return legs


def playlist_text(query: Query) -> str:
    """The playlist search for `query`: mood words plus language words."""
    place = locale(query.language)
    return " ".join(filter(None, [mood_words(query.valence, query.energy), place and place.words]))


class SpotifySource:
    """Tracks from Spotify's search and playlists; built once at start-up, shared by requests.

    `clock` (monotonic seconds) times the rate-limit rest and the cache; tests pass a fake one.
    """

    name = SOURCE_NAME

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        api_url: str = SPOTIFY_API_URL,
        token_url: str = SPOTIFY_TOKEN_URL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not (client_id and client_secret):  # spotipy would quietly read os.environ instead
            raise ValueError("SpotifySource needs a client id and a client secret")
        self._session = _DeadlineSession()
        self._auth = SpotifyClientCredentials(
            client_id=client_id,
            client_secret=client_secret,
            requests_session=self._session,
            requests_timeout=REQUEST_TIMEOUT_S,
            cache_handler=MemoryCacheHandler(),  # the default handler writes a .cache file
        )
        self._auth.OAUTH_TOKEN_URL = _checked_url(token_url, TOKEN_URL_VARIABLE)
        self._client = spotipy.Spotify(
            auth_manager=self._auth,
            requests_session=self._session,
            requests_timeout=REQUEST_TIMEOUT_S,
            retries=0,
            status_retries=0,
        )
        self._client.prefix = _checked_url(api_url, API_URL_VARIABLE).rstrip("/") + "/"
        self._clock = clock
        self._cache = _AnswerCache(clock)
        self._rest_until = -math.inf
        self._playlists_closed = False

    def recommend(self, query: Query) -> Answer:
        """Up to `query.limit` tracks for the mood and filters of `query`, in the order found.

        Raises `SourceUnavailable` when Spotify cannot answer or finds nothing (so the next
        source answers instead); a failure after some tracks were found returns those, with a
        notice. A journey is walked leg by leg (`journey_legs`), within the same deadline and
        request budget; one that stops short says so (`Answer.unfinished`), for the next source
        to finish.
        """
        if query.limit <= 0:
            return Answer((), SOURCE_NAME)
        self._check_rest()
        picker = _Picker(query)
        budget = _Budget(MAX_REQUESTS_PER_QUERY)
        try:
            with self._session.deadline(QUERY_DEADLINE_S):
                if query.journey is None:
                    self._gather(query, picker, budget)
                else:
                    self._walk(query, picker, budget)
        except SourceUnavailable as error:
            if not picker.tracks:
                raise
            return picker.answer(failure=str(error))
        if not picker.tracks:
            who = f" by “{picker.wanted}”" if picker.wanted else " for this mood"
            raise SourceUnavailable(f"Spotify found no tracks{who}")
        return picker.answer()

    def _walk(self, query: Query, picker: _Picker, budget: _Budget) -> None:
        """The journey's steps in order, each leg found by the words of its region; stops at
        the first leg Spotify cannot fill."""
        for (valence, energy), needed in journey_legs(query.journey, picker.total):
            picker.limit = needed
            self._gather(replace(query, valence=valence, energy=energy), picker, budget)
            if not picker.full:
                return

    def _gather(self, query: Query, picker: _Picker, budget: _Budget) -> None:
        place = locale(query.language)
        market = place.market if place else ""
        for text in search_texts(query):
            self._read_search(text, market, picker, budget)
            if picker.full:
                return
        if not picker.wanted and not self._playlists_closed:
            self._read_playlists(playlist_text(query), market, picker, budget)

    def _read_search(self, text: str, market: str, picker: _Picker, budget: _Budget) -> None:
        picker.found_by("Spotify's search for", text)
        for page in range(MAX_SEARCH_PAGES):
            answer = self._search(text, "track", market, page * PAGE_SIZE, budget)
            if answer is None:
                return
            items, more = _page(answer.get("tracks"))
            picker.offer(items)
            if picker.full or not more:
                return

    def _read_playlists(self, text: str, market: str, picker: _Picker, budget: _Budget) -> None:
        answer = self._search(text, "playlist", market, 0, budget)
        if answer is None:
            return
        found, _ = _page(answer.get("playlists"))
        ids = [p["id"] for p in found if isinstance(p, dict) and isinstance(p.get("id"), str)]
        picker.found_by("a Spotify playlist found for", text)
        for playlist_id in ids[:PLAYLISTS_TO_READ]:
            read = partial(
                self._client.playlist_items,
                playlist_id,
                limit=PAGE_SIZE,
                market=market or None,
                additional_types=("track",),
            )
            try:
                answer = self._fetch(("items", playlist_id, market), read, budget)
            except _Refused as refusal:
                if refusal.status == 404:  # gone, or Spotify's own: try the next one
                    continue
                if refusal.status == 403:
                    # Development mode reads only playlists the app's user owns, and a
                    # client-credentials app owns none: one refusal stands for all of them.
                    self._playlists_closed = True
                    return
                raise
            if answer is None:
                return
            entries, _ = _page(answer)
            picker.offer(_entry_item(entry) for entry in entries)
            if picker.full:
                return

    def _search(
        self, text: str, kind: str, market: str, offset: int, budget: _Budget
    ) -> Mapping[str, Any] | None:
        search = partial(
            self._client.search,
            q=text,
            limit=PAGE_SIZE,
            offset=offset,
            type=kind,
            market=market or None,
        )
        return self._fetch(("search", text, kind, market, offset), search, budget)

    def _fetch(
        self, key: Hashable, call: Callable[[], Any], budget: _Budget
    ) -> Mapping[str, Any] | None:
        """One Web API answer, from the cache when fresh; None once the request budget is spent."""
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        if not budget.take():
            return None
        self._check_rest()
        try:
            answer = call()
        except (SpotifyException, SpotifyOauthError) as error:
            raise self._unavailable(error) from error
        except requests.RequestException as error:
            raise SourceUnavailable(_request_fault(error)) from error
        except (KeyError, TypeError) as error:  # spotipy reading a token answer without its keys
            raise SourceUnavailable(MALFORMED) from error
        if not isinstance(answer, dict):  # spotipy returns None for a body that is not JSON
            raise SourceUnavailable(MALFORMED)
        self._cache.put(key, answer)
        return answer

    def _unavailable(self, error: SpotifyException | SpotifyOauthError) -> SourceUnavailable:
        """The plain-language failure for an HTTP error; a 429 also starts a rest."""
        if isinstance(error, SpotifyOauthError):
            code = getattr(error, "error", None)  # the JSON "error" field, when a string
            if isinstance(code, str) and code in CREDENTIAL_ERRORS:
                return SourceUnavailable(CREDENTIALS_REJECTED)
            status, headers = _oauth_response(error)
        else:
            status, headers = error.http_status, error.headers
        if status == 429:
            return self._start_rest(headers)
        if status == 401:
            self._auth.cache_handler.save_token_to_cache(None)  # ask for a fresh one next time
        return _refusal(status)

    def _start_rest(self, headers: Mapping[str, str] | None) -> SourceUnavailable:
        seconds = min(_retry_after(headers), MAX_REST_S)
        self._rest_until = self._clock() + seconds
        return SourceUnavailable(
            f"Spotify asked us to slow down; it will not be asked again for {_duration(seconds)}"
        )

    def _check_rest(self) -> None:
        left = self._rest_until - self._clock()
        if left > 0:
            raise SourceUnavailable(
                f"Spotify asked us to slow down; resting for another {_duration(left)}"
            )


class _Refused(SourceUnavailable):
    """An HTTP error status from Spotify, kept so that an optional step can skip it."""

    def __init__(self, message: str, status: int | None) -> None:
        super().__init__(message)
        self.status = status


class _Picker:
    """Collects tracks in the order found: complete, by the wanted artist, new, not too many
    by one artist (unless an artist was asked for)."""

    def __init__(self, query: Query) -> None:
        self.wanted = query.artist.strip()
        self.skip = query.offset  # the tracks earlier pages showed
        self.total = query.offset + query.limit  # the tracks to find, those pages' included
        self.limit = self.total  # the tracks to find before stopping: a journey raises it by legs
        self.query = query
        self.mood = query.mood
        self.lifted = query.lifted
        self.reason = ""  # why the tracks now being offered fit: set per search
        self.language = "" if query.language == ANY_LANGUAGE else query.language
        self.tracks: list[Track] = []
        self._seen: set[tuple[str, str]] = set()
        self._per_artist: Counter[str] = Counter()

    @property
    def full(self) -> bool:
        return len(self.tracks) >= self.limit

    def offer(self, items: Iterable[object]) -> None:
        for item in items:
            if self.full:
                return
            found = _track(item, self.language)
            if found is not None and self._fits(*found):
                self.tracks.append(replace(found[0], why=self.reason))

    def _fits(self, track: Track, names: list[str]) -> bool:
        if self.wanted and not any(artist_matches(self.wanted, n) for n in [track.artist, *names]):
            return False
        lead = normalise_name(without_featuring(names[0])) or normalise_name(names[0])
        key = (normalise_name(track.title), lead)
        if key in self._seen or (not self.wanted and self._per_artist[lead] >= MAX_PER_ARTIST):
            return False
        self._seen.add(key)
        self._per_artist[lead] += 1
        return True

    def found_by(self, how: str, text: str) -> None:
        """Say where the next tracks come from: 'Spotify's search for “sad”, ...'."""
        if self.query.journey is not None:  # the step comes first, once it is known
            self.reason = f"found by {how} “{text}”, words for this stretch of the way."
            return
        mood = f"your {self.mood} mood" if self.mood else "the mood"
        aim = f"a lift from {mood}" if self.lifted else mood
        self.reason = f"Found by {how} “{text}”, words for {aim}."

    def answer(self, failure: str = "") -> Answer:
        notices = [f"Spotify stopped part way: {failure}."] if failure else []
        if self.query.journey is not None:
            return self._journey_answer(notices)
        if not self.full and self.skip:
            found = count(len(self.tracks), "track")
            notices.append(f"No more from Spotify: its searches gave {found} for this mood.")
        elif not self.full:
            notices.append(f"Spotify found only {len(self.tracks)} matching tracks.")
        return Answer(tuple(self.tracks[self.skip :]), SOURCE_NAME, " ".join(notices))

    def _journey_answer(self, notices: list[str]) -> Answer:
        """The journey's steps found, numbered; short of them, `unfinished` asks the next
        source to finish it."""
        found = len(self.tracks)
        unfinished = found < self.total
        if unfinished and not notices:
            notices.append(f"Spotify's searches found tracks for {count(found, 'step')} only.")
        steps = [
            replace(track, step=step, why=f"{step_heading(self.query, step)}: {track.why}")
            for step, track in enumerate(self.tracks, start=1)
        ]
        return Answer(
            tuple(steps[self.skip :]),
            SOURCE_NAME,
            " ".join(notices),
            steps=self.query.journey.steps,
            unfinished=unfinished,
        )


@dataclass
class _Budget:
    """The requests a query may still make."""

    left: int

    def take(self) -> bool:
        if self.left <= 0:
            return False
        self.left -= 1
        return True


class _AnswerCache:
    """Web API answers by request, each kept `CACHE_TTL_S`; safe to share between threads."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._entries: OrderedDict[Hashable, tuple[float, Mapping[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Mapping[str, Any] | None:
        with self._lock:
            expires, answer = self._entries.get(key, (-math.inf, None))
            if expires <= self._clock():
                self._entries.pop(key, None)
                return None
            return answer

    def put(self, key: Hashable, answer: Mapping[str, Any]) -> None:
        with self._lock:
            self._entries[key] = (self._clock() + CACHE_TTL_S, answer)
            self._entries.move_to_end(key)
            while len(self._entries) > CACHE_MAX_ENTRIES:
                self._entries.popitem(last=False)


class _DeadlineSession(requests.Session):
    """A requests session whose requests wait at most until the calling thread's deadline.

    spotipy takes one timeout per request; a query makes several (the token, pages,
    playlists), so this caps each by the time the whole query has left.
    """

    def __init__(self) -> None:
        super().__init__()
        self._local = threading.local()
        # No retries and no status_forcelist: spotipy's own retrying adapter (built when it is
        # given no session) turns a 429 or 5xx into a RetryError without its Retry-After.
        adapter = HTTPAdapter(max_retries=0)
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    @contextmanager
    def deadline(self, seconds: float) -> Iterator[None]:
        self._local.until = time.monotonic() + seconds
        try:
            yield
        finally:
            self._local.until = None

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any):
        until = getattr(self._local, "until", None)
        if until is not None:
            left = until - time.monotonic()
            if left <= 0:
                raise requests.exceptions.Timeout("the query's time ran out")
            kwargs["timeout"] = min(kwargs.get("timeout") or left, left)
        return super().request(method, url, *args, **kwargs)


def _checked_url(url: str, variable: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"{variable} must be an http:// or https:// URL, not {url!r}")
    return url


def _page(page: object) -> tuple[list[object], bool]:
    """The items of a paging object and whether a next page exists; malformed -> failure."""
    if not isinstance(page, dict) or not isinstance(page.get("items"), list):
        raise SourceUnavailable(MALFORMED)
    return page["items"], bool(page.get("next"))


def _entry_item(entry: object) -> object:
    """The track of a playlist entry: `item` since 2026-02, `track` before."""
    if not isinstance(entry, dict):
        return None
    return entry.get("item") or entry.get("track")


def _track(item: object, language: str) -> tuple[Track, list[str]] | None:
    """A track object as a `Track` and its artists; None for null items, episodes and
    incomplete records."""
    if not isinstance(item, dict) or item.get("type", "track") != "track":
        return None
    title, links = item.get("name"), item.get("external_urls")
    url = links.get("spotify") if isinstance(links, dict) else None
    artists = [a.get("name") for a in item.get("artists") or () if isinstance(a, dict)]
    names = [n.strip() for n in artists if isinstance(n, str) and n.strip()]
    if not (isinstance(title, str) and title.strip() and isinstance(url, str) and url and names):
        return None
    track = Track(
        title=title.strip(),
        artist=", ".join(names),
        language=language,
        url=url,
        source=SOURCE_NAME,
        year=_year(item.get("album")),
    )
    return track, names


def _year(album: object) -> int | None:
    """The year of an album's release_date ('2019-06-01', '2019-06' or '2019')."""
    date = album.get("release_date") if isinstance(album, dict) else None
    if isinstance(date, str) and date[:4].isdigit() and int(date[:4]) > 0:
        return int(date[:4])
    return None


def _refusal(status: int | None) -> _Refused:
    if status is None:
        message = NO_TOKEN
    elif status >= 500:
        message = SERVER_FAULT.format(status=status)
    else:
        message = STATUS_MESSAGES.get(status, f"Spotify answered with HTTP {status}")
    return _Refused(message, status)


def _request_fault(error: requests.RequestException) -> str:
    return next(message for kind, message in REQUEST_FAULTS if isinstance(error, kind))


def _oauth_response(error: SpotifyOauthError) -> tuple[int | None, Mapping[str, str] | None]:
    """Status and headers of a failed token request. spotipy raises its error while handling
    requests' HTTPError, whose response keeps them; None when there was no HTTP answer."""
    response = getattr(error.__context__, "response", None)
    if response is None:
        return None, None
    return response.status_code, response.headers


def _retry_after(headers: Mapping[str, str] | None) -> float:
    """Seconds a 429 asks us to wait: Retry-After in seconds, else `DEFAULT_REST_S`."""
    try:
        seconds = float((headers or {}).get("Retry-After", ""))
    except ValueError:
        return DEFAULT_REST_S
    return DEFAULT_REST_S if math.isnan(seconds) else max(seconds, 1.0)


def _duration(seconds: float) -> str:
    """'45 seconds', '2 minutes', '1 hour': rounded up, so a rest is never under-stated."""
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = math.ceil(seconds / size - 1e-9)
            return f"{count} {unit}{'s' if count > 1 else ''}"
    count = math.ceil(seconds)
    return f"{count} second{'s' if count > 1 else ''}"
