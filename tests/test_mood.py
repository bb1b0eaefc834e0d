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


def test_circumplex_quadrants():
    coordinates = mood.EMOTION_COORDINATES
    assert coordinates["happy"][0] > coordinates["neutral"][0] > coordinates["sad"][0]
    assert coordinates["angry"][1] > coordinates["neutral"][1] > coordinates["sad"][1]


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
