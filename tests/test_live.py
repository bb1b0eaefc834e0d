import numpy as np
import pytest

from catalog.csv_source import CsvCatalog
from pipeline import faces, live, present, recommend
from pipeline.emotion import EMOTIONS, EmotionScores
from pipeline.faces import Face

BOX = (100, 100, 80, 80)


def reading(emotion: str, strength: float = 0.9) -> EmotionScores:
    rest = (1 - strength) / (len(EMOTIONS) - 1)
    return EmotionScores(tuple(strength if e == emotion else rest for e in EMOTIONS))


def run(state: live.LiveState, emotions: list[str | None]) -> live.LiveState:
    for emotion in emotions:
        if emotion is None:
            state = live.step(state, [], [])
        else:
            state = live.step(state, [Face(BOX, 1.0)], [reading(emotion)])
    return state


def test_first_face_sets_the_steady_mood():
    assert run(live.LiveState(), ["happy"]).steady == "happy"


def test_flicker_does_not_change_the_steady_mood():
    state = run(live.LiveState(), ["happy"] * 5 + ["sad", "happy", "angry", "happy", "sad"] * 4)
    assert state.steady == "happy"


def test_a_held_change_switches_only_after_a_while():
    state = run(live.LiveState(), ["happy"] * 10)
    sad_frames = 0
    while state.steady != "sad" and sad_frames < 30:
        state, sad_frames = run(state, ["sad"]), sad_frames + 1
    # Smoothing needs a few frames for sad to lead, then the lead must hold SWITCH_FRAMES.
    assert state.steady == "sad" and live.SWITCH_FRAMES <= sad_frames <= live.SWITCH_FRAMES + 6


def test_faceless_frames_hold_the_reading_and_say_so():
    state = run(live.LiveState(), ["happy"] * 5)
    state = run(state, [None])
    assert state.steady == "happy" and not state.no_face and state.faces  # one miss is noise
    state = run(state, [None] * live.NO_FACE_FRAMES)
    assert state.steady == "happy" and state.no_face and state.faces == ()
    assert run(state, ["happy"]).faceless_frames == 0


def test_each_face_is_smoothed_on_its_own():
    left, right = Face((0, 0, 50, 50), 1.0), Face((300, 0, 50, 50), 1.0)
    state = live.LiveState()
    for _ in range(5):
        state = live.step(state, [left, right], [reading("happy"), reading("sad")])
    # A one-frame swap barely moves either face's smoothed reading.
    state = live.step(state, [left, right], [reading("sad"), reading("happy")])
    assert [f.scores.top for f in state.faces] == ["happy", "sad"]


@pytest.fixture(scope="module")
def recommender(emotion_model):
    catalog = CsvCatalog()
    return recommend.Recommender(faces.HaarDetector(), emotion_model, [catalog], catalog.languages)


def webcam_frame(astronaut: np.ndarray, brightness: float = 1.0) -> np.ndarray:
    frame = np.full((480, 640, 3), 90, np.uint8)
    frame[:, 64:576] = astronaut[16:496]
    return (frame * brightness).astype(np.uint8)


def test_live_frames_refresh_tracks_only_when_needed(recommender, astronaut):
    frame = webcam_frame(astronaut)
    first = recommender.live(frame, live.LiveState())
    assert first.refreshed is not None and len(first.refreshed.tracks) == 10
    assert present.live_frame(first).startswith('<img src="data:image/jpeg;base64,')
    assert present.live_status(first).startswith("Live: 1 face, steady mood: ")
    assert set(first.scores) == set(EMOTIONS)
    again = recommender.live(frame, first.state)
    assert again.refreshed is None  # same mood, same filters: the list stays
    korean = recommender.live(frame, again.state, language="Korean")
    assert {t.language for t in korean.refreshed.tracks} == {"Korean"}


def test_a_mood_set_by_hand_chooses_the_live_tracks(recommender, astronaut):
    frame = webcam_frame(astronaut)  # a happy face
    sad = recommender.live(frame, live.LiveState(), mood_override="sad", strategy="lift")
    assert sad.refreshed.mood.manual and sad.refreshed.mood.emotion == "sad"
    assert all("a gentle lift from your sad mood" in t.why for t in sad.refreshed.tracks)
    assert present.live_status(sad).startswith("Live: 1 face")  # the face is still followed
    assert present.live_status(sad).endswith("Tracks for the mood set by hand: sad.")
    assert (
        recommender.live(frame, sad.state, mood_override="sad", strategy="lift").refreshed is None
    )
    back = recommender.live(frame, sad.state)
    assert back.refreshed is not None and not back.refreshed.mood.manual


def test_a_dark_frame_holds_the_mood_and_says_no_face(recommender, astronaut):
    state = recommender.live(webcam_frame(astronaut), live.LiveState()).state
    steady = state.steady
    for _ in range(live.NO_FACE_FRAMES):
        view = recommender.live(webcam_frame(astronaut, brightness=0.04), state)
        state = view.state
    assert view.refreshed is None and state.steady == steady
    assert present.live_status(view) == f"No face in view; holding the mood: {steady}."


def test_a_blurred_face_is_not_read(recommender, astronaut):
    import cv2

    blurred = cv2.GaussianBlur(webcam_frame(astronaut), (0, 0), 9)
    view = recommender.live(blurred, live.LiveState())
    assert view.state.steady is None and present.live_status(view).startswith("Looking for a face")
