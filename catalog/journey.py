"""A journey across the valence/energy plane: an ordered playlist from one mood to another.

Music therapy's iso principle meets listeners where they are and moves them step by step, so a
lift is a path, not a point: `Journey.waypoints` spaces its steps from the start to the end,
and `walk` picks for each waypoint, in order, the nearest track not yet used whose artist has
not had `per_artist` tracks already; the picks are then put in the order they lie along the
path. Plain numbers and numpy only: the catalog hands it points, this module knows no tracks.

    journey = Journey(start=(0.14, 0.31), end=(0.57, 0.48), steps=10, ease=1.5)
    rows = walk(points, candidates, journey.waypoints(), leads, per_artist=2)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

MIN_SHORTLIST = 256  # tracks nearest the path considered first; more only when a pick needs it
SHORTLIST_PER_STEP = 32  # ... and at least this many a step, so the artist cap rarely runs dry
SHORTLIST_GROWTH = 8  # how much the shortlist grows when a pick might lie outside it


@dataclass(frozen=True)
class Journey:
    """A path of `steps` tracks from `start` to `end` (valence, energy in 0-1).

    `ease` is its shape: 1 moves in even steps; above 1 lingers near the start and lengthens
    the steps as it goes (waypoint k of n sits at (k / (n - 1)) ** ease of the way).
    """

    start: tuple[float, float]
    end: tuple[float, float]
    steps: int
    ease: float = 1.0

    @property
    def length(self) -> float:
        """Distance from start to end on the plane."""
        return math.dist(self.start, self.end)

    def shortened(self, steps: int) -> Journey:
        """The same path walked in fewer steps (when fewer tracks than steps can be had)."""
        return self if steps >= self.steps else replace(self, steps=max(steps, 0))

    def waypoint(self, index: int) -> tuple[float, float]:
        """Where track `index` (0 = the first) aims; past the last step, the end."""
        if index >= self.steps - 1:
            share = 1.0 if self.steps > 1 or index > 0 else 0.0
        else:
            share = (index / (self.steps - 1)) ** self.ease
        return (
            self.start[0] + share * (self.end[0] - self.start[0]),
            self.start[1] + share * (self.end[1] - self.start[1]),
        )

    def waypoints(self, count: int | None = None) -> np.ndarray:
        """The first `count` waypoints (default: the steps) as a (count, 2) array; any beyond
        the steps stay at the end, where the journey has arrived."""
        count = self.steps if count is None else count
        return np.array([self.waypoint(i) for i in range(count)], np.float64).reshape(-1, 2)

    def progress(self, points: np.ndarray) -> np.ndarray:
        """How far along the path (0 at the start, 1 at the end) each point lies, projected."""
        start, end = np.asarray(self.start), np.asarray(self.end)
        direction = end - start
        squared = float(direction @ direction)
        if squared == 0:
            return np.zeros(len(points))
        return np.clip((np.asarray(points) - start) @ direction / squared, 0.0, 1.0)


def walk(
    points: np.ndarray,
    candidates: np.ndarray,
    journey: Journey,
    leads: np.ndarray | None = None,
    per_artist: int = 0,
) -> np.ndarray:
    """Rows of `points` (an (n, 2) array) for the journey's steps, in play order.

    For each waypoint in turn: the nearest of `candidates` (row numbers) not yet picked whose
    lead artist (`leads`, one integer code a row) has fewer than `per_artist` picks; when every
    such track is taken, the nearest one left at all, so a small pool still fills the path.
    Ties go to the lower row, so the same journey always gives the same tracks. A pool smaller
    than the steps walks the same path in as many steps as it has tracks.
    """
    candidates = np.asarray(candidates, np.int64)
    targets = journey.shortened(len(candidates)).waypoints()
    if not len(targets):
        return np.empty(0, np.int64)
    gap = _distance_to_path(points[candidates], targets[0], targets[-1])
    shortlist = max(MIN_SHORTLIST, SHORTLIST_PER_STEP * len(targets))
    while True:
        if shortlist < len(candidates):
            cut = np.partition(gap, shortlist)[shortlist]
            near = candidates[gap <= cut]  # ties at the cut all come in
        else:
            near, cut = candidates, math.inf
        picked, reach = _greedy(points, near, targets, leads, per_artist)
        # A track nearer a waypoint than its pick lies nearer the path than that too, so the
        # picks are exact when none of them was further from its waypoint than the cut.
        if reach <= cut or len(near) == len(candidates):
            break
        shortlist *= SHORTLIST_GROWTH
    along = journey.progress(points[picked])
    return picked[np.argsort(along, kind="stable")]


def _greedy(
    points: np.ndarray,
    near: np.ndarray,
    targets: np.ndarray,
    leads: np.ndarray | None,
    per_artist: int,
) -> tuple[np.ndarray, float]:
    """The picks for `targets` among `near`, and the furthest any pick lies from its waypoint
    (infinite when `near` ran out)."""
    local = points[near]
    taken = np.zeros(len(near), bool)
    capped = per_artist > 0 and leads is not None
    if capped:
        codes = np.unique(leads[near], return_inverse=True)[1]
        picks_of = np.zeros(codes.max() + 1 if len(codes) else 0, np.int64)
    picked, reach = [], 0.0
    for target in targets:
        distance = np.square(local - target).sum(axis=1)
        distance[taken] = np.inf
        best = int(np.argmin(distance))
        if capped:
            allowed = np.where(picks_of[codes] < per_artist, distance, np.inf)
            if np.isfinite(allowed.min()):
                best = int(np.argmin(allowed))
        if not np.isfinite(distance[best]):
            return np.asarray(near[picked], np.int64), math.inf
        taken[best] = True
        if capped:
            picks_of[codes[best]] += 1
        picked.append(best)
        reach = max(reach, math.sqrt(distance[best]))
    return np.asarray(near[picked], np.int64), reach


def _distance_to_path(points: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Each point's distance to the segment from `start` to `end`."""
    direction = end - start
    squared = float(direction @ direction)
    share = np.zeros(len(points)) if squared == 0 else (points - start) @ direction / squared
    nearest = start + np.clip(share, 0.0, 1.0)[:, None] * direction
    return np.hypot(*(points - nearest).T)
