"""What the page and the API show of a result: plain words, escaped HTML, real ids only."""

from catalog.tracks import Track
from pipeline import present
from pipeline.recommend import Recommendation

TRACK_ID = "4uLU6hMCjMI75M1A2tKUQC"  # 22 characters of base62, as Spotify's ids are


def track(url: str, **fields) -> Track:
    values = dict(title="Song", artist="Band", language="English", source="catalog", year=1999)
    return Track(url=url, **{**values, **fields})


def test_a_track_with_an_id_gets_the_player_and_one_without_gets_search_links_only():
    played = track(f"https://open.spotify.com/track/{TRACK_ID}")
    searched = track("https://open.spotify.com/search/Song%20Band")
    cards = present.cards(Recommendation(tracks=(played, searched)))
    assert cards.count("<iframe") == 1
    assert f'src="https://open.spotify.com/embed/track/{TRACK_ID}"' in cards
    assert cards.count('href="https://www.youtube.com/results?search_query=Song+Band"') == 2
    assert present.spotify_id(searched) is None
    assert present.links(searched).keys() == {"spotify_search", "youtube_search"}
    assert present.spotify_id(track("https://open.spotify.com/track/short")) is None


def test_text_from_a_catalog_or_a_visitor_is_never_markup():
    sneaky = track(
        "https://open.spotify.com/search/x",
        title='<img src=x onerror="alert(1)">',
        artist="<b>x</b>",
        why="<script>alert(1)</script>",
    )
    cards = present.cards(Recommendation(tracks=(sneaky,)))
    assert "<b>" not in cards and "<img" not in cards and "<script" not in cards
    assert "&lt;b&gt;x&lt;/b&gt;" in cards and "&lt;img src=x" in cards
    notice = "No tracks by “<b>x</b>” in the catalog."
    assert "“<b>x</b>”" in present.status(Recommendation(notice=notice, source="catalog"))


def test_the_why_line_keeps_the_words_and_leaves_the_numbers_to_the_record():
    why = "Cheerful (valence 0.71, energy 0.55, tagged happy), close to your happy mood."
    assert present.plain_why(why) == "Cheerful, tagged happy, close to your happy mood."
    assert present.plain_why("Moody (valence 0.21, energy 0.35), right on the mood.") == (
        "Moody, right on the mood."
    )
    record = present.record(Recommendation(tracks=(track("", why=why),)))
    assert record["tracks"][0]["why"] == why  # the record keeps the figures


def test_the_status_speaks_to_a_listener():
    line = present.status(Recommendation(tracks=(track(""),) * 10, source="built-in catalog"))
    assert line == "10 tracks from the built-in catalog."
    assert present.camera_off("happy").startswith("Camera off. Last steady mood: happy")
