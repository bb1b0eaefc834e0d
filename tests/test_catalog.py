import re
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from catalog import tracks
from catalog.csv_source import BUNDLED_CATALOG, CatalogError, CsvCatalog
from catalog.tracks import Answer, Query, SourceUnavailable, Track

REQUIRED_LANGUAGES = {
    "English",
    "Hindi",
    "Spanish",
    "Korean",
    "Japanese",
    "Tamil",
    "French",
    "Portuguese",
}
MOOD_TAGS = {"happy", "energetic", "calm", "sad", "intense", "romantic"}


@pytest.fixture(scope="module")
def catalog():
    return CsvCatalog()


def test_bundled_catalog_is_complete():
    table = pd.read_csv(BUNDLED_CATALOG)
    assert list(table.columns) == [
        "title",
        "artist",
        "language",
        "year",
        "moods",
        "valence",
        "energy",
        "url",
    ]
    assert len(table) >= 300
    assert not table.isna().any().any()
    assert set(table["language"]) >= REQUIRED_LANGUAGES
    assert table["language"].nunique() >= 8
    assert not table.duplicated(["title", "artist"]).any()
    assert table["year"].between(1900, 2026).all()
    assert table[["valence", "energy"]].stack().between(0, 1).all()
    assert all(set(m.split(";")) <= MOOD_TAGS for m in table["moods"])
    assert table["url"].str.match(r"^https://open\.spotify\.com/(search|track)/\S+$").all()


def test_every_language_spans_the_mood_plane():
    table = pd.read_csv(BUNDLED_CATALOG)
    for language, rows in table.groupby("language"):
        assert rows["valence"].min() < 0.35 < 0.65 < rows["valence"].max(), language
        assert rows["energy"].min() < 0.35 < 0.65 < rows["energy"].max(), language


def test_ranks_by_distance_to_the_target(catalog):
    answer = catalog.recommend(Query(valence=0.9, energy=0.8, limit=10))
    assert len(answer.tracks) == 10 and answer.source == "built-in catalog"
    distances = [np.hypot(t.valence - 0.9, t.energy - 0.8) for t in answer.tracks]
    everything = catalog._points
    tenth_nearest = np.sort(np.hypot(*(everything - (0.9, 0.8)).T))[9]
    assert max(distances) <= tenth_nearest + 0.15  # diversity may skip a few, not many
    sad = catalog.recommend(Query(valence=0.1, energy=0.25))
    assert np.mean([t.valence for t in sad.tracks]) < 0.35


def test_at_most_two_tracks_per_artist(catalog):
    for valence, energy in [(0.9, 0.8), (0.1, 0.2), (0.5, 0.5), (0.2, 0.9)]:
        answer = catalog.recommend(Query(valence, energy, limit=20))
        assert max(Counter(t.artist for t in answer.tracks).values()) <= 2


def test_language_filter_is_exact(catalog):
    for language in catalog.languages:
        answer = catalog.recommend(Query(0.5, 0.5, language=language))
        assert answer.tracks and {t.language for t in answer.tracks} == {language}


def test_any_language_is_case_blind(catalog):
    assert len(catalog.recommend(Query(0.5, 0.5, language="any")).tracks) == 10


def test_accented_artist_found_without_accents(catalog):
    answer = catalog.recommend(Query(0.5, 0.5, artist="edith piaf"))
    assert answer.tracks and {t.artist for t in answer.tracks} == {"Édith Piaf"}


def test_unknown_language_is_not_dropped_but_explained(catalog):
    answer = catalog.recommend(Query(0.5, 0.5, language="Klingon"))
    assert answer.tracks == ()
    assert "no Klingon tracks; it has English, French" in answer.notice


def test_artist_filter_forgives_case_and_accents(catalog):
    table = pd.read_csv(BUNDLED_CATALOG)
    artist = table["artist"].iloc[0]
    answer = catalog.recommend(Query(0.5, 0.5, artist=artist.upper()))
    assert answer.tracks and all(tracks.artist_matches(artist, t.artist) for t in answer.tracks)
    assert answer.notice == "" or "Only" in answer.notice


def test_unknown_artist_is_not_dropped_but_explained(catalog):
    answer = catalog.recommend(Query(0.5, 0.5, artist="Nobody Byname"))
    assert answer.tracks == ()
    assert "No tracks by “Nobody Byname”" in answer.notice
    in_korean = catalog.recommend(Query(0.5, 0.5, artist="Édith Piaf", language="Korean"))
    assert in_korean.tracks == () and "No Korean tracks by “Édith Piaf”" in in_korean.notice


def test_filter_that_leaves_few_tracks_shows_them_and_says_so(catalog):
    answer = catalog.recommend(Query(0.5, 0.5, artist="Édith Piaf", limit=10))
    assert 0 < len(answer.tracks) < 10
    shown = tracks.count(len(answer.tracks), "track")
    assert answer.notice.startswith(f"Only {shown} match") and "these filters" in answer.notice


def test_band_names_with_separators_and_punctuation_are_found(tmp_path):
    path = tmp_path / "bands.csv"
    path.write_text(
        "title,artist,language,valence,energy\n"
        'Song A,"Tyler, The Creator, Kali Uchis",English,0.5,0.5\n'
        'Song B,"Mumford & Sons, Baaba Maal",English,0.5,0.5\n'
        "Song C,!!!,English,0.5,0.5\n"
        "Song D,Someone Else,English,0.5,0.5\n"
    )
    bands = CsvCatalog(path)
    for typed, title in [("tyler, the creator", "Song A"), ("Mumford and Sons", "Song B")]:
        assert [t.title for t in bands.recommend(Query(0.5, 0.5, artist=typed)).tracks] == [title]
    assert [t.title for t in bands.recommend(Query(0.5, 0.5, artist="!!!")).tracks] == ["Song C"]
    assert bands.recommend(Query(0.5, 0.5, artist="???")).tracks == ()


def test_a_repeated_song_keeps_the_row_that_knows_its_language(tmp_path):
    dataset = tmp_path / "dataset.csv"
    dataset.write_text(
        "title,artist,language,valence,energy\nDespacito,Luis Fonsi feat. Daddy Yankee,,0.8,0.8\n"
    )
    merged = CsvCatalog([dataset, BUNDLED_CATALOG])
    (despacito,) = merged.recommend(Query(0.8, 0.8, artist="Luis Fonsi")).tracks
    assert despacito.language == "Spanish" and despacito.moods


def test_first_tracks_come_from_distinct_artists(catalog):
    for valence, energy in [(0.9, 0.8), (0.1, 0.2), (0.5, 0.5), (0.2, 0.9)]:
        answer = catalog.recommend(Query(valence, energy, limit=10))
        assert len({tracks.credit_names(t.artist)[-1] for t in answer.tracks}) == 10


def test_same_query_same_answer_and_more_gives_the_next_tracks(catalog):
    first = catalog.recommend(Query(0.3, 0.4, language="Hindi"))
    assert catalog.recommend(Query(0.3, 0.4, language="Hindi")) == first
    second = catalog.recommend(Query(0.3, 0.4, language="Hindi", offset=10))
    assert len(second.tracks) == 10
    assert not {t.title for t in first.tracks} & {t.title for t in second.tracks}
    both = catalog.recommend(Query(0.3, 0.4, language="Hindi", limit=20))
    assert both.tracks == first.tracks + second.tracks


def test_more_past_the_end_says_that_is_all(catalog):
    hindi = catalog.recommend(Query(0.3, 0.4, language="Hindi", limit=50)).tracks
    last = catalog.recommend(Query(0.3, 0.4, language="Hindi", limit=10, offset=len(hindi) - 3))
    assert len(last.tracks) == 3 and last.notice.startswith("That is all")
    past = catalog.recommend(Query(0.3, 0.4, language="Hindi", offset=len(hindi) + 5))
    assert past.tracks == () and past.notice.startswith("No more tracks: all")


def test_each_track_says_why_it_fits(catalog):
    answer = catalog.recommend(Query(0.93, 0.63, mood="happy"))
    assert all(t.why.endswith("your happy mood.") for t in answer.tracks)
    assert answer.tracks[0].why.startswith("Bright and upbeat (valence 0.")
    lifted = catalog.recommend(Query(0.35, 0.31, mood="sad", lifted=True))
    assert all("a gentle lift from your sad mood" in t.why for t in lifted.tracks)


def test_artist_index_agrees_with_artist_matches(catalog):
    credits = catalog._table["artist"].tolist()
    typed_names = ["arijit", "singh", "a.r. rahman", "bts", "beyonce", "the", "love", "ar"]
    typed_names += [c.split(",")[0] for c in credits[::25]]
    for typed in typed_names:
        expected = [row for row, c in enumerate(credits) if tracks.artist_matches(typed, c)]
        assert catalog._artists.rows(tracks.wanted_artist(typed)).tolist() == expected, typed


@pytest.mark.parametrize(
    ("typed", "credit", "expected"),
    [
        ("beyonce", "Beyoncé feat. JAY-Z", True),
        ("JAY-Z", "Beyoncé feat. JAY-Z", True),
        ("simon and garfunkel", "Simon & Garfunkel", True),
        ("arijit", "Arijit Singh", True),
        ("rit", "Arijit Singh", False),
        ("shreya ghoshal", "Arijit Singh, Shreya Ghoshal", True),
        ("Ed Sheeran feat. Someone", "Ed Sheeran", True),
        ("rosalia", "ROSALÍA", True),
        ("queen", "Queens of the Stone Age", False),
        ("little feat", "Little Feat", True),
        ("little feat", "Little Richard", False),
        ("feat", "Beyoncé", False),
        ("singh shreya", "Arijit Singh, Shreya Ghoshal", False),
        ("earth, wind & fire", "Earth, Wind & Fire", True),
        ("Tyler, The Creator", "Tyler, The Creator, Kali Uchis", True),
        ("mumford and sons", "Mumford & Sons, Baaba Maal", True),
        ("the creator", "Tyler, The Creator, Kali Uchis", True),
        ("creator kali", "Tyler, The Creator, Kali Uchis", False),
        ("!!!", "!!!", True),
        ("!!!", "!!!, Nic Offer", True),
        ("???", "!!!", False),
    ],
)
def test_artist_matching(typed, credit, expected):
    assert tracks.artist_matches(typed, credit) is expected


class Failing:
    name = "live service"

    def recommend(self, query):
        raise SourceUnavailable("it answered 503")


class Fixed:
    name = "fixed"

    def recommend(self, query):
        return Answer((Track("t", "a", "English", "u", "fixed"),), "fixed", "")


def test_fallback_chain_names_what_failed():
    answer = tracks.recommend([Failing(), Fixed()], Query(0.5, 0.5))
    assert answer.source == "fixed" and "live service: it answered 503" in answer.notice
    assert tracks.recommend([Fixed(), Failing()], Query(0.5, 0.5)).notice == ""
    with pytest.raises(SourceUnavailable, match="No music source"):
        tracks.recommend([Failing()], Query(0.5, 0.5))


def test_user_catalog_needs_its_columns(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("name,artist\nx,y\n")
    with pytest.raises(CatalogError, match="unknown layout"):
        CsvCatalog(bad)
    out_of_range = tmp_path / "range.csv"
    out_of_range.write_text("title,artist,language,valence,energy\nx,y,English,70,0.5\n")
    with pytest.raises(CatalogError, match="0 to 1"):
        CsvCatalog(out_of_range)


def test_user_catalog_tolerates_odd_optional_columns(tmp_path):
    odd = tmp_path / "odd.csv"
    odd.write_text(
        "title,artist,language,valence,energy,year,moods\n"
        "Song A,Band,English,0.8,0.7,c.1970,123\nSong B,Band,English,0.2,0.2,,\n"
    )
    tracks_found = CsvCatalog(odd).recommend(Query(0.8, 0.7)).tracks
    assert [t.title for t in tracks_found] == ["Song A", "Song B"]
    assert tracks_found[0].year is None and tracks_found[0].moods == ("123",)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(CatalogError, match="cannot read"):
        CsvCatalog(empty)


def test_artist_cap_yields_rather_than_leaving_the_list_short(tmp_path):
    one_artist = tmp_path / "solo.csv"
    rows = [f"Song {i},Solo,English,0.{i},0.5" for i in range(1, 6)]
    one_artist.write_text("title,artist,language,valence,energy\n" + "\n".join(rows) + "\n")
    answer = CsvCatalog(one_artist).recommend(Query(0.1, 0.5, limit=4))
    assert [t.title for t in answer.tracks] == ["Song 1", "Song 2", "Song 3", "Song 4"]


def test_minimal_user_catalog_gets_search_links(tmp_path):
    plain = tmp_path / "mine.csv"
    plain.write_text("title,artist,language,valence,energy\nSong A,Band,English,0.8,0.7\n")
    answer = CsvCatalog(plain, name="my catalog").recommend(Query(0.8, 0.7))
    (track,) = answer.tracks
    assert re.match(r"https://open\.spotify\.com/search/Song%20A%20Band", track.url)
    assert "Only 1 track matches" in answer.notice
