"""Catalog files in every recognised layout, read into the plain table and ranked."""

import os

import pandas as pd
import pytest

from catalog import layouts
from catalog.csv_source import BUNDLED_CATALOG, CatalogError, CsvCatalog, catalog_paths
from catalog.tracks import Query, artist_matches
from tests.conftest import SHARED_DATA, needs_shared

SPOTIFY_DIR = SHARED_DATA / "spotify"
DATA_MOODS = SPOTIFY_DIR / "data_moods.csv"
INDIAN = [
    SPOTIFY_DIR / "indian_languages" / f"{name}_songs.csv"
    for name in ("Hindi", "Tamil", "Malayalam")
]
POPULAR = SPOTIFY_DIR / "spotify_tracks_2017_2019.csv"

# The header of the 114k Spotify Tracks Dataset (dataset.csv on the Hub), with rows made up here.
SPOTIFY_TRACKS_HEADER = (
    ",track_id,artists,album_name,track_name,popularity,duration_ms,explicit,danceability,"
    "energy,key,loudness,mode,speechiness,acousticness,instrumentalness,liveness,valence,tempo,"
    "time_signature,track_genre"
)


def spotify_tracks_row(index, track_id, artists, name, energy, valence, genre):
    return (
        f"{index},{track_id},{artists},Album,{name},50,200000,False,0.5,{energy},5,-6.0,1,0.05,"
        f"0.1,0.0,0.1,{valence},120.0,4,{genre}"
    )


def test_spotify_tracks_layout_maps_genres_to_languages(tmp_path):
    rows = [
        spotify_tracks_row(0, "id1", "Kenshi Yonezu", "Lemon", 0.6, 0.3, "j-pop"),
        spotify_tracks_row(1, "id1", "Kenshi Yonezu", "Lemon", 0.6, 0.3, "anime"),
        spotify_tracks_row(2, "id1", "Kenshi Yonezu", "Lemon", 0.6, 0.3, "pop"),
        spotify_tracks_row(3, "id2", "BTS;Halsey", "Boy With Luv", 0.86, 0.8, "k-pop"),
        spotify_tracks_row(4, "id3", "Metallica", "One", 0.9, 0.2, "metal"),
        spotify_tracks_row(5, "id4", "Stromae", "Papaoutai", 0.7, 0.25, "french"),
    ]
    path = tmp_path / "dataset.csv"
    path.write_text(SPOTIFY_TRACKS_HEADER + "\n" + "\n".join(rows) + "\n")
    table, layout = layouts.read(path)
    assert layout == "spotify-tracks"
    assert table["title"].tolist() == ["Lemon", "Boy With Luv", "One", "Papaoutai"]
    assert table["language"].tolist() == ["Japanese", "Korean", "", "French"]
    assert table["artist"][1] == "BTS, Halsey"
    assert table["url"][0] == "https://open.spotify.com/track/id1"
    catalog = CsvCatalog(path)
    assert catalog.languages == ("French", "Japanese", "Korean")
    assert [t.title for t in catalog.recommend(Query(0.8, 0.8, artist="halsey")).tracks] == [
        "Boy With Luv"
    ]


@needs_shared(DATA_MOODS)
def test_data_moods_layout():
    table, layout = layouts.read(DATA_MOODS)
    assert layout == "data-moods" and len(table) == 686
    assert set(table["moods"]) == {"happy", "sad", "energetic", "calm"}
    assert table["url"].str.startswith("https://open.spotify.com/track/").all()
    assert table["year"].between(1900, 2026).all()


@needs_shared(INDIAN[0])
def test_indian_languages_layout_rescales_valence_and_splits_artists():
    table, layout = layouts.read(INDIAN[0])
    assert layout == "indian-languages" and set(table["language"]) == {"Hindi"}
    assert table["valence"].max() > 0.5  # stored as 0-0.1, read as 0-1
    assert table["valence"].between(0, 1).all()
    catalog = CsvCatalog(INDIAN)
    assert set(catalog.languages) == {"Hindi", "Tamil", "Malayalam"}
    lata = catalog.recommend(Query(0.5, 0.5, artist="lata mangeshkar", language="Hindi"))
    assert len(lata.tracks) == 10
    assert all(artist_matches("Lata Mangeshkar", t.artist) for t in lata.tracks)
    assert any("," in t.artist for t in lata.tracks)  # duets: "Kishore Kumar, Lata Mangeshkar"


@needs_shared(POPULAR)
def test_popular_2017_2019_layout():
    table, layout = layouts.read(POPULAR)
    assert layout == "spotify-2017-2019" and len(table) > 10_000
    assert table["url"].str.match(r"^https://open\.spotify\.com/track/\w+$").all()


def test_plain_layout_with_mood_tags_only(tmp_path):
    path = tmp_path / "tags.csv"
    path.write_text(
        "title,artist,language,moods\n"
        "Calm One,A,English,calm\n"
        "Party One,B,English,party;energetic\n"
        "Sad One,C,English,sad\n"
        "Unknown Tag,D,English,zzz\n"
    )
    table, layout = layouts.read(path)
    assert layout == "plain" and table["title"].tolist() == ["Calm One", "Party One", "Sad One"]
    calm = layouts.TAG_COORDINATES["calm"]
    assert (table["valence"][0], table["energy"][0]) == pytest.approx(calm)
    happy = CsvCatalog(path).recommend(Query(0.93, 0.63, limit=1)).tracks[0]
    assert happy.title == "Party One" and "tagged party and energetic" in happy.why


def test_plain_layout_tags_fill_missing_features(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text(
        "title,artist,language,valence,energy,moods\nA,X,English,0.9,0.9,\nB,Y,English,,,sad\n"
    )
    table, _ = layouts.read(path)
    assert table["valence"].tolist() == pytest.approx([0.9, layouts.TAG_COORDINATES["sad"][0]])


def test_unknown_layout_and_out_of_range_values_are_named(tmp_path):
    odd = tmp_path / "odd.csv"
    odd.write_text("song,singer\nx,y\n")
    with pytest.raises(CatalogError, match=r"unknown layout.*title, artist, language"):
        layouts.read(odd)
    no_mood = tmp_path / "no_mood.csv"
    no_mood.write_text("title,artist,language\nx,y,English\n")
    with pytest.raises(CatalogError, match="valence and energy columns, or mood tags"):
        layouts.read(no_mood)


def test_several_files_in_one_setting(tmp_path):
    mine = tmp_path / "mine.csv"
    mine.write_text("title,artist,language,valence,energy\nMy Song,Me,Klingon,0.5,0.5\n")
    paths = catalog_paths(f"{mine}{os.pathsep}{BUNDLED_CATALOG}")
    catalog = CsvCatalog(paths, name="catalog")
    assert "Klingon" in catalog.languages and "Hindi" in catalog.languages
    assert catalog.layouts == ("plain", "plain")


def test_duplicate_songs_are_kept_once(tmp_path):
    path = tmp_path / "dupes.csv"
    path.write_text(
        "title,artist,language,valence,energy\n"
        "Song,Band,English,0.5,0.5\n"
        "SONG,band,English,0.6,0.6\n"
        "Song,Band feat. Guest,English,0.5,0.5\n"
    )
    assert len(CsvCatalog(path)) == 1


def test_bundled_catalog_reads_as_plain():
    table, layout = layouts.read(BUNDLED_CATALOG)
    assert layout == "plain" and len(table) == len(pd.read_csv(BUNDLED_CATALOG))


def test_the_readme_plain_example_loads(tmp_path):
    import re

    readme = (BUNDLED_CATALOG.parents[2] / "README.md").read_text()
    example = re.search(r"```csv\n(.*?)```", readme, re.S).group(1)
    path = tmp_path / "example.csv"
    path.write_text(example)
    table, layout = layouts.read(path)
    assert layout == "plain" and table["title"].tolist() == ["Happy", "Tum Hi Ho"]
    assert table["valence"][1] == pytest.approx(
        (layouts.TAG_COORDINATES["sad"][0] + layouts.TAG_COORDINATES["romantic"][0]) / 2
    )
