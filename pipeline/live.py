"""Live webcam readings that hold still: per-face smoothing, and a group mood with hysteresis.

Each visitor's stream carries one `LiveState` (a plain value in Gradio's session state): the
smoothed probabilities of each face it is following, and the steady emotion the tracks were
chosen for. A new emotion becomes steady only after it has led the smoothed average by a margin
for several frames in a row, so a blink, a half-smile or a frame without a face changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from pipeline.emotion import EMOTIONS, EmotionScores
from pipeline.faces import Face

SMOOTHING = 0.35  # weight of the newest frame in each face's running average (~3 frames' memory)
SWITCH_FRAMES = 6  # frames a new emotion must lead before it is steady: ~0.4 s at 15 fps
SWITCH_MARGIN = 0.08  # ...and by at least this much smoothed probability
SAME_FACE_DISTANCE = 0.6  # centre shift, in face widths, up to which a face is the same one
NO_FACE_FRAMES = 3  # faceless frames in a row before the page says "no face" (one miss is noise)


@dataclass(frozen=True)
class FollowedFace:
    """A face followed across frames: where it was last seen and its smoothed probabilities."""

    box: tuple[int, int, int, int]
    smoothed: tuple[float, ...]

    @property
    def scores(self) -> EmotionScores:
        return EmotionScores(self.smoothed)


@dataclass(frozen=True)
class LiveState:
    faces: tuple[FollowedFace, ...] = ()
    steady: str | None = None  # the emotion the current tracks are for
    challenger: str | None = None  # an emotion now leading, not yet steady
    challenger_frames: int = 0
    faceless_frames: int = 0
    query_key: object = None  # the options the current tracks were chosen with

    @property
    def no_face(self) -> bool:
        return self.faceless_frames >= NO_FACE_FRAMES

    def group(self) -> np.ndarray | None:
        """Mean smoothed probabilities of the faces in view; None when none is."""
        if not self.faces:
            return None
        return np.mean([f.smoothed for f in self.faces], axis=0)


def step(state: LiveState, faces: Sequence[Face], scores: Sequence[EmotionScores]) -> LiveState:
    """Fold one frame's faces into the state (see the module docstring)."""
    if not faces:
        # Keep the steady reading; forget the faces once the gap is more than a blink.
        gone = state.faceless_frames + 1
        kept = () if gone >= NO_FACE_FRAMES else state.faces
        return replace(state, faces=kept, faceless_frames=gone, challenger=None)
    pairs = zip(faces, scores, strict=True)
    followed = tuple(_follow(state.faces, face, score) for face, score in pairs)
    state = replace(state, faces=followed, faceless_frames=0)
    return _settle(state)


def _follow(previous: Sequence[FollowedFace], face: Face, score: EmotionScores) -> FollowedFace:
    """Blend this face into the nearest face of the last frame, or start following it."""
    fresh = np.asarray(score.probabilities)
    match = _nearest(previous, face.box)
    if match is None:
        return FollowedFace(face.box, tuple(float(p) for p in fresh))
    blended = (1 - SMOOTHING) * np.asarray(match.smoothed) + SMOOTHING * fresh
    return FollowedFace(face.box, tuple(float(p) for p in blended))


def _nearest(previous: Sequence[FollowedFace], box: tuple[int, int, int, int]):
    x, y, w, h = box
    centre = np.array([x + w / 2, y + h / 2])
    best, best_distance = None, SAME_FACE_DISTANCE
    for candidate in previous:
        cx, cy, cw, ch = candidate.box
        distance = np.linalg.norm(centre - (cx + cw / 2, cy + ch / 2)) / max(w, cw, 1)
        if distance <= best_distance:
            best, best_distance = candidate, distance
    return best


def _settle(state: LiveState) -> LiveState:
    """Hysteresis: the steady emotion changes only after a lead held for `SWITCH_FRAMES`."""
    group = state.group()
    leader = EMOTIONS[int(np.argmax(group))]
    if state.steady is None:
        return replace(state, steady=leader, challenger=None, challenger_frames=0)
    lead = group[EMOTIONS.index(leader)] - group[EMOTIONS.index(state.steady)]
    if leader == state.steady or lead < SWITCH_MARGIN:
        return replace(state, challenger=None, challenger_frames=0)
    frames = state.challenger_frames + 1 if leader == state.challenger else 1
    if frames >= SWITCH_FRAMES:
        return replace(state, steady=leader, challenger=None, challenger_frames=0)
    return replace(state, challenger=leader, challenger_frames=frames)
