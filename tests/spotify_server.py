"""A loopback stand-in for Spotify's accounts service and Web API, as a development-mode app
sees them in 2026.

It answers the client-credentials token request (`POST /api/token`), `GET /v1/search` (track and
playlist; `limit` at most 10, `offset`, `market`, the `artist:` and `track:` filters) and
`GET /v1/playlists/{id}/items`, with the JSON shapes of the Web API reference, null items
included. Removed endpoints answer 404 or 403. Its search is deliberately as loose as the real
one: `artist:"x"` also matches a title naming x, so the client has to check every hit.

`fault` (Web API) and `token_fault` (token endpoint) switch on one of `FAULTS`; every request is
kept in `requests`, so tests can assert what was, and was not, asked for.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import threading
import unicodedata
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit

CLIENT_ID = "test-client-id-4f1c"
CLIENT_SECRET = "test-client-secret-9a7e"
TOKEN_PATH = "/api/token"
API_PREFIX = "/v1/"
SEARCH_MAX_LIMIT = 10  # development mode since 2026-02: a larger limit is a 400
ITEMS_MAX_LIMIT = 50
NULL_EVERY = 5  # every 5th result, the first included, is null, as the real search sends some
TOKEN_LIFETIME_S = 3600
SHUTDOWN_POLL_S = 0.05  # seconds between checks for shutdown: each test's teardown waits one
SLOW_S = 5.0  # seconds a "slow" answer takes: longer than the client's request timeout
FAULTS = ("429", "401", "403", "404", "500", "503", "not-json", "slow")
REMOVED = (  # (path pattern, status) for endpoints a development-mode app no longer has
    (re.compile(r"^/v1/recommendations(/.*)?$"), 404),
    (re.compile(r"^/v1/audio-features(/.*)?$"), 403),
    (re.compile(r"^/v1/audio-analysis(/.*)?$"), 403),
    (re.compile(r"^/v1/artists/[^/]+/top-tracks$"), 403),
    (re.compile(r"^/v1/artists/[^/]+/related-artists$"), 404),
    (re.compile(r"^/v1/(tracks|artists|albums)$"), 403),  # batch GETs (?ids=...)
    (re.compile(r"^/v1/playlists/[^/]+/tracks$"), 403),  # renamed to /items in 2026-02
)
_QUERY_TERM = re.compile(r'(\w+):"([^"]*)"|(\w+):(\S+)|(\S+)')


@dataclass(frozen=True)
class FakeTrack:
    title: str
    artists: tuple[str, ...]
    markets: tuple[str, ...]
    tags: str  # words the fake search matches besides names, standing in for Spotify's relevance
    release_date: str = "2021-05-14"

    @property
    def id(self) -> str:
        digest = hashlib.sha1(f"{self.title}|{self.artists}|{self.release_date}".encode())
        return digest.hexdigest()[:22]


@dataclass(frozen=True)
class FakePlaylist:
    id: str
    name: str
    description: str
    tracks: tuple[FakeTrack | str | None, ...]  # str: a podcast episode; None: a removed track


ENGLISH = ("US", "GB")


def _english(title: str, artists: tuple[str, ...], date: str = "2021-05-14") -> FakeTrack:
    return FakeTrack(title, artists, ENGLISH, "happy upbeat english", date)


HAPPY_ENGLISH = (
    _english("Sunrise Parade", ("Sunny Parade",), "2019-06-01"),
    _english("Confetti Hearts", ("Sunny Parade",), "2019"),
    _english("Bright Side Up", ("Sunny Parade",), "2020-02"),
    _english("Good Day Machine", ("Sunny Parade",)),
    _english("Sunrise Parade", ("sunny parade",), "2019-06-01"),  # the same song, re-released
    _english("Lemon Skies", ("Kofi Lane",)),
    _english("Sidewalk Dancer", ("Kofi Lane",), ""),
    _english("Golden Hour Run", ("Kofi Lane feat. Beyoncé",)),
    _english("Dancing Like Beyoncé", ("Tara Quinn",)),
    _english("Paper Planes Up", ("Tara Quinn",)),
    _english("Crown of Summer", ("Mira Sol", "Beyoncé")),
    _english("Open Window", ("Mira Sol",)),
    _english("Halo Lights", ("Beyoncé",)),
    _english("Runway Sun", ("Beyoncé",)),
    _english("Harbor Glow", ("Echo Harbor",)),
    _english("Little Fireworks", ("Echo Harbor",)),
    _english("Weekend Forever", ("The Weekend Club",)),
    _english("Saturday Loop", ("The Weekend Club",)),
    _english("Bay Breeze", ("Nova Bay",)),
    _english("Tidal High", ("Nova Bay",)),
    _english("Ray of Light Show", ("Lumen Ray",)),
    _english("Glow Up Again", ("Lumen Ray",)),
)
OTHER_TRACKS = (
    FakeTrack("Queen of Quiet", ("Beyoncé",), ENGLISH, "sad english", "2016-04-23"),
    FakeTrack("Rain on Marine Drive", ("Arjun Mehra",), ("IN",), "sad hindi", "2018-08-15"),
    FakeTrack("Khamosh Raatein", ("Arjun Mehra",), ("IN",), "sad hindi", "2017"),
    FakeTrack("Nacha Aaj", ("Arjun Mehra", "Priya Das"), ("IN",), "happy upbeat hindi"),
    FakeTrack("Dil Ki Dhoop", ("Priya Das",), ("IN",), "happy upbeat hindi"),
    FakeTrack("Sol de Enero", ("Lucía Ortega",), ("ES", "MX"), "happy upbeat spanish"),
    FakeTrack("Corazón Lento", ("Lucía Ortega",), ("ES", "MX"), "sad spanish"),
    FakeTrack("Byeol Bit", ("Haneul",), ("KR",), "chill calm korean"),
    FakeTrack("Natsu no Sora", ("Aoi Sato",), ("JP",), "happy upbeat japanese"),
)
SAD_HINDI_PLAYLIST_ONLY = (  # tagged so that only the playlist finds them
    FakeTrack("Yaadon Ki Baarish", ("Kabir Rao",), ("IN",), "hindi ballad", "2015-01-09"),
    FakeTrack("Tanha Safar", ("Meera Iyer",), ("IN",), "hindi ballad", "2014"),
    FakeTrack("Khali Kamra", ("Kabir Rao",), ("IN",), "hindi ballad"),
)
TRACKS = HAPPY_ENGLISH + OTHER_TRACKS + SAD_HINDI_PLAYLIST_ONLY
PLAYLISTS = (
    FakePlaylist(
        "37i9sadhindi0000000001",
        "Sad Hindi Evenings",
        "slow sad hindi songs for rainy nights",
        (SAD_HINDI_PLAYLIST_ONLY[0], None, "Heartbreak Talk, ep. 4", *SAD_HINDI_PLAYLIST_ONLY[1:]),
    ),
    FakePlaylist(
        "37i9happyenglish000002",
        "Happy Upbeat Hits",
        "happy upbeat english pop",
        HAPPY_ENGLISH[:6],
    ),
)


class Request(NamedTuple):
    method: str
    path: str
    params: dict[str, str]


class SpotifyServer:
    """Serves `tracks` and `playlists` on 127.0.0.1 (a free port) while used as a context."""

    def __init__(
        self,
        tracks: tuple[FakeTrack, ...] = TRACKS,
        playlists: tuple[FakePlaylist, ...] = PLAYLISTS,
    ) -> None:
        self.tracks = tracks
        self.playlists = playlists
        self.requests: list[Request] = []
        self.tokens: set[str] = set()
        self.fault: str | None = None  # one of FAULTS, for the Web API
        self.token_fault: str | None = None  # one of FAULTS, for the token endpoint
        self.fault_after = 0  # Web API requests answered normally before `fault` starts
        self.retry_after = "120"  # the Retry-After a "429" fault sends, in seconds
        self.slow_s = SLOW_S
        self.playlist_items_forbidden = False  # dev mode: items only of the user's playlists
        self._api_requests = 0
        self._closing = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(SHUTDOWN_POLL_S,), daemon=True
        )

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def environ(self, **overrides: str) -> dict[str, str]:
        """Settings for `catalog.spotify.from_environment` that point at this server."""
        return {
            "SPOTIPY_CLIENT_ID": CLIENT_ID,
            "SPOTIPY_CLIENT_SECRET": CLIENT_SECRET,
            "SPOTIFY_API_URL": self.endpoint + API_PREFIX,
            "SPOTIFY_TOKEN_URL": self.endpoint + TOKEN_PATH,
            **overrides,
        }

    def api_requests(self) -> list[Request]:
        return [r for r in self.requests if r.path != TOKEN_PATH]

    def searches(self, kind: str = "track") -> list[dict[str, str]]:
        """The parameters of every search for `kind` items, in order."""
        return [
            r.params
            for r in self.requests
            if r.path == "/v1/search" and r.params.get("type") == kind
        ]

    def __enter__(self) -> SpotifyServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing.set()  # wakes any "slow" answer still sleeping
        self._server.shutdown()
        self._server.server_close()

    # Answers: each returns (status, body, headers); a bytes body is sent as it is.

    def answer(self, method: str, path: str, params: dict[str, str], headers: Any) -> tuple:
        if path == TOKEN_PATH:
            return self._faulty(self.token_fault) or self._token(method, params, headers)
        self._api_requests += 1
        if self._api_requests > self.fault_after and (failure := self._faulty(self.fault)):
            return failure
        if headers.get("Authorization", "").removeprefix("Bearer ") not in self.tokens:
            return _error(401, "Invalid access token")
        for pattern, status in REMOVED:
            if pattern.match(path):
                return _error(status, "Forbidden" if status == 403 else "Service not found")
        if method == "GET" and path == "/v1/search":
            return self._search(params)
        if method == "GET" and (found := re.fullmatch(r"/v1/playlists/([^/]+)/items", path)):
            return self._playlist_items(found[1], params)
        return _error(404, "Service not found")

    def _faulty(self, fault: str | None) -> tuple | None:
        if fault is None:
            return None
        if fault == "slow":
            self._closing.wait(self.slow_s)
            return None
        if fault == "not-json":
            return 200, b"<html><body>Upstream proxy error</body></html>", {}
        if fault == "429":
            return (*_error(429, "API rate limit exceeded")[:2], {"Retry-After": self.retry_after})
        return _error(int(fault), "Simulated fault")

    def _token(self, method: str, form: dict[str, str], headers: Any) -> tuple:
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if method != "POST":
            return _error(405, "Method not allowed")
        if headers.get("Authorization") != f"Basic {expected}":
            return 400, {"error": "invalid_client", "error_description": "Invalid client"}, {}
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type", "error_description": "grant_type"}, {}
        token = secrets.token_urlsafe(24)
        self.tokens.add(token)
        return (
            200,
            {"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME_S},
            {},
        )

    def _search(self, params: dict[str, str]) -> tuple:
        kinds = params.get("type", "").split(",")
        if not params.get("q"):
            return _error(400, "No search query")
        if not params.get("type") or not set(kinds) <= {"track", "playlist"}:
            return _error(400, "Bad search type field")
        limit, offset = _paging(params, SEARCH_MAX_LIMIT)
        if limit is None:
            return _error(400, "Invalid limit")
        if offset is None:
            return _error(400, "Invalid offset")
        market = params.get("market")
        if market is not None and not re.fullmatch(r"[A-Z]{2}", market):
            return _error(400, "Invalid market code")
        words, filters = _parse_query(params["q"])
        body = {}
        if "track" in kinds:
            found = [t for t in self.tracks if _track_matches(t, words, filters, market)]
            body["tracks"] = self._paged("search", params, found, limit, offset, _track_json)
        if "playlist" in kinds:
            found = [p for p in self.playlists if _words_in(words, f"{p.name} {p.description}")]
            body["playlists"] = self._paged("search", params, found, limit, offset, _playlist_json)
        return 200, body, {}

    def _playlist_items(self, playlist_id: str, params: dict[str, str]) -> tuple:
        playlist = next((p for p in self.playlists if p.id == playlist_id), None)
        if playlist is None:
            return _error(404, "Resource not found")
        if self.playlist_items_forbidden:
            return _error(403, "Forbidden")
        limit, offset = _paging(params, ITEMS_MAX_LIMIT)
        if limit is None or offset is None:
            return _error(400, "Invalid limit" if limit is None else "Invalid offset")
        page = self._paged(
            f"playlists/{playlist_id}/items",
            params,
            list(playlist.tracks),
            limit,
            offset,
            _entry_json,
        )
        return 200, page, {}

    def _paged(self, path: str, params: dict, items: list, limit: int, offset: int, render) -> dict:
        if path == "search":  # the real search pads its results with nulls now and then
            items = _with_nulls(items)
        window = items[offset : offset + limit]
        after = offset + limit
        url = f"{self.endpoint}/v1/{path}?"
        return {
            "href": url + urlencode({**params, "offset": offset, "limit": limit}),
            "items": [render(item) if item is not None else None for item in window],
            "limit": limit,
            "next": url + urlencode({**params, "offset": after, "limit": limit})
            if after < len(items)
            else None,
            "offset": offset,
            "previous": url + urlencode({**params, "offset": max(offset - limit, 0)})
            if offset
            else None,
            "total": len(items),
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        spotify = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                self._respond()

            def do_POST(self) -> None:
                self._respond()

            def _respond(self) -> None:
                url = urlsplit(self.path)
                params = dict(parse_qsl(url.query))
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    params.update(parse_qsl(self.rfile.read(length).decode()))
                spotify.requests.append(Request(self.command, url.path, params))
                status, body, headers = spotify.answer(self.command, url.path, params, self.headers)
                is_json = not isinstance(body, bytes)
                data = json.dumps(body).encode() if is_json else body
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json" if is_json else "text/html")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting
                    pass

        return Handler


def _error(status: int, message: str) -> tuple:
    return status, {"error": {"status": status, "message": message}}, {}


def _paging(params: dict[str, str], most: int) -> tuple[int | None, int | None]:
    """`limit` (1 to `most`) and `offset` (0 or more) of a request; None for an invalid one."""
    try:
        limit = int(params.get("limit", "10"))
    except ValueError:
        limit = -1
    try:
        offset = int(params.get("offset", "0"))
    except ValueError:
        offset = -1
    return (limit if 1 <= limit <= most else None), (offset if offset >= 0 else None)


def _fold(text: str) -> str:
    """Case- and accent-blind form, as Spotify's search treats names."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _words_in(words: list[str], text: str) -> bool:
    present = set(re.findall(r"\w+", _fold(text)))
    return all(word in present for word in words)


def _parse_query(q: str) -> tuple[list[str], dict[str, str]]:
    """Free words and field filters (`artist:"a b"`, `track:x`) of a search query."""
    words, filters = [], {}
    for quoted_field, quoted, field, value, word in _QUERY_TERM.findall(q):
        if quoted_field or field:
            filters[(quoted_field or field).lower()] = _fold(quoted or value)
        else:
            words += re.findall(r"\w+", _fold(word))
    return words, filters


def _track_matches(track: FakeTrack, words: list[str], filters: dict, market: str | None) -> bool:
    names = " ".join(track.artists)
    if market and market not in track.markets:
        return False
    if "artist" in filters and filters["artist"] not in _fold(f"{names} {track.title}"):
        return False  # loose on purpose: a title naming the artist matches too
    if "track" in filters and filters["track"] not in _fold(track.title):
        return False
    return _words_in(words, f"{track.title} {names} {track.tags}")


def _with_nulls(items: list) -> list:
    """`items` with a null before every `NULL_EVERY - 1` of them."""
    padded: list = []
    for item in items:
        if len(padded) % NULL_EVERY == 0:
            padded.append(None)
        padded.append(item)
    return padded


def _track_json(track: FakeTrack) -> dict:
    album_id = hashlib.sha1(track.title.encode()).hexdigest()[:22]
    precision = {10: "day", 7: "month", 4: "year"}.get(len(track.release_date), "day")
    return {
        "album": {
            "album_type": "single",
            "id": album_id,
            "name": track.title,
            "release_date": track.release_date,
            "release_date_precision": precision,
            "type": "album",
            "uri": f"spotify:album:{album_id}",
        },
        "artists": [_artist_json(name) for name in track.artists],
        "disc_number": 1,
        "duration_ms": 201_000,
        "explicit": False,
        "external_urls": {"spotify": f"https://open.spotify.com/track/{track.id}"},
        "href": f"https://api.spotify.com/v1/tracks/{track.id}",
        "id": track.id,
        "is_local": False,
        "name": track.title,
        "track_number": 1,
        "type": "track",
        "uri": f"spotify:track:{track.id}",
    }


def _artist_json(name: str) -> dict:
    artist_id = hashlib.sha1(name.encode()).hexdigest()[:22]
    return {
        "external_urls": {"spotify": f"https://open.spotify.com/artist/{artist_id}"},
        "id": artist_id,
        "name": name,
        "type": "artist",
        "uri": f"spotify:artist:{artist_id}",
    }


def _playlist_json(playlist: FakePlaylist) -> dict:
    items = {"href": f"https://api.spotify.com/v1/playlists/{playlist.id}/items", "total": 0}
    return {
        "collaborative": False,
        "description": playlist.description,
        "external_urls": {"spotify": f"https://open.spotify.com/playlist/{playlist.id}"},
        "id": playlist.id,
        "items": {**items, "total": len(playlist.tracks)},
        "name": playlist.name,
        "owner": {"display_name": "someone else", "id": "someoneelse", "type": "user"},
        "public": True,
        "type": "playlist",
        "uri": f"spotify:playlist:{playlist.id}",
    }


def _entry_json(track: FakeTrack | str | None) -> dict:
    """A playlist entry: the track under `item` (since 2026-02) and, deprecated, `track`."""
    body = _track_json(track) if isinstance(track, FakeTrack) else _episode_json(track)
    return {"added_at": "2024-01-01T00:00:00Z", "is_local": False, "item": body, "track": body}


def _episode_json(name: str | None) -> dict | None:
    if name is None:
        return None
    episode_id = hashlib.sha1(name.encode()).hexdigest()[:22]
    return {
        "external_urls": {"spotify": f"https://open.spotify.com/episode/{episode_id}"},
        "id": episode_id,
        "name": name,
        "type": "episode",
        "uri": f"spotify:episode:{episode_id}",
    }
