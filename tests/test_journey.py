"""Lift my mood as a journey: the path, the catalog's walk along it, Spotify's legs, the chain
finishing what a source left, and what the page and the API show of it."""

import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from catalog import spotify
from catalog import tracks as catalog
from catalog.csv_source import CsvCatalog
from catalog.journey import Journey, walk
from catalog.spotify import MAX_REQUESTS_PER_QUERY, from_environment
from catalog.tracks import Answer, Query, Track
from pipeline import present
from tests.spotify_server import ENGLISH, FakeTrack, SpotifyServer

SAD_TO_BRIGHTER = Journey(start=(0.138, 0.311), end=(0.565, 0.484), steps=10, ease=1.5)
ANGRY_TO_BRIGHTER = Journey(start=(0.191, 0.65), end=(0.718, 0.61), steps=10)
CLOSE_TO_ENDS = 0.15  # the bar for the first and the last track


@pytest.fixture(scope="module")
def bundled():
    return CsvCatalog()


def along(journey: Journey, **options) -> Query:
    return Query(*journey.end, journey=journey, mood="sad", **options)


def points(answer: Answer) -> np.ndarray:
    return np.array([(t.valence, t.energy) for t in answer.tracks])


# The path


def test_waypoints_run_from_start_to_end_and_then_stay_there():
    waypoints = SAD_TO_BRIGHTER.waypoints(12)
    assert waypoints[0] == pytest.approx(SAD_TO_BRIGHTER.start)
    assert waypoints[9] == pytest.approx(SAD_TO_BRIGHTER.end)
    assert waypoints[10:] == pytest.approx(np.array([SAD_TO_BRIGHTER.end] * 2))
    assert np.all(np.diff(waypoints[:10, 0]) > 0)


def test_ease_lingers_at_the_start_and_even_steps_do_not():
    lingering = np.hypot(*np.diff(SAD_TO_BRIGHTER.waypoints(), axis=0).T)
    assert lingering[0] < lingering[-1] and np.all(np.diff(lingering) > 0)
    assert lingering.max() < 3 * lingering.mean()  # the smoothness bar holds for the path itself
    even = np.hypot(*np.diff(ANGRY_TO_BRIGHTER.waypoints(), axis=0).T)
    assert even == pytest.approx(np.full(9, ANGRY_TO_BRIGHTER.length / 9))


def test_a_shorter_journey_walks_the_same_path():
    short = SAD_TO_BRIGHTER.shortened(4)
    assert short.steps == 4 and SAD_TO_BRIGHTER.shortened(40) == SAD_TO_BRIGHTER
    assert short.waypoints()[[0, -1]] == pytest.approx(np.array([short.start, short.end]))


def test_walk_on_a_grid_picks_each_waypoints_neighbour_in_order():
    grid = np.array([(v, e) for v in np.linspace(0, 1, 21) for e in np.linspace(0, 1, 21)])
    rows = walk(grid, np.arange(len(grid)), ANGRY_TO_BRIGHTER)
    assert len(set(rows)) == 10
    gaps = np.hypot(*(grid[rows] - ANGRY_TO_BRIGHTER.waypoints()).T)
    assert gaps.max() <= math.hypot(0.025, 0.025) + 1e-9  # half a grid cell each way
    assert np.all(np.diff(grid[rows, 0]) > 0)


def test_walk_keeps_to_two_tracks_an_artist_unless_it_would_run_dry():
    rng = np.random.default_rng(7)
    cloud = rng.uniform(0, 1, (400, 2))
    leads = np.arange(400) % 3  # three artists only
    capped = walk(cloud, np.arange(400), ANGRY_TO_BRIGHTER, leads, per_artist=2)
    assert len(capped) == 10 and max(Counter(leads[capped]).values()) > 2  # had to yield
    many = np.arange(400) % 50
    capped = walk(cloud, np.arange(400), ANGRY_TO_BRIGHTER, many, per_artist=2)
    assert max(Counter(many[capped]).values()) <= 2


def test_walk_from_a_shortlist_equals_the_walk_over_everything():
    rng = np.random.default_rng(11)
    cloud = rng.uniform(0, 1, (20_000, 2))
    leads = rng.integers(0, 3000, 20_000)
    fast = walk(cloud, np.arange(20_000), SAD_TO_BRIGHTER, leads, per_artist=2)
    # The same walk with nothing left out: shortlist bigger than the pool.
    from catalog import journey

    saved = journey.MIN_SHORTLIST
    journey.MIN_SHORTLIST = 10**6
    try:
        full = walk(cloud, np.arange(20_000), SAD_TO_BRIGHTER, leads, per_artist=2)
    finally:
        journey.MIN_SHORTLIST = saved
    assert fast.tolist() == full.tolist()


def test_a_pool_smaller_than_the_journey_walks_all_of_it():
    few = np.array([(0.5, 0.5), (0.2, 0.6), (0.7, 0.6)])
    assert walk(few, np.arange(3), ANGRY_TO_BRIGHTER).tolist() == [1, 0, 2]
    assert walk(few, np.arange(0), ANGRY_TO_BRIGHTER).tolist() == []


# The catalog's journey


def test_the_catalog_walks_from_the_mood_read_to_the_destination(bundled):
    answer = bundled.recommend(along(SAD_TO_BRIGHTER))
    assert [t.step for t in answer.tracks] == list(range(1, 11)) and answer.steps == 10
    where = points(answer)
    assert math.dist(where[0], SAD_TO_BRIGHTER.start) <= CLOSE_TO_ENDS
    assert math.dist(where[-1], SAD_TO_BRIGHTER.end) <= CLOSE_TO_ENDS
    assert pd.Series(where[:, 0]).corr(pd.Series(np.arange(10.0)), method="spearman") >= 0.8
    steps = np.hypot(*np.diff(where, axis=0).T)
    assert steps.max() <= 3 * steps.mean()
    assert max(Counter(t.artist for t in answer.tracks).values()) <= 2
    assert answer.tracks[0].why.startswith("Step 1 of 10 on a gentle lift from your sad mood: ")
    assert answer.tracks[0].why.endswith("where it starts.")
    assert answer.tracks[-1].why.endswith("where it ends.")
    assert bundled.recommend(along(SAD_TO_BRIGHTER)) == answer  # the same ask, the same walk


def test_pages_go_on_along_the_journey_then_stay_where_it_ended(bundled):
    whole = bundled.recommend(along(SAD_TO_BRIGHTER)).tracks
    first = bundled.recommend(along(SAD_TO_BRIGHTER, limit=4)).tracks
    second = bundled.recommend(along(SAD_TO_BRIGHTER, limit=4, offset=4)).tracks
    assert first + second == whole[:8]
    arrived = bundled.recommend(along(SAD_TO_BRIGHTER, offset=10)).tracks
    assert [t.step for t in arrived] == list(range(11, 21))
    assert not {t.title for t in arrived} & {t.title for t in whole}
    end = np.array(SAD_TO_BRIGHTER.end)
    assert np.hypot(*(points(Answer(arrived, "")) - end).T).mean() < 0.15
    assert all(t.why.startswith("Past the end of a gentle lift") for t in arrived)


def test_a_filter_that_leaves_few_tracks_makes_a_shorter_journey_and_says_so(bundled):
    answer = bundled.recommend(along(SAD_TO_BRIGHTER, artist="stromae"))
    assert len(answer.tracks) == 3 and answer.steps == 3
    assert {t.artist for t in answer.tracks} == {"Stromae"}
    assert answer.notice == (
        "Only 3 tracks match these filters, so the journey takes 3 steps, not 10."
    )
    assert answer.tracks[-1].why.startswith("Step 3 of 3 on a gentle lift")
    assert np.all(np.diff(SAD_TO_BRIGHTER.progress(points(answer))) >= 0)  # in order along it
    piaf = bundled.recommend(along(SAD_TO_BRIGHTER, artist="Édith Piaf"))
    assert "the journey takes 1 step, not 10" in piaf.notice


def test_the_language_filter_stays_exact_on_a_journey(bundled):
    for language in bundled.languages:
        answer = bundled.recommend(along(ANGRY_TO_BRIGHTER, language=language))
        assert len(answer.tracks) == 10 and {t.language for t in answer.tracks} == {language}


# The chain finishes what a source left


class HalfWay:
    """A source that walks the first three steps of any journey, then stops short."""

    name = "Half Way"

    def recommend(self, query: Query) -> Answer:
        found = tuple(
            Track(f"song {step}", "someone", "", "u", self.name, step=step)
            for step in range(query.offset + 1, min(query.offset + query.limit, 3) + 1)
        )
        return Answer(found, self.name, "Half Way got tired.", steps=10, unfinished=True)


def test_the_next_source_finishes_a_journey_left_short(bundled):
    answer = catalog.recommend([HalfWay(), bundled], along(SAD_TO_BRIGHTER))
    assert [t.step for t in answer.tracks] == list(range(1, 11))
    assert [t.source for t in answer.tracks] == ["Half Way"] * 3 + ["built-in catalog"] * 7
    assert answer.source == "Half Way, then the built-in catalog"
    said = "Half Way got tired. The built-in catalog finished the journey from step 4."
    assert answer.notice == said
    alone = catalog.recommend([HalfWay()], along(SAD_TO_BRIGHTER))
    assert len(alone.tracks) == 3  # nobody to finish it: what there is


# Spotify walks the journey leg by leg


def test_a_journey_crosses_regions_of_the_plane_in_order():
    legs = spotify.journey_legs(SAD_TO_BRIGHTER, 12)
    words = [spotify.mood_words(*point) for point, _ in legs]
    assert words == ["sad", "melancholy", "mellow"]
    assert [needed for _, needed in legs] == [3, 6, 12]


def _region_tracks() -> tuple[FakeTrack, ...]:
    """Four songs for each region of a sad-to-brighter lift, each by its own artist."""
    return tuple(
        FakeTrack(f"{words.title()} Song {n}", (f"{words.title()} Singer {n}",), ENGLISH, words)
        for words in ("sad", "melancholy", "mellow")
        for n in range(4)
    )


@pytest.fixture
def loopback(monkeypatch):
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


def test_spotify_walks_a_journey_with_one_search_a_leg(loopback):
    with SpotifyServer(tracks=_region_tracks(), playlists=()) as server:
        answer = from_environment(server.environ()).recommend(along(SAD_TO_BRIGHTER))
        searched = [search["q"] for search in server.searches("track")]
        assert len(server.api_requests()) <= MAX_REQUESTS_PER_QUERY
    assert searched == ["sad", "melancholy", "mellow"]
    assert not answer.unfinished and answer.steps == 10 and answer.notice == ""
    regions = [t.title.split()[0].casefold() for t in answer.tracks]
    assert regions == ["sad"] * 3 + ["melancholy"] * 3 + ["mellow"] * 4
    assert [t.step for t in answer.tracks] == list(range(1, 11))
    assert answer.tracks[3].why == (
        "Step 4 of 10 on a gentle lift from your sad mood: found by Spotify's search for "
        "“melancholy”, words for this stretch of the way."
    )


def test_when_spotify_fails_midway_the_catalog_finishes_the_journey(loopback, bundled):
    with SpotifyServer(tracks=_region_tracks(), playlists=()) as server:
        server.fault, server.fault_after = "503", 1  # the first leg's search, then errors
        source = from_environment(server.environ())
        answer = catalog.recommend([source, bundled], along(SAD_TO_BRIGHTER))
    assert [t.source for t in answer.tracks] == ["Spotify"] * 3 + ["built-in catalog"] * 7
    assert [t.step for t in answer.tracks] == list(range(1, 11))
    assert answer.notice.startswith("Spotify stopped part way: Spotify's servers had a problem")
    assert "The built-in catalog finished the journey from step 4." in answer.notice
    assert answer.source == "Spotify, then the built-in catalog"


def test_spotify_that_runs_out_of_words_hands_the_rest_over(loopback, bundled):
    with SpotifyServer() as server:  # the usual stand-in has nothing "melancholy"
        source = from_environment(server.environ())
        answer = catalog.recommend([source, bundled], along(SAD_TO_BRIGHTER))
    assert [t.source for t in answer.tracks].count("Spotify") == 3
    assert "Spotify's searches found tracks for 3 steps only." in answer.notice
    assert len(answer.tracks) == 10


# What the page and the API show (no face is read: a mood set by hand on a faceless photo)


class NoFaces:
    name = "none"

    def detect(self, rgb):
        return []


@pytest.fixture(scope="module")
def recommender(bundled):
    from pipeline import recommend

    return recommend.Recommender(NoFaces(), None, [bundled], bundled.languages)


def test_the_record_numbers_each_step_and_names_the_destination(recommender, faceless):
    result = recommender.recommend(faceless, mood_override="sad", strategy="lift")
    record = present.record(result)
    assert [t["step"] for t in record["tracks"]] == list(range(1, 11))
    journey = record["journey"]
    assert journey["start"] == record["mood"]["read"]
    assert journey["destination"] == {
        "valence": record["mood"]["valence"],
        "energy": record["mood"]["energy"],
    }
    assert journey["steps"] == 10 and journey["arrived"]
    assert "Lifting the mood: a 10-track journey from sad to brighter" in present.status(result)
    matched = present.record(recommender.recommend(faceless, mood_override="sad"))
    assert matched["journey"] is None and {t["step"] for t in matched["tracks"]} == {None}


def test_more_tracks_goes_on_along_the_journey_then_says_it_has_arrived(recommender, faceless):
    ask = dict(mood_override="sad", strategy="lift", limit=5)
    first = recommender.recommend(faceless, **ask)
    assert "steps 1-5 of a 10-track journey from sad to brighter (More tracks goes on)" in (
        present.status(first)
    )
    assert not present.record(first)["journey"]["arrived"]
    second = recommender.recommend(faceless, **ask, page=1)
    assert [t.step for t in second.tracks] == [6, 7, 8, 9, 10]
    assert present.record(second)["journey"]["arrived"]
    third = recommender.recommend(faceless, **ask, page=2)
    assert "arrived; more tracks near where the journey ended" in present.status(third)
    nobody = present.status(recommender.recommend(faceless, **ask, artist="Nobody Byname"))
    assert " Lifting the mood. 0 tracks" in nobody and "No tracks by “Nobody Byname”" in nobody


def test_a_bright_mood_is_already_there(recommender, faceless):
    result = recommender.recommend(faceless, mood_override="happy", strategy="lift")
    assert "Already bright: matched" in present.status(result) and result.journey is None


def test_the_plot_draws_the_journey_through_the_tracks_in_play_order(recommender, faceless):
    from pipeline.present import AIM_POINT, JOURNEY_DOT_SPACING, JOURNEY_POINT, TRACK_POINT

    result = recommender.recommend(faceless, mood_override="angry", strategy="lift")
    plot = present.plot(result)
    line = plot[plot["point"] == JOURNEY_POINT][["valence", "energy"]].to_numpy()
    assert line[0] == pytest.approx(result.mood.read, abs=1e-3)
    assert line[-1] == pytest.approx(result.mood.destination, abs=1e-3)
    assert np.hypot(*np.diff(line, axis=0).T).max() <= JOURNEY_DOT_SPACING + 1e-3  # no gaps
    # Every track lies on the line, and the line meets them in play order.
    on_line = [int(np.argmin(np.hypot(*(line - (t.valence, t.energy)).T))) for t in result.tracks]
    assert all(
        np.hypot(*(line[i] - (t.valence, t.energy))) < 1e-3
        for i, t in zip(on_line, result.tracks, strict=True)
    )
    assert on_line == sorted(on_line)
    names = plot[plot["point"] == TRACK_POINT]["name"].tolist()
    assert names[0].startswith("1. ") and names[-1].startswith("10. ")
    assert plot[plot["point"] == AIM_POINT]["name"].tolist() == ["where the lift ends"]


def test_spotify_steps_sit_on_the_plot_where_their_search_aimed(loopback, bundled, faceless):
    from pipeline import recommend
    from pipeline.present import TRACK_POINT

    with SpotifyServer() as server:
        chain = [from_environment(server.environ()), bundled]
        live = recommend.Recommender(NoFaces(), None, chain, bundled.languages)
        result = live.recommend(faceless, mood_override="sad", strategy="lift")
    assert result.source == "Spotify, then the built-in catalog"
    assert "from Spotify, then the built-in catalog" in present.status(result)
    plot = present.plot(result)
    tracks_drawn = plot[plot["point"] == TRACK_POINT]
    assert len(tracks_drawn) == 10
    first = tracks_drawn.iloc[0]
    assert "Spotify gives no valence" in first["name"]
    assert (first["valence"], first["energy"]) == pytest.approx(result.journey.waypoint(0))
