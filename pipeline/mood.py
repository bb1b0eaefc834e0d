"""Emotion probabilities -> a mood: a target point on the valence/energy plane, and a strategy.

The seven FER-2013 probabilities of every face are averaged and become one point: the mean of
each emotion's place on the plane, weighted by its probability. "Match my mood" aims at that
point; "lift my mood" walks from it toward pleasant music, a journey whose end and gait come
from one table (`LIFTS`): further from anger than from sadness. A mood chosen by hand takes the
same path, as a reading that is 100 % that emotion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.emotion import EMOTIONS, EmotionScores

# Valence (unpleasant 1 -> pleasant 9) and arousal (calm 1 -> excited 9) of each label word,
# as rated by about 20 people a word in Warriner, Kuperman & Brysbaert (2013), "Norms of
# valence, arousal, and dominance for 13,915 English lemmas", Behavior Research Methods 45(4),
# 1191-1207 (columns V.Mean.Sum and A.Mean.Sum of the published CSV, rows 423, 3569, 4524,
# 5596, 10583, 12138 and 8155). Arousal stands in for a track's energy.
EMOTION_NORMS_1_TO_9: dict[str, tuple[float, float]] = {
    "angry": (2.53, 6.20),
    "disgust": (3.32, 5.00),
    "fear": (2.93, 6.14),
    "happy": (8.47, 6.05),
    "sad": (2.10, 3.49),
    "surprise": (7.44, 6.57),
    "neutral": (5.50, 3.45),
}
EMOTION_COORDINATES: dict[str, tuple[float, float]] = {  # the same, rescaled to 0-1
    emotion: (round((v - 1) / 8, 3), round((a - 1) / 8, 3))
    for emotion, (v, a) in EMOTION_NORMS_1_TO_9.items()
}
_COORDINATES = np.array([EMOTION_COORDINATES[e] for e in EMOTIONS])  # (7, 2)

MATCH, LIFT = "match", "lift"
STRATEGIES = (MATCH, LIFT)

# "Lift my mood" follows the iso principle of music therapy (Altshuler 1948; see Heiderscheit &
# Madson 2015, "Use of the iso principle as a central method in mood management", Music Therapy
# Perspectives 33(1)): meet the listener at their mood, then move step by step. So a lift is a
# journey from the mood read toward `LIFT_POINT`, and each emotion's row says how far it goes
# and how it walks there (`Lift`); a reading blends the rows by its probabilities. Gentlest from
# sadness, where too bright a song jars: the shortest way, lingering longest at the start;
# further and in even steps from anger and disgust, whose energy also comes down a little on
# the way. The values are this project's choice, not measured ones.
LIFT_POINT = (0.85, 0.6)  # valence, energy: cheerful, not frantic (happy's norm is 0.93, 0.63)
ALREADY_THERE = 0.15  # a journey shorter than this on the plane is no journey: the mood matched
# (the journey's first and last tracks may each lie this far from its ends; README, Measurements)


@dataclass(frozen=True)
class Lift:
    """How a lift leaves one emotion: `share` of the way from the mood read to `LIFT_POINT` that
    the journey goes, and `ease`, the path's shape: 1 walks in even steps; above 1 lingers near
    the mood read, the steps growing as the music brightens."""

    share: float
    ease: float = 1.0


LIFTS: dict[str, Lift] = {
    "angry": Lift(0.8),
    "disgust": Lift(0.75),
    "fear": Lift(0.7, ease=1.25),
    "happy": Lift(0.0),  # already bright: a lift matches it
    "sad": Lift(0.6, ease=1.5),
    "surprise": Lift(0.0),
    "neutral": Lift(0.6),
}
_LIFT_SHARES = np.array([LIFTS[e].share for e in EMOTIONS])
_LIFT_EASES = np.array([LIFTS[e].ease for e in EMOTIONS])

AUTO = "Auto"  # the override value that means "read it from the faces"


@dataclass(frozen=True)
class Mood:
    """The mood to recommend for: the leading emotion, the valence/energy target in 0-1 (after
    the strategy: for a lift, where its journey ends), the point the faces read before it, and
    the journey's shape (`Lift.ease`)."""

    emotion: str
    valence: float
    energy: float
    read_valence: float
    read_energy: float
    manual: bool = False
    strategy: str = MATCH
    ease: float = 1.0

    @property
    def lifted(self) -> bool:
        """Whether a lift moves the mood: False for a match, and for a mood already bright."""
        return (self.valence, self.energy) != self.read

    @property
    def read(self) -> tuple[float, float]:
        """Where the faces (or the hand-picked emotion) put the mood, before any lift."""
        return self.read_valence, self.read_energy

    @property
    def destination(self) -> tuple[float, float]:
        """Where the music aims: the mood read, or where a lift's journey ends."""
        return self.valence, self.energy


def group_mean(readings: Sequence[EmotionScores]) -> np.ndarray:
    """Mean probability of each emotion over all faces, every face counting equally."""
    if not readings:
        raise ValueError("a mood needs at least one face")
    return np.mean([r.probabilities for r in readings], axis=0)


def target(readings: Sequence[EmotionScores], strategy: str = MATCH) -> Mood:
    """The group mood: the target blends all seven probabilities of every face.

    Blending keeps the nuance a single label loses (a face 55 % happy, 40 % surprised aims
    higher in energy than a purely happy one).
    """
    return from_probabilities(group_mean(readings), strategy)


def manual(emotion: str, strategy: str = MATCH) -> Mood:
    """The mood of one named emotion, for when the visitor overrides what the faces show."""
    if emotion not in EMOTION_COORDINATES:
        raise ValueError(f"unknown emotion {emotion!r}; choose one of {', '.join(EMOTIONS)}")
    certain = np.eye(len(EMOTIONS))[EMOTIONS.index(emotion)]
    return from_probabilities(certain, strategy, manual=True)


def from_probabilities(
    probabilities: np.ndarray, strategy: str = MATCH, manual: bool = False
) -> Mood:
    """The mood of one 7-probability vector (FER-2013 order) under `strategy`."""
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; choose one of {', '.join(STRATEGIES)}")
    probabilities = np.asarray(probabilities, np.float64)
    read = probabilities @ _COORDINATES
    aimed, ease = read, 1.0
    if strategy == LIFT:
        share = float(probabilities @ _LIFT_SHARES)
        destination = read + share * (np.asarray(LIFT_POINT) - read)
        if np.hypot(*(destination - read)) >= ALREADY_THERE:
            # Each emotion shapes the path as much as it moves it: happy faces in the group
            # neither lengthen the journey nor change its gait.
            aimed = destination
            ease = float(probabilities @ (_LIFT_SHARES * _LIFT_EASES)) / share
    return Mood(
        emotion=EMOTIONS[int(np.argmax(probabilities))],
        valence=round(float(aimed[0]), 3),
        energy=round(float(aimed[1]), 3),
        read_valence=round(float(read[0]), 3),
        read_energy=round(float(read[1]), 3),
        manual=manual,
        strategy=strategy,
        ease=round(ease, 3),
    )
