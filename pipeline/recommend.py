"""The whole request: photo -> faces -> emotions -> mood -> tracks, as one `Recommendation`.

`build()` composes the parts once at start-up from the environment; `Recommender.recommend`
is then a plain function of its inputs. `app.py` needs nothing but this module.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from catalog import spotify
from catalog import tracks as catalog
from catalog.csv_source import BUNDLED_CATALOG, CatalogError, CsvCatalog, catalog_paths
from catalog.journey import Journey
from catalog.tracks import ANY_LANGUAGE, DEFAULT_LIMIT, Query, SourceUnavailable, Track, TrackSource
from pipeline import crops, draw, emotion, faces, hub, images, live, mood, uploads
from pipeline.emotion import EMOTIONS, EmotionModel, EmotionScores
from pipeline.faces import Detector, Face
from pipeline.images import MAX_FILE_BYTES
from pipeline.live import LiveState
from pipeline.mood import AUTO, LIFT, MATCH, STRATEGIES, Mood
from pipeline.uploads import HeldPhoto

save_for_page = draw.save_for_page  # the one way the boxed photo is encoded for the page

__all__ = [  # what app.py uses
    "ANY_LANGUAGE",
    "AUTO",
    "DEFAULT_LIMIT",
    "EMOTIONS",
    "LIFT",
    "MATCH",
    "MAX_FILE_BYTES",
    "MAX_PAGE",
    "MAX_TRACKS",
    "STRATEGIES",
    "HeldPhoto",
    "LiveState",
    "LiveView",
    "Recommendation",
    "Recommender",
    "build",
    "held_example",
    "save_for_page",
]

log = logging.getLogger(__name__)

MAX_FACES = 60  # a crowd beyond this is read by its 60 largest faces, to bound the time
MAX_TRACKS = 50
MAX_PAGE = 100  # "more" pages a request may ask for; 5000 tracks deep is past any use
MAX_OFFSET = MAX_PAGE * MAX_TRACKS
MAX_ARTIST_CHARS = 200
LIVE_FRAME_SIDE = 480  # pixels; webcam frames are read at this size: a webcam face is large
EMOTION_MODEL_FILE = hub.EMOTION_MODEL_FILE
SHORT_COMMIT = 7  # hex digits of a commit hash in the log, as git abbreviates it
NO_FACE = (
    "No face found in this photo. Try a well-lit photo where faces look at the camera and "
    "are not too small, or choose a mood by hand under More options."
)


JOURNEY_STEPS = DEFAULT_LIMIT  # a lift takes at least this many tracks: fewer would each be a
# jump the ear notices; asked for more at once, the journey takes that many, in smaller steps


@dataclass(frozen=True)
class FaceReading:
    face: Face  # in the coordinates of the working copy of the photo
    scores: EmotionScores


@dataclass(frozen=True)
class Recommendation:
    """Everything one request produced; `error` is set (and nothing else) for unusable input."""

    faces: tuple[FaceReading, ...] = ()
    mood: Mood | None = None
    tracks: tuple[Track, ...] = ()
    source: str = ""
    notice: str = ""
    detector: str = ""
    error: str = ""
    faces_found: int = 0
    scale: float = 1.0  # working copy / uploaded photo, to report boxes in upload pixels
    offset: int = 0  # how many better tracks earlier pages showed ("more")
    journey: Journey | None = None  # a lift's path as walked; None when the mood is matched
    photo: np.ndarray | None = field(default=None, compare=False, repr=False)  # annotated
    labels: tuple[draw.Label, ...] = ()  # each face's label, placed on `photo`

    def group_scores(self) -> dict[str, float]:
        """Mean probability of each emotion over all faces (what the confidence bars show)."""
        if not self.faces:
            return {}
        mean = mood.group_mean([r.scores for r in self.faces])
        return {label: float(p) for label, p in zip(EMOTIONS, mean, strict=True)}


@dataclass(frozen=True)
class LiveView:
    """One processed webcam frame: what to show now, and new tracks only when they change."""

    frame: np.ndarray = field(compare=False, repr=False)  # the frame, boxed and labelled
    state: LiveState
    scores: dict[str, float]
    faces_in_frame: int = 0  # readable faces in this very frame
    problem: str = ""  # an option that could not be used, in words for the visitor
    manual_mood: str = ""  # the mood set by hand that chooses the tracks, if any
    refreshed: Recommendation | None = None  # set when the steady mood or the filters changed


class Recommender:
    """The composed pipeline: one detector, one emotion model, the track sources in order."""

    def __init__(
        self,
        detector: Detector,
        model: EmotionModel,
        sources: Sequence[TrackSource],
        languages: Sequence[str],
    ) -> None:
        self.detector = detector
        self.model = model
        self.sources = tuple(sources)
        self.languages = (ANY_LANGUAGE, *languages)

    def recommend(
        self,
        image: images.ImageSource | images.Photo,
        artist: str = "",
        language: str = ANY_LANGUAGE,
        mood_override: str = AUTO,
        limit: int = DEFAULT_LIMIT,
        strategy: str = MATCH,
        page: int = 0,
        offset: int | None = None,
    ) -> Recommendation:
        """Read the faces in `image` and recommend up to `limit` tracks for their mood; `page`
        1, 2, ... gives the next tracks after the first `page * limit`, and `offset` (when
        given) skips exactly that many."""
        try:
            photo = image if isinstance(image, images.Photo) else images.read(image)
            options = check_options(artist, language, mood_override, limit, strategy, page, offset)
        except (images.ImageError, ValueError) as error:
            return self._failed(str(error))

        found, readings = self.read_photo(photo.rgb)
        if not readings and options.mood == AUTO:
            return self._failed(NO_FACE, photo=photo.rgb)
        if options.mood == AUTO:
            chosen = mood.target([r.scores for r in readings], options.strategy)
        else:
            chosen = mood.manual(options.mood, options.strategy)
        result = self._tracks_for(chosen, options, readings, len(found))
        if result.error:
            return result
        boxed, scored = [r.face for r in readings], [r.scores for r in readings]
        annotated = draw.annotate(photo.rgb, boxed, scored)
        placed = tuple(draw.labels(photo.rgb.shape, boxed, scored))
        return replace(result, scale=photo.scale, photo=annotated, labels=placed)

    def recommend_upload(
        self,
        payload: object,
        held: HeldPhoto | None,
        upload_root: str,
        artist: str = "",
        language: str = ANY_LANGUAGE,
        mood_override: str = AUTO,
        limit: int = DEFAULT_LIMIT,
        strategy: str = MATCH,
        page: int = 0,
        offset: int | None = None,
    ) -> tuple[Recommendation, HeldPhoto | None]:
        """`recommend` for a raw Gradio upload, which is read into memory and deleted from disk."""
        try:
            photo, held = uploads.take(payload, held, upload_root)
        except images.ImageError as error:
            return self._failed(str(error)), held
        chosen = self.recommend(
            photo, artist, language, mood_override, limit, strategy, page, offset
        )
        return chosen, held

    def live(
        self,
        frame: np.ndarray,
        state: LiveState,
        artist: str = "",
        language: str = ANY_LANGUAGE,
        limit: int = DEFAULT_LIMIT,
        strategy: str = MATCH,
        mood_override: str = AUTO,
    ) -> LiveView:
        """Read one webcam frame into the visitor's smoothed state; choose tracks only when the
        steady mood (or a choice) changes. A mood set by hand chooses the tracks instead of the
        faces, which are still followed and labelled."""
        problem = ""
        try:
            key = check_options(artist, language, mood_override, limit, strategy)
        except ValueError as error:
            key, problem = None, str(error)
        rgb, _ = faces.downscale(images.to_rgb(frame), LIVE_FRAME_SIDE)
        # A dark or blurred frame counts as no face: the steady reading holds instead of jumping.
        found, readings = self.read_photo(rgb, readable_only=True)
        faces_read = [r.face for r in readings]
        previous, state = state, live.step(state, faces_read, [r.scores for r in readings])
        shown = state.faces if readings else ()
        view = dict(
            frame=draw.annotate(rgb, [_as_face(f) for f in shown], [f.scores for f in shown]),
            scores=_as_scores(state.group()),
            faces_in_frame=len(readings),
            problem=problem,
            manual_mood=key.mood if key and key.mood != AUTO else "",
        )
        refreshed = None
        if key and key.mood != AUTO:
            if key != state.query_key:
                chosen = mood.manual(key.mood, key.strategy)
                refreshed = self._tracks_for(chosen, key, readings, len(found))
                state = replace(state, query_key=key)
        elif key and state.steady and (state.steady != previous.steady or key != state.query_key):
            group = state.group()
            chosen = (
                mood.target([EmotionScores(tuple(group))], key.strategy)
                if group is not None
                else None
            )
            if chosen is not None:
                refreshed = self._tracks_for(chosen, key, readings, len(found))
                state = replace(state, query_key=key)
        return LiveView(state=state, refreshed=refreshed, **view)

    def read_photo(
        self, rgb: np.ndarray, readable_only: bool = False
    ) -> tuple[list[Face], list[FaceReading]]:
        """All faces found, and readings of the largest `MAX_FACES` in reading order."""
        found = self.detector.detect(rgb)  # largest first
        return found, self.read_faces(rgb, reading_order(found[:MAX_FACES]), readable_only)

    def _tracks_for(
        self, chosen: Mood, options: Options, readings: Sequence[FaceReading], found: int
    ) -> Recommendation:
        """Ask the sources for tracks for `chosen`; the result lacks only the photo. A lift asks
        for a journey from the mood read to where the lift ends."""
        journey = None
        if chosen.lifted:
            steps = max(options.limit, JOURNEY_STEPS)
            journey = Journey(chosen.read, chosen.destination, steps, chosen.ease)
        query = Query(
            chosen.valence,
            chosen.energy,
            options.artist,
            options.language,
            options.limit,
            offset=options.offset,
            mood=chosen.emotion,
            lifted=chosen.lifted,
            journey=journey,
        )
        try:
            answer = catalog.recommend(self.sources, query)
        except SourceUnavailable as error:
            return self._failed(str(error))
        if journey is not None and answer.steps is not None:
            journey = journey.shortened(answer.steps)
        return Recommendation(
            faces=tuple(readings),
            mood=chosen,
            tracks=answer.tracks,
            source=answer.source,
            notice=answer.notice,
            detector=self.detector.name,
            faces_found=found,
            offset=options.offset,
            journey=journey,
        )

    def read_faces(
        self, rgb: np.ndarray, found: Sequence[Face], readable_only: bool = False
    ) -> list[FaceReading]:
        """Classify every face of one photo in a single batched model call; with
        `readable_only`, faces too dark or blurred to read are left out."""
        grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        framing = crops.framing_for(self.detector.name)
        cut = [crops.crop(grey, face, framing) for face in found]
        if readable_only:
            kept = [(f, c) for f, c in zip(found, cut, strict=True) if crops.readable(c)]
            found, cut = [f for f, _ in kept], [c for _, c in kept]
        if not cut:
            return []
        scores = self.model.classify(np.stack(cut))
        return [FaceReading(f, s) for f, s in zip(found, scores, strict=True)]

    def _failed(self, message: str, photo: np.ndarray | None = None) -> Recommendation:
        return Recommendation(
            error=message,
            detector=self.detector.name,
            photo=None if photo is None else draw.annotate(photo, [], []),
        )


def held_example(path: str | os.PathLike) -> HeldPhoto:
    """One of the app's own example photos, held like an upload (it is never deleted)."""
    return HeldPhoto(f"example:{os.fspath(path)}", images.read(path))


def reading_order(found: Sequence[Face]) -> list[Face]:
    """Faces in the order a person reads a photo: rows top to bottom, each left to right. A
    face joins a row when its centre is within half a face height of the row's first face."""
    rows: list[list[Face]] = []
    for face in sorted(found, key=lambda f: f.box[1] + f.box[3] / 2):
        centre = face.box[1] + face.box[3] / 2
        row = rows[-1] if rows else None
        if row and abs(centre - (row[0].box[1] + row[0].box[3] / 2)) <= row[0].box[3] / 2:
            row.append(face)
        else:
            rows.append([face])
    return [face for row in rows for face in sorted(row, key=lambda f: f.box[0])]


def _as_face(followed: live.FollowedFace) -> Face:
    return Face(followed.box, score=1.0)


def _as_scores(group: np.ndarray | None) -> dict[str, float]:
    return {} if group is None else {e: float(p) for e, p in zip(EMOTIONS, group, strict=True)}


@dataclass(frozen=True)
class Options:
    """What the visitor chose besides the photo, checked."""

    artist: str = ""
    language: str = ANY_LANGUAGE
    mood: str = AUTO
    limit: int = DEFAULT_LIMIT
    strategy: str = MATCH
    offset: int = 0


def check_options(
    artist: object,
    language: object,
    mood_override: object,
    limit: object,
    strategy: object = MATCH,
    page: object = 0,
    offset: int | None = None,
) -> Options:
    """Check the options as an API caller may send anything; ValueError says what is wrong."""
    choices = {name.casefold(): name for name in (AUTO, *EMOTIONS)}
    chosen_mood = choices.get(str(mood_override or AUTO).strip().casefold())
    if chosen_mood is None:
        raise ValueError(
            f"Unknown mood “{mood_override}”; choose one of {', '.join(choices.values())}."
        )
    chosen_strategy = str(strategy or MATCH).strip().casefold()
    if chosen_strategy not in STRATEGIES:
        raise ValueError(f"Unknown strategy “{strategy}”; choose {' or '.join(STRATEGIES)}.")
    count = _whole_number(
        limit, f"The number of tracks must be a whole number from 1 to {MAX_TRACKS}."
    )
    chosen_page = _whole_number(page or 0, f"The page must be a whole number from 0 to {MAX_PAGE}.")
    if not 0 <= chosen_page <= MAX_PAGE:
        raise ValueError(f"The page must be a whole number from 0 to {MAX_PAGE}.")
    chosen_limit = max(1, min(count, MAX_TRACKS))
    skip = chosen_page * chosen_limit if offset is None else min(max(offset, 0), MAX_OFFSET)
    return Options(
        artist="" if artist is None else str(artist).strip()[:MAX_ARTIST_CHARS],
        language=str(language or ANY_LANGUAGE).strip() or ANY_LANGUAGE,
        mood=chosen_mood,
        limit=chosen_limit,
        strategy=chosen_strategy,
        offset=skip,
    )


def _whole_number(value: object, message: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(message) from None


def build(environ: Mapping[str, str] | None = None) -> Recommender:
    """Compose the recommender from the environment (see README, "Configuration")."""
    env = os.environ if environ is None else environ
    # huggingface_hub reads these once at import; passing them on honours `environ` too.
    at_hub = {"endpoint": env.get("HF_ENDPOINT"), "cache_dir": env.get("HF_HUB_CACHE")}

    yunet = hub.resolve(hub.YUNET, explicit=env.get("YUNET_ONNX"), **at_hub)
    if yunet.path is None:
        log.warning("YuNet unavailable (%s); using the Haar cascade", yunet.detail)
    detector = faces.load_detector(yunet.path)
    log.info("face detector: %s (%s)", detector.name, detector.runtime)

    model_file = hub.env_hub_file(
        hub.EMOTION_MODEL_REPO_VARIABLE,
        hub.EMOTION_MODEL_REVISION_VARIABLE,
        EMOTION_MODEL_FILE,
        env,
    )
    resolved = hub.resolve(
        model_file,
        explicit=env.get("EMOTION_MODEL_PATH"),
        bundled=emotion.BUNDLED_MODEL,
        **at_hub,
    )
    if resolved.origin == "bundled" and (model_file or env.get("EMOTION_MODEL_PATH")):
        log.warning(
            "configured emotion model unavailable (%s); using the bundled one", resolved.detail
        )
    model = emotion.load(resolved.path or emotion.BUNDLED_MODEL)
    log.info("emotion model: %s", model_origin(resolved, model_file, env.get("EMOTION_MODEL_PATH")))

    offline = load_catalog(env, at_hub)
    # The fallback order, in one place: live Spotify when configured, then the CSV catalog.
    live = spotify.from_environment(env)
    sources = [live, offline] if live else [offline]
    log.info(
        "track sources: %s (catalog: %d tracks)", ", ".join(s.name for s in sources), len(offline)
    )
    return Recommender(detector, model, sources, offline.languages)


def model_origin(
    resolved: hub.Resolved, model_file: hub.HubFile | None, explicit: str | None = None
) -> str:
    """Where the emotion model came from, in words for the start-up log: "hub owner/name@abc1234",
    "file /path/mine.keras", or "bundled models/emotion_cnn.keras (why)"."""
    if resolved.origin in ("hub", "cache") and model_file is not None:
        commit = (resolved.commit or model_file.revision)[:SHORT_COMMIT]
        note = "; ".join(part for part in ("cached", resolved.detail) if part)
        cached = f" ({note})" if resolved.origin == "cache" else ""
        return f"hub {model_file.repo_id}@{commit}{cached}"
    if resolved.origin == "explicit":
        return f"file {resolved.path}"
    reason = resolved.detail
    if model_file is None and not explicit:
        reason = f"{hub.EMOTION_MODEL_REPO_VARIABLE} is not set"
    bundled = emotion.BUNDLED_MODEL
    return f"bundled {bundled.parent.name}/{bundled.name} ({reason})"


CATALOG_DATASET_VARIABLE = "CATALOG_DATASET"
NO_DATASET = ("", "none", "off")


def load_catalog(env: Mapping[str, str], at_hub: Mapping[str, object]) -> CsvCatalog:
    """The offline catalog: `CATALOG_CSV`'s files if set; else the Spotify Tracks Dataset from
    the Hub (cached after the first download) with the bundled catalog beside it; else, or when
    a file cannot be used, the bundled catalog alone."""
    setting = env.get("CATALOG_CSV", "").strip()
    if setting:
        paths, name = catalog_paths(setting), "catalog"
    else:
        dataset = env.get(CATALOG_DATASET_VARIABLE, hub.SPOTIFY_TRACKS.repo_id).strip()
        found = (
            hub.resolve(replace(hub.SPOTIFY_TRACKS, repo_id=dataset), **at_hub)
            if dataset.casefold() not in NO_DATASET
            else hub.Resolved(None, "missing", f"{CATALOG_DATASET_VARIABLE} is off")
        )
        if found.path is None:
            log.info("catalog dataset unavailable (%s); using the bundled catalog", found.detail)
            return CsvCatalog()
        paths, name = [BUNDLED_CATALOG, found.path], "catalog"
    try:
        return CsvCatalog(paths, name=name)
    except CatalogError as error:
        log.error("%s; using the bundled catalog", error)
        return CsvCatalog()
