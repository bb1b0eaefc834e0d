import numpy as np
import pytest

from pipeline import mood
from pipeline.emotion import EMOTIONS, EmotionScores


def scores(**probabilities) -> EmotionScores:
    return EmotionScores(tuple(probabilities.get(e, 0.0) for e in EMOTIONS))


def test_every_emotion_has_coordinates_in_range():
    assert set(mood.EMOTION_COORDINATES) == set(EMOTIONS)
    for valence, energy in mood.EMOTION_COORDINATES.values():
        assert 0 <= valence <= 1 and 0 <= energy <= 1


def test_pure_emotion_lands_on_its_coordinates():
    happy = mood.target([scores(happy=1.0)])
    assert happy.emotion == "happy" and not happy.manual
    assert (happy.valence, happy.energy) == pytest.approx(mood.EMOTION_COORDINATES["happy"])


def test_coordinates_are_the_published_norms_rescaled():
    for emotion, (valence, arousal) in mood.EMOTION_NORMS_1_TO_9.items():
        assert mood.EMOTION_COORDINATES[emotion] == pytest.approx(
            ((valence - 1) / 8, (arousal - 1) / 8), abs=1e-3
        )
    # Warriner et al. (2013): happy 8.47 / 6.05, sad 2.10 / 3.49 (valence / arousal, 1-9).
    assert mood.EMOTION_NORMS_1_TO_9["happy"] == (8.47, 6.05)
    assert mood.EMOTION_NORMS_1_TO_9["sad"] == (2.10, 3.49)


def test_circumplex_quadrants():
    coordinates = mood.EMOTION_COORDINATES
    assert coordinates["happy"][0] > coordinates["neutral"][0] > coordinates["sad"][0]
    assert coordinates["angry"][1] > coordinates["sad"][1]
    assert coordinates["surprise"][1] > coordinates["neutral"][1]


def test_group_mood_weighs_every_face_equally():
    group = mood.target([scores(happy=1.0), scores(happy=1.0), scores(sad=1.0)])
    assert group.emotion == "happy"
    expected = (
        2 * np.array(mood.EMOTION_COORDINATES["happy"]) + mood.EMOTION_COORDINATES["sad"]
    ) / 3
    assert (group.valence, group.energy) == pytest.approx(expected, abs=1e-3)


def test_blend_moves_the_target_between_emotions():
    blend = mood.target([scores(happy=0.5, surprise=0.5)])
    assert (
        mood.EMOTION_COORDINATES["happy"][1]
        < blend.energy
        < mood.EMOTION_COORDINATES["surprise"][1]
    )


def test_manual_override_and_errors():
    sad = mood.manual("sad")
    assert sad.manual and sad.emotion == "sad"
    with pytest.raises(ValueError, match="choose one of"):
        mood.manual("Sadness")
    with pytest.raises(ValueError):
        mood.target([])


def share_of_the_way(lifted: mood.Mood) -> float:
    """How far a lift went, as a share of the way from the mood read to `LIFT_POINT`."""
    return (lifted.valence - lifted.read[0]) / (mood.LIFT_POINT[0] - lifted.read[0])


def test_lift_goes_gently_from_sad_further_from_angry():
    for emotion in ("sad", "angry"):
        matched, lifted = mood.manual(emotion), mood.manual(emotion, mood.LIFT)
        assert lifted.read == (matched.valence, matched.energy) == matched.destination
        assert lifted.valence > matched.valence and lifted.lifted and not matched.lifted
    sad, angry = mood.manual("sad", mood.LIFT), mood.manual("angry", mood.LIFT)
    assert 0 < share_of_the_way(sad) < share_of_the_way(angry)
    assert sad.ease > angry.ease == 1.0  # sadness lingers at the start, anger walks evenly
    assert sad.energy > sad.read[1] and angry.energy < angry.read[1]  # both toward LIFT_POINT


def test_every_destination_comes_from_the_one_table():
    assert set(mood.LIFTS) == set(EMOTIONS)
    for emotion in EMOTIONS:
        lifted = mood.manual(emotion, mood.LIFT)
        read = np.array(lifted.read)
        expected = read + mood.LIFTS[emotion].share * (np.array(mood.LIFT_POINT) - read)
        if np.hypot(*(expected - read)) < mood.ALREADY_THERE:
            expected = read
        assert lifted.destination == pytest.approx(tuple(expected), abs=1e-3), emotion


def test_lift_leaves_a_bright_mood_alone():
    for emotion in ("happy", "surprise"):
        bright = mood.manual(emotion, mood.LIFT)
        assert bright.destination == bright.read and not bright.lifted
    nearly = mood.target([scores(happy=0.8, sad=0.2)], mood.LIFT)  # a lift too short to walk
    assert not nearly.lifted


def test_lift_blends_by_probability():
    mixed = mood.target([scores(sad=0.5, angry=0.5)], mood.LIFT)
    sad, angry = mood.manual("sad", mood.LIFT), mood.manual("angry", mood.LIFT)
    assert share_of_the_way(sad) < share_of_the_way(mixed) < share_of_the_way(angry)
    assert angry.ease < mixed.ease < sad.ease
    # Happy faces in the group shorten the way but do not change its gait.
    cheered = mood.target([scores(sad=0.6, happy=0.4)], mood.LIFT)
    assert cheered.ease == pytest.approx(sad.ease)


def test_manual_mood_takes_the_same_path_as_a_certain_reading():
    for emotion in EMOTIONS:
        for strategy in mood.STRATEGIES:
            by_hand = mood.manual(emotion, strategy)
            read = mood.target([scores(**{emotion: 1.0})], strategy)
            assert (by_hand.valence, by_hand.energy) == (read.valence, read.energy)
            assert by_hand.manual and not read.manual


def test_unknown_strategy_is_refused():
    with pytest.raises(ValueError, match="match, lift"):
        mood.manual("sad", "cheer me up")
