import logging

import numpy as np
import pytest

from catalog.csv_source import CsvCatalog
from catalog.tracks import ANY_LANGUAGE
from pipeline import faces, present, recommend
from pipeline.emotion import EMOTIONS
from tests.conftest import encode


@pytest.fixture(scope="module")
def recommender(emotion_model):
    catalog = CsvCatalog()
    return recommend.Recommender(faces.HaarDetector(), emotion_model, [catalog], catalog.languages)


def test_one_face_gives_tracks_and_a_full_record(recommender, astronaut):
    result = recommender.recommend(encode(astronaut))
    assert result.error == "" and len(result.faces) == 1 and len(result.tracks) == 10
    record = present.record(result)
    assert set(record) >= {"faces", "emotion", "mood", "tracks", "source", "notice"}
    (face,) = record["faces"]
    assert len(face["box"]) == 4 and face["emotion"] in EMOTIONS
    assert set(face["scores"]) == set(EMOTIONS)
    assert record["emotion"] in EMOTIONS
    assert 0 <= record["mood"]["valence"] <= 1 and 0 <= record["mood"]["energy"] <= 1
    assert {"title", "artist", "language", "url", "source"} <= set(record["tracks"][0])
    assert record["source"] == "built-in catalog"
    assert present.status(result).startswith("1 face, mood: ")
    assert present.status(result).endswith(" 10 tracks from the built-in catalog.")
    assert "Haar" not in present.status(result) and record["detector"] == "Haar cascade"
    assert result.photo.shape == astronaut.shape


def test_every_face_of_a_group_is_in_the_record(recommender, group_photo):
    result = recommender.recommend(group_photo)
    assert len(present.record(result)["faces"]) == 3
    assert present.status(result).startswith("3 faces, group mood: ")
    assert sum(result.group_scores().values()) == pytest.approx(1.0, abs=1e-4)


def test_filters_narrow_the_list(recommender, astronaut):
    result = recommender.recommend(astronaut, language="Korean", limit=5)
    assert len(result.tracks) == 5 and {t.language for t in result.tracks} == {"Korean"}
    assert recommender.languages[0] == ANY_LANGUAGE and "Korean" in recommender.languages


def test_override_replaces_the_read_mood(recommender, astronaut):
    result = recommender.recommend(astronaut, mood_override="sad")
    assert result.mood.emotion == "sad" and result.mood.manual
    read = max(result.group_scores(), key=result.group_scores().get)
    assert present.status(result).startswith(f"1 face reads {read}. Mood set by hand: sad.")
    assert np.mean([t.valence for t in result.tracks]) < 0.4


def test_no_face_is_a_clear_message(recommender, faceless):
    result = recommender.recommend(faceless)
    assert "No face found" in result.error and result.tracks == ()
    assert present.record(result)["error"] == result.error and result.photo is not None


def test_no_face_with_an_override_still_recommends(recommender, faceless):
    result = recommender.recommend(faceless, mood_override="happy")
    assert result.error == "" and result.faces == () and len(result.tracks) == 10


@pytest.mark.parametrize(
    ("payload", "message"),
    [(b"", "empty"), (b"not an image", "not an image"), (np.zeros((8, 8, 3), np.uint8), "only")],
)
def test_bad_input_is_a_message_not_a_crash(recommender, payload, message):
    result = recommender.recommend(payload)
    assert message in result.error and present.record(result)["tracks"] == []


def test_options_from_api_callers_are_checked(recommender, astronaut):
    assert "Unknown mood “Joyful”" in recommender.recommend(astronaut, mood_override="Joyful").error
    assert recommender.recommend(astronaut, mood_override="Sad").mood.emotion == "sad"
    for auto in ("", None, "auto"):
        assert not recommender.recommend(astronaut, mood_override=auto).mood.manual
    for limit in (None, "abc", float("nan")):
        assert "whole number" in recommender.recommend(astronaut, limit=limit).error
    assert len(recommender.recommend(astronaut, limit=500).tracks) == recommend.MAX_TRACKS
    assert recommender.recommend(astronaut, artist=None, language=None).error == ""


def test_boxes_are_reported_in_the_uploaded_photos_pixels(recommender, astronaut):
    import cv2

    big = cv2.resize(astronaut, (4096, 4096))  # read at 2048: half size
    small_box = present.record(recommender.recommend(astronaut))["faces"][0]["box"]
    big_box = present.record(recommender.recommend(encode(big, "PNG")))["faces"][0]["box"]
    assert big_box == pytest.approx([8 * v for v in small_box], abs=24)


def test_notices_reach_the_status_line(recommender, astronaut):
    result = recommender.recommend(astronaut, artist="Nobody Byname")
    assert "No tracks by “Nobody Byname”" in present.status(result)


def test_cards_link_each_track(recommender, astronaut):
    cards = present.cards(recommender.recommend(astronaut, limit=3))
    assert cards.count('<li class="f2m-track"') == 3
    assert cards.count('href="https://open.spotify.com/search/') == 3
    assert cards.count('href="https://www.youtube.com/results?search_query=') == 3
    assert "<iframe" not in cards  # the bundled catalog has no Spotify ids: none is invented


def test_build_offline_falls_back_to_haar(monkeypatch, tmp_path, caplog):
    from huggingface_hub import constants

    caplog.set_level(logging.INFO, logger="pipeline.recommend")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    built = recommend.build({"HF_HUB_CACHE": str(tmp_path)})
    assert built.detector.name == "Haar cascade"
    assert len(built.languages) >= 9
    assert (
        "emotion model: bundled models/emotion_cnn.keras (EMOTION_MODEL_REPO is not set)"
        in caplog.text
    )


def test_build_loads_the_model_from_a_hub_repo(tmp_path, caplog):
    from pipeline.emotion import BUNDLED_MODEL
    from tests.hub_server import COMMIT, HubServer

    caplog.set_level(logging.INFO, logger="pipeline.recommend")
    files = {("someone/emotion", "emotion_cnn.keras"): BUNDLED_MODEL.read_bytes()}
    with HubServer(files) as server:
        built = recommend.build(
            {
                "EMOTION_MODEL_REPO": "someone/emotion",
                "EMOTION_MODEL_REVISION": COMMIT,
                "HF_ENDPOINT": server.endpoint,
                "HF_HUB_CACHE": str(tmp_path),
                "YUNET_ONNX": str(tmp_path / "absent.onnx"),
            }
        )
    assert built.model.source.startswith(str(tmp_path))
    assert built.detector.name == "Haar cascade"
    assert f"emotion model: hub someone/emotion@{COMMIT[:7]}" in caplog.text


def test_build_with_an_unreachable_model_repo_uses_the_bundled_model(tmp_path, caplog):
    from pipeline.emotion import BUNDLED_MODEL
    from tests.hub_server import closed_port_endpoint

    caplog.set_level(logging.INFO, logger="pipeline.recommend")
    built = recommend.build(
        {
            "EMOTION_MODEL_REPO": "someone/emotion",
            "HF_ENDPOINT": closed_port_endpoint(),
            "HF_HUB_CACHE": str(tmp_path),
        }
    )
    assert built.model.source == str(BUNDLED_MODEL)
    said = caplog.text
    assert "emotion model: bundled models/emotion_cnn.keras (the Hub could not be reached" in said


def test_the_model_origin_names_the_source_and_why():
    from pathlib import Path

    from pipeline import hub

    pinned = hub.HubFile("someone/emotion", "emotion_cnn.keras", "ab12cd3" + "0" * 33)
    cached = hub.Resolved(Path("/cache/x.keras"), "cache", "the Hub could not be reached")
    assert (
        recommend.model_origin(cached, pinned)
        == "hub someone/emotion@ab12cd3 (cached; the Hub could not be reached)"
    )
    explicit = hub.Resolved(Path("/mine.keras"), "explicit")
    assert recommend.model_origin(explicit, None, "/mine.keras") == "file /mine.keras"
    typo = hub.Resolved(Path("/b.keras"), "bundled", "/typo.keras does not exist")
    assert recommend.model_origin(typo, None, "/typo.keras") == (
        "bundled models/emotion_cnn.keras (/typo.keras does not exist)"
    )


def test_build_survives_a_malformed_repo_and_a_wrong_path(tmp_path):
    from pipeline.emotion import BUNDLED_MODEL
    from tests.hub_server import closed_port_endpoint

    built = recommend.build(
        {
            "EMOTION_MODEL_REPO": "not a/valid//repo id",
            "EMOTION_MODEL_PATH": str(tmp_path / "typo.keras"),
            "HF_ENDPOINT": closed_port_endpoint(),
            "HF_HUB_CACHE": str(tmp_path),
        }
    )
    assert built.model.source == str(BUNDLED_MODEL)


def test_build_uses_an_explicit_model_path(tmp_path):
    import shutil

    from pipeline.emotion import BUNDLED_MODEL
    from tests.hub_server import closed_port_endpoint

    copy = tmp_path / "mine.keras"
    shutil.copy(BUNDLED_MODEL, copy)
    built = recommend.build(
        {
            "EMOTION_MODEL_PATH": str(copy),
            "HF_ENDPOINT": closed_port_endpoint(),
            "HF_HUB_CACHE": str(tmp_path),
        }
    )
    assert built.model.source == str(copy)


def test_faces_are_listed_left_to_right(recommender, group_photo):
    boxes = [face["box"] for face in present.record(recommender.recommend(group_photo))["faces"]]
    assert [box[0] for box in boxes] == sorted(box[0] for box in boxes)


def test_reading_order_is_rows_then_columns():
    from pipeline.faces import Face

    # Two rows of two; the lower-left face sits a little higher than the upper-right one's
    # bottom but in the second row, so a plain left-to-right sort would interleave the rows.
    top_left, top_right = Face((10, 10, 50, 50), 1), Face((200, 20, 50, 50), 1)
    low_left, low_right = Face((12, 120, 50, 50), 1), Face((205, 110, 50, 50), 1)
    ordered = recommend.reading_order([low_right, top_right, low_left, top_left])
    assert ordered == [top_left, top_right, low_left, low_right]


def test_faces_are_cropped_with_the_detectors_framing(recommender, astronaut, monkeypatch):
    from pipeline import crops

    framings = []
    real_crop = crops.crop

    def recording_crop(grey, face, framing=crops.DEFAULT_FRAMING):
        framings.append(framing)
        return real_crop(grey, face, framing)

    monkeypatch.setattr(crops, "crop", recording_crop)
    recommender.recommend(encode(astronaut))
    assert framings == [crops.FRAMINGS["Haar cascade"]]


def test_a_long_strip_is_read_not_refused(recommender):
    strip = np.random.default_rng(6).integers(0, 255, (30, 3000, 3), np.uint8)
    result = recommender.recommend(encode(strip, "PNG"))
    assert result.error == recommend.NO_FACE and result.photo is not None
