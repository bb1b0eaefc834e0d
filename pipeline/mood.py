"""Emotion probabilities -> a mood: a point on the valence/energy plane and its leading emotion."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.emotion import EMOTIONS, EmotionScores

# Where each FER-2013 emotion sits on the valence (unpleasant 0 -> pleasant 1) and energy
# (calm 0 -> aroused 1) plane, after Russell's circumplex (J. A. Russell, "A circumplex model of
# affect", J. Pers. Soc. Psychol. 39(6), 1980): the quadrant and rough angle of each affect word,
# rescaled to [0, 1]. These are approximate placements, not measured norms.
EMOTION_COORDINATES: dict[str, tuple[float, float]] = {
    "angry": (0.16, 0.85),
    "disgust": (0.18, 0.62),
    "fear": (0.22, 0.88),
    "happy": (0.92, 0.62),
    "sad": (0.12, 0.28),
    "surprise": (0.70, 0.90),
    "neutral": (0.55, 0.40),
}
_COORDINATES = np.array([EMOTION_COORDINATES[e] for e in EMOTIONS])  # (7, 2)

AUTO = "Auto"  # the override value that means "read it from the faces"


@dataclass(frozen=True)
class Mood:
    """The mood to recommend for: the leading emotion and its valence/energy target in 0-1."""

    emotion: str
    valence: float
    energy: float
    manual: bool = False


def group_mean(readings: Sequence[EmotionScores]) -> np.ndarray:
    """Mean probability of each emotion over all faces, every face counting equally."""
    if not readings:
        raise ValueError("a mood needs at least one face")
    return np.mean([r.probabilities for r in readings], axis=0)


def target(readings: Sequence[EmotionScores]) -> Mood:
    """The group mood: the target blends all seven probabilities of every face.

    Blending keeps the nuance a single label loses (a face 55 % happy, 40 % surprised aims
    higher in energy than a purely happy one).
    """
    mean = group_mean(readings)
    valence, energy = mean @ _COORDINATES
    return Mood(EMOTIONS[int(np.argmax(mean))], round(float(valence), 3), round(float(energy), 3))


def manual(emotion: str) -> Mood:
    """The mood of one named emotion, for when the visitor overrides what the faces show."""
    if emotion not in EMOTION_COORDINATES:
        raise ValueError(f"unknown emotion {emotion!r}; choose one of {', '.join(EMOTIONS)}")
    valence, energy = EMOTION_COORDINATES[emotion]
    return Mood(emotion, valence, energy, manual=True)
