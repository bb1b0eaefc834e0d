"""The Spotify source, driving the real spotipy client against a loopback stand-in."""

import contextlib
import re
import time
from collections import Counter
from pathlib import Path

import pytest
import requests

from catalog import spotify, tracks
from catalog.spotify import (
    CACHE_TTL_S,
    LOCALES,
    MAX_REQUESTS_PER_QUERY,
    MAX_REST_S,
    MOOD_WORDS,
    PAGE_SIZE,
    QUERY_DEADLINE_S,
    SpotifySource,
    from_environment,
)
from catalog.tracks import Answer, Query, SourceUnavailable, artist_matches, normalise_name
from tests.hub_server import closed_port_endpoint
from tests.spotify_server import (
    API_PREFIX,
    CLIENT_ID,
    CLIENT_SECRET,
    FAULTS,
    PLAYLISTS,
    SAD_HINDI_PLAYLIST_ONLY,
    TOKEN_PATH,
    SpotifyServer,
)

HAPPY = {"valence": 0.9, "energy": 0.9}
SAD = {"valence": 0.1, "energy": 0.1}
TRACK_LINK = re.compile(r"^https://open\.spotify\.com/track/\w+$")
FALLBACK_WITHIN_S = 3.0  # the app's promise: from the call to another source's answer
ALLOWED_PATHS = re.compile(rf"^({TOKEN_PATH}|/v1/search|/v1/playlists/\w+/items)$")
REMOVED_WORDS = ("recommendations", "audio-features", "audio-analysis", "top-tracks", "related")


class FakeClock:
    """Monotonic seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Backup:
    """A source that always answers, standing in for the built-in catalog."""

    name = "backup"

    def recommend(self, query: Query) -> Answer:
        return Answer((), self.name)


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch, tmp_path):
    """No proxy between the client and the stand-in; run where a stray .cache would show."""
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def server():
    with SpotifyServer() as running:
        yield running


@pytest.fixture
def source(server):
    return from_environment(server.environ())


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def timed_source(server, clock):
    """The same client, with a clock the test moves (for rests and the cache)."""
    env = server.environ()
    return SpotifySource(
        CLIENT_ID,
        CLIENT_SECRET,
        api_url=env["SPOTIFY_API_URL"],
        token_url=env["SPOTIFY_TOKEN_URL"],
        clock=clock,
    )


def secrets_of(server: SpotifyServer) -> list[str]:
    return [CLIENT_ID, CLIENT_SECRET, *server.tokens]


def lead_artist(track: tracks.Track) -> str:
    return normalise_name(re.split(r",| feat\.", track.artist)[0])


# What comes back


def test_tracks_come_with_spotify_track_links(source):
    answer = source.recommend(Query(**HAPPY, language="English"))
    assert answer.source == "Spotify" and len(answer.tracks) == 10
    for track in answer.tracks:
        assert TRACK_LINK.match(track.url), track.url
        assert track.source == "Spotify" and track.language == "English"
        assert track.title and track.artist
    years = {track.title: track.year for track in answer.tracks}
    assert years["Sunrise Parade"] == 2019  # from release_date "2019-06-01"
    assert years["Confetti Hearts"] == 2019  # from "2019"
    assert years["Sidewalk Dancer"] is None  # no release_date


def test_only_search_and_playlist_items_are_asked(source, server):
    for query in (
        Query(**HAPPY, language="English"),
        Query(**SAD, language="Hindi"),
        Query(**HAPPY, artist="Beyoncé"),
        Query(valence=0.5, energy=0.5, limit=40),
    ):
        with contextlib.suppress(SourceUnavailable):  # the stand-in has nothing "mellow"
            source.recommend(query)
    paths = [request.path for request in server.requests]
    assert any(path.endswith("/items") for path in paths)
    assert all(ALLOWED_PATHS.match(path) for path in paths), paths
    assert not any(word in path for path in paths for word in REMOVED_WORDS)


def test_stand_in_has_lost_the_removed_endpoints(source, server):
    source.recommend(Query(**HAPPY))  # gets a token issued
    headers = {"Authorization": f"Bearer {next(iter(server.tokens))}"}
    removed = {
        "recommendations?seed_genres=pop": 404,
        "audio-features?ids=abc": 403,
        "audio-analysis/abc": 403,
        "artists/abc/top-tracks?market=US": 403,
        "artists/abc/related-artists": 404,
        "tracks?ids=abc,def": 403,
        f"playlists/{PLAYLISTS[0].id}/tracks": 403,
        "search?q=happy&type=track&limit=11": 400,  # more than 10 a page
    }
    for path, status in removed.items():
        reply = requests.get(server.endpoint + API_PREFIX + path, headers=headers, timeout=2)
        assert reply.status_code == status, path


def test_search_pages_hold_ten_at_most_and_are_followed(source, server):
    answer = source.recommend(Query(**HAPPY, language="English", limit=15))
    assert len(answer.tracks) == 15
    searches = server.searches("track")
    assert all(int(search["limit"]) <= PAGE_SIZE for search in searches)
    assert [search["offset"] for search in searches][:2] == ["0", "10"]


def test_more_gives_the_next_tracks_and_each_says_where_it_was_found(source):
    first = source.recommend(Query(**HAPPY, language="English", mood="happy"))
    second = source.recommend(Query(**HAPPY, language="English", mood="happy", offset=10))
    both = source.recommend(Query(**HAPPY, language="English", mood="happy", limit=20))
    assert len(first.tracks) == 10 and second.tracks and both.tracks[:10] == first.tracks
    assert both.tracks[10 : 10 + len(second.tracks)] == second.tracks
    assert first.tracks[0].why == (
        "Found by Spotify's search for “happy upbeat english”, words for your happy mood."
    )


def test_null_items_are_skipped(source, server):
    answer = source.recommend(Query(**HAPPY, language="English"))
    token = next(iter(server.tokens))
    page = requests.get(
        f"{server.endpoint}/v1/search",
        params={"q": "happy upbeat english", "type": "track", "limit": 10, "market": "US"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=2,
    ).json()
    assert None in page["tracks"]["items"]  # the stand-in did send nulls
    assert len(answer.tracks) == 10 and all(track.title for track in answer.tracks)


def test_duplicates_are_removed(source):
    answer = source.recommend(Query(**HAPPY, language="English", limit=20))
    keys = [(normalise_name(t.title), lead_artist(t)) for t in answer.tracks]
    assert len(keys) == len(set(keys))
    assert [t.title for t in answer.tracks].count("Sunrise Parade") == 1  # served twice


def test_no_more_than_two_per_artist_without_an_artist(source):
    answer = source.recommend(Query(**HAPPY, language="English", limit=20))
    per_artist = Counter(lead_artist(track) for track in answer.tracks)
    assert per_artist["sunny parade"] == 2  # four of its songs were found
    assert max(per_artist.values()) <= 2


@pytest.mark.parametrize("typed", ["Beyoncé", "BEYONCE", "beyonce", "Beyonce feat. Somebody"])
def test_artist_filter_is_checked_on_every_track(source, server, typed):
    answer = source.recommend(Query(**HAPPY, artist=typed))
    titles = {track.title for track in answer.tracks}
    assert {"Halo Lights", "Crown of Summer", "Golden Hour Run", "Queen of Quiet"} <= titles
    assert "Dancing Like Beyoncé" not in titles  # the stand-in's loose search returned it
    assert all(artist_matches("Beyoncé", track.artist) for track in answer.tracks)
    assert all('artist:"' in search["q"] for search in server.searches("track"))
    assert "feat" not in server.searches("track")[0]["q"].casefold()


def test_unknown_artist_hands_over_to_the_next_source(source):
    with pytest.raises(SourceUnavailable, match="no tracks by “Nobody Anyone Knows”"):
        source.recommend(Query(**HAPPY, artist="Nobody Anyone Knows"))


def test_language_becomes_market_and_words(source, server):
    answer = source.recommend(Query(**HAPPY, language="Hindi"))
    searches = server.searches("track") + server.searches("playlist")
    assert searches and all(search.get("market") == "IN" for search in searches)
    assert all("hindi" in search["q"] for search in searches)
    assert {track.title for track in answer.tracks} >= {"Nacha Aaj", "Dil Ki Dhoop"}
    assert all(track.language == "Hindi" for track in answer.tracks)


def test_any_language_sends_no_market(source, server):
    answer = source.recommend(Query(**SAD, language="Any"))
    assert answer.tracks and all(track.language == "" for track in answer.tracks)
    assert all("market" not in search for search in server.searches("track"))
    found = {track.title for track in answer.tracks}
    assert {"Queen of Quiet", "Rain on Marine Drive", "Corazón Lento"} <= found  # US, IN, ES


def test_every_catalog_language_has_a_locale():
    needed = {"English", "Hindi", "Spanish", "Korean", "Japanese", "Tamil", "French"}
    needed |= {"Portuguese", "Italian", "Punjabi"}
    assert needed <= set(LOCALES)
    assert all(re.fullmatch(r"[A-Z]{2}", place.market) for place in LOCALES.values())
    assert spotify.locale("Any") is None


def test_mood_words_come_from_one_table():
    assert spotify.mood_words(0.9, 0.9) == "happy upbeat"
    assert spotify.mood_words(0.1, 0.1) == "sad"
    assert spotify.mood_words(0.1, 0.9) == "angry intense"
    assert spotify.mood_words(0.9, 0.1) == "chill calm"
    assert spotify.mood_words(0.5, 0.5) == MOOD_WORDS[1, 1]
    assert spotify.mood_words(0.0, 1.0) == "angry intense"  # the edges belong to a region
    assert len(MOOD_WORDS) == 3**2


def test_playlists_add_what_search_lacks(source, server):
    answer = source.recommend(Query(**SAD, language="Hindi"))
    titles = [track.title for track in answer.tracks]
    assert {track.title for track in SAD_HINDI_PLAYLIST_ONLY} <= set(titles)
    assert "Heartbreak Talk, ep. 4" not in titles  # a podcast episode in the playlist
    assert f"/v1/playlists/{PLAYLISTS[0].id}/items" in [r.path for r in server.requests]


def test_a_refused_playlist_is_not_asked_again(source, server):
    server.playlist_items_forbidden = True  # development mode: only the user's own playlists
    answer = source.recommend(Query(**SAD, language="Hindi"))
    assert {track.title for track in answer.tracks} == {"Rain on Marine Drive", "Khamosh Raatein"}
    source.recommend(Query(**SAD, language="Spanish"))
    assert sum(r.path.endswith("/items") for r in server.requests) == 1


def test_requests_per_query_are_capped(source, server):
    with contextlib.suppress(SourceUnavailable):  # the stand-in has nothing "mellow"
        source.recommend(Query(valence=0.5, energy=0.5, limit=50))
    assert 0 < len(server.api_requests()) <= MAX_REQUESTS_PER_QUERY


# Faults


def test_rate_limit_rests_for_retry_after(source, server):
    server.fault, server.retry_after = "429", "120"
    with pytest.raises(SourceUnavailable, match=r"slow down.*2 minutes"):
        source.recommend(Query(**HAPPY))
    server.requests.clear()
    started = time.perf_counter()
    with pytest.raises(SourceUnavailable, match=r"slow down.*resting"):
        source.recommend(Query(**SAD, language="Korean"))
    assert time.perf_counter() - started < 0.1
    assert server.requests == []


def test_a_rest_is_capped_and_then_ends(timed_source, server, clock):
    server.fault, server.retry_after = "429", "86400"  # a day
    with pytest.raises(SourceUnavailable, match="1 hour"):
        timed_source.recommend(Query(**HAPPY))
    server.fault = None
    clock.advance(MAX_REST_S - 1)
    with pytest.raises(SourceUnavailable, match="resting for another 1 second"):
        timed_source.recommend(Query(**HAPPY))
    clock.advance(2)
    assert timed_source.recommend(Query(**HAPPY)).tracks


@pytest.mark.parametrize("fault", [f for f in FAULTS if f not in ("429", "slow")])
def test_web_api_faults_become_source_unavailable(source, server, fault):
    server.fault = fault
    started = time.perf_counter()
    with pytest.raises(SourceUnavailable) as failure:
        source.recommend(Query(**HAPPY, language="English"))
    assert time.perf_counter() - started < 1
    message = str(failure.value)
    assert "Spotify" in message and "http status" not in message
    assert not any(secret in message for secret in secrets_of(server))


@pytest.mark.parametrize("fault", ["500", "not-json", "404"])
def test_token_faults_become_source_unavailable(source, server, fault):
    server.token_fault = fault
    with pytest.raises(SourceUnavailable) as failure:
        source.recommend(Query(**HAPPY))
    message = str(failure.value)
    assert not any(secret in message for secret in secrets_of(server))
    assert server.api_requests() == []


def test_wrong_credentials_are_named_without_their_values(server):
    wrong = from_environment(server.environ(SPOTIPY_CLIENT_SECRET="not-the-secret"))
    with pytest.raises(SourceUnavailable, match="SPOTIPY_CLIENT_SECRET") as failure:
        wrong.recommend(Query(**HAPPY))
    assert "not-the-secret" not in str(failure.value) and CLIENT_ID not in str(failure.value)


def test_a_refused_token_is_replaced(source, server):
    server.fault = "401"
    with pytest.raises(SourceUnavailable, match="access token"):
        source.recommend(Query(**HAPPY))
    server.fault, server.requests[:] = None, []
    assert source.recommend(Query(**SAD)).tracks
    assert server.requests[0].path == TOKEN_PATH


@pytest.mark.parametrize("where", ["fault", "token_fault"])
def test_a_slow_spotify_gives_way_within_three_seconds(source, server, where):
    setattr(server, where, "slow")
    started = time.perf_counter()
    answer = tracks.recommend([source, Backup()], Query(**HAPPY))
    elapsed = time.perf_counter() - started
    assert answer.source == "backup" and "Spotify" in answer.notice
    assert elapsed < FALLBACK_WITHIN_S
    assert not any(secret in answer.notice for secret in secrets_of(server))


def test_many_slowish_answers_still_end_by_the_deadline(source, server):
    server.fault, server.slow_s = "slow", 0.9  # each request is in time, all of them are not
    started = time.perf_counter()
    answer = source.recommend(Query(**HAPPY, language="English", limit=30))
    assert time.perf_counter() - started < QUERY_DEADLINE_S + 0.3
    assert answer.tracks and "did not answer" in answer.notice  # what came in time is kept


def test_a_fault_part_way_keeps_what_was_found(source, server):
    server.fault, server.fault_after = "503", 1  # the first search page, then errors
    answer = source.recommend(Query(**HAPPY, language="English", limit=15))
    assert 0 < len(answer.tracks) < 15
    assert "HTTP 503" in answer.notice


def test_unreachable_spotify_fails_fast(server):
    away = from_environment(server.environ(SPOTIFY_TOKEN_URL=closed_port_endpoint() + "/t"))
    started = time.perf_counter()
    with pytest.raises(SourceUnavailable, match="could not be reached"):
        away.recommend(Query(**HAPPY))
    assert time.perf_counter() - started < 1


# Cache, configuration, files


def test_the_same_query_twice_asks_once(timed_source, server, clock):
    query = Query(**SAD, language="Hindi")
    first = timed_source.recommend(query)
    asked = len(server.api_requests())
    assert timed_source.recommend(query) == first
    assert len(server.api_requests()) == asked
    clock.advance(CACHE_TTL_S + 1)
    timed_source.recommend(query)
    assert len(server.api_requests()) == 2 * asked


def test_from_environment_needs_both_credentials(server):
    assert from_environment({}) is None
    assert from_environment({"SPOTIPY_CLIENT_ID": CLIENT_ID}) is None
    assert from_environment({"SPOTIPY_CLIENT_SECRET": CLIENT_SECRET}) is None
    assert from_environment({"SPOTIPY_CLIENT_ID": " ", "SPOTIPY_CLIENT_SECRET": " "}) is None
    both = {"SPOTIPY_CLIENT_ID": CLIENT_ID, "SPOTIPY_CLIENT_SECRET": CLIENT_SECRET}
    assert isinstance(from_environment(both), SpotifySource)
    assert server.requests == []  # building the source asks nothing


def test_api_url_is_honoured_without_its_trailing_slash(server):
    bare = from_environment(server.environ(SPOTIFY_API_URL=server.endpoint + "/v1"))
    assert bare.recommend(Query(**HAPPY)).tracks


def test_a_bad_url_setting_is_named(server):
    with pytest.raises(ValueError, match="SPOTIFY_API_URL"):
        from_environment(server.environ(SPOTIFY_API_URL="api.spotify.com/v1"))


def test_no_token_file_is_written(source, tmp_path):
    source.recommend(Query(**HAPPY))
    assert Path.cwd() == tmp_path
    assert not [path.name for path in tmp_path.iterdir() if path.name.startswith(".cache")]
