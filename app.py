"""Face to music: a Gradio Space that reads the emotion of every face and recommends tracks."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import gradio as gr

from pipeline import memory
from pipeline import recommend as pipeline
from pipeline.recommend import (
    ANY_LANGUAGE,
    AUTO,
    DEFAULT_LIMIT,
    EMOTIONS,
    MATCH,
    MAX_FILE_BYTES,
    MAX_TRACKS,
    HeldPhoto,
    LiveState,
    Recommendation,
    save_for_page,
)
from pipeline.uploads import NOT_UPLOADED

CACHE_SWEEP = (300, 600)  # every 5 min, delete Gradio's cached outputs older than 10 min
SESSION_PHOTO_TTL_S = 900  # a visitor's photo stays in memory this long for re-asking
TABLE_HEADERS = ["Title", "Artist", "Language", "Year", "Why it fits", "Spotify"]
STRATEGY_CHOICES = [("Match my mood", "match"), ("Lift my mood", "lift")]
PLOT_COLOURS = {
    "the journey": "#CFE3F0",  # pale, under the tracks it threads in play order
    "a face": "#E69F00",
    "mood read": "#999999",
    "mood aimed at": "#D55E00",
    "a track": "#0072B2",
}
TABLE_HEIGHT_PX = 900  # ten wrapped rows without an inner scroll bar
LIVE_FRAME_INTERVAL_S = 1 / 15  # the browser sends a frame this often; late ones are dropped
LIVE_TIME_LIMIT_S = 300  # one live session's share of the server before the camera stops
LIVE_STREAMS = 4  # visitors streaming at once; more wait their turn

# The app's own start-up lines (which emotion model and track sources it uses) reach
# the Space's log; every other library keeps Python's default of warnings and worse.
APP_LOGGERS = ("pipeline", "catalog")
LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"

logging.basicConfig(format=LOG_FORMAT)
for logger_name in APP_LOGGERS:
    logging.getLogger(logger_name).setLevel(logging.INFO)
memory.tune_malloc()  # before the models and threads: a Space sets no MALLOC_* variables
recommender = pipeline.build()
UPLOAD_FOLDER = gr.utils.get_upload_folder()  # the only place photos are read from or deleted


def recommend(
    image: dict | None,
    artist: str = "",
    language: str = ANY_LANGUAGE,
    mood: str = AUTO,
    limit: int = DEFAULT_LIMIT,
    strategy: str = MATCH,
    page: int = 0,
    held: HeldPhoto | None = None,
) -> tuple:
    """Read every face in `image`, and recommend tracks for the group's mood.

    Args:
        image: a photo (JPEG, PNG, WebP; grey, RGB or RGBA; EXIF rotation honoured).
        artist: favourite artist to narrow the list to ("" for any).
        language: one of the catalog's languages, or "Any".
        mood: "Auto" to read it from the faces, or one emotion to override it.
        limit: how many tracks, 1-50.
        strategy: "match" for music that fits the mood, "lift" for a journey: tracks in play
            order from the mood read to a brighter one, each with its `step` in the record.
        page: 0 for the best tracks; 1, 2, ... for the next ones ("more"; on a lift, the
            journey's next steps, then tracks near where it ended).
    Returns:
        the annotated photo, the mean emotion scores, the track table, the valence/energy
        plot, the status line, the JSON record (and, for the page only, the photo kept in the
        session and where "More tracks" goes on from).
    """
    return _answer(image, artist, language, mood, limit, strategy, page, None, held)


def more(
    image: dict | None,
    artist: str,
    language: str,
    mood: str,
    limit: int,
    strategy: str,
    shown: MoreFrom | None,
    held: HeldPhoto | None,
) -> tuple:
    """The next tracks after those shown, for the same photo and choices (the "More tracks"
    button); after a change of photo or choice, the first tracks for the new ones."""
    same = shown is not None and shown.choices == _choices(image, artist, language, mood, strategy)
    offset = shown.offset if same else 0
    return _answer(image, artist, language, mood, limit, strategy, 0, offset, held)


@dataclass(frozen=True)
class MoreFrom:
    """Where "More tracks" goes on from: the tracks shown so far, and the choices they were for."""

    offset: int
    choices: tuple


def _choices(image: dict | None, *options: object) -> tuple:
    upload = image.get("path") if isinstance(image, dict) else image
    return (upload, *options)


def _answer(image, artist, language, mood, limit, strategy, page, offset, held) -> tuple:
    result, held = recommender.recommend_upload(
        image, held, UPLOAD_FOLDER, artist, language, mood, limit, strategy, page, offset
    )
    go_on = MoreFrom(
        result.offset + len(result.tracks), _choices(image, artist, language, mood, strategy)
    )
    return (*render(result), held, go_on)


def follow(
    frame,
    artist: str,
    language: str,
    mood: str,
    limit: int,
    strategy: str,
    state: LiveState | None,
) -> tuple:
    """One live webcam frame: the boxed frame and smoothed scores every time, the status, and
    new tracks only when the steady mood or a filter changes."""
    if frame is None:
        return (gr.skip(),) * 8
    view = recommender.live(frame, state or LiveState(), artist, language, limit, strategy, mood)
    fresh = view.refreshed
    return (
        None if state is None else gr.skip(),  # a new stream clears an earlier photo's boxes
        view.frame,
        view.scores or None,
        view.status,
        fresh.table() if fresh else gr.skip(),
        fresh.plot() if fresh else gr.skip(),
        fresh.record() if fresh else gr.skip(),
        view.state,
    )


def render(result: Recommendation) -> tuple:
    if result.error:
        gr.Warning(result.error)
    return (
        None if result.photo is None else save_for_page(result.photo, annotated.GRADIO_CACHE),
        result.group_scores() or None,
        result.table(),
        result.plot(),
        result.status(),
        result.record(),
    )


class Blocks(gr.Blocks):
    """gr.Blocks whose own refusal of a request, before any handler runs, says why in words.

    Gradio refuses a file path outside its upload folder (sent over the raw HTTP API) with a
    ValueError whose text it hides from the caller: the answer was an error with no message.
    """

    async def preprocess_data(self, *args, **kwargs):
        try:
            return await super().preprocess_data(*args, **kwargs)
        except gr.exceptions.InvalidPathError as error:
            raise gr.Error(NOT_UPLOADED, print_exception=False) from error


with Blocks(title="Face to Music", delete_cache=CACHE_SWEEP) as demo:
    gr.Markdown(
        "# 🎭 Face to Music\n"
        "Show a face (or a few). The app reads each one's emotion, works out the group's mood "
        "and picks tracks that fit it. Your photo is read in memory and deleted from the server "
        "at once; the boxed copy shown back is cleared from its cache within minutes."
    )
    held_upload = gr.State(None, time_to_live=SESSION_PHOTO_TTL_S)
    held_snapshot = gr.State(None, time_to_live=SESSION_PHOTO_TTL_S)
    live_state = gr.State(None, time_to_live=LIVE_TIME_LIMIT_S)
    upload_page = gr.State(None)  # where each tab's "More tracks" goes on from
    snapshot_page = gr.State(None)
    with gr.Row():
        with gr.Column(scale=2):
            with gr.Tabs():
                with gr.Tab("Upload"):
                    photo = gr.Image(
                        label="Photo", sources=["upload", "clipboard"], type="filepath"
                    )
                    with gr.Row():
                        upload_button = gr.Button("Recommend music", variant="primary")
                        upload_more = gr.Button("More tracks")
                with gr.Tab("Webcam"), gr.Tabs():
                    with gr.Tab("Snapshot"):
                        snapshot = gr.Image(
                            label="Snapshot from your camera", sources=["webcam"], type="filepath"
                        )
                        with gr.Row():
                            webcam_button = gr.Button("Recommend music", variant="primary")
                            webcam_more = gr.Button("More tracks")
                    with gr.Tab("Live"):
                        camera = gr.Image(
                            label="Your camera, live (press record)",
                            sources=["webcam"],
                            streaming=True,
                            type="numpy",
                        )
                        # The boxed frame travels inside the page as an inline image: unlike
                        # gr.Image, which saves every output to disk, it leaves no file behind.
                        live_view = gr.HTML(label="Live reading")
            strategy = gr.Radio(
                STRATEGY_CHOICES,
                value=MATCH,
                label="Music for my mood",
                info="Match it, or lift it: a playlist that starts where you are and moves step "
                "by step to brighter music (gently from sad, further from angry)",
            )
            artist = gr.Textbox("", label="Favourite artist", placeholder="any artist")
            language = gr.Dropdown(
                list(recommender.languages), value=ANY_LANGUAGE, label="Language"
            )
            with gr.Accordion("More options", open=False):
                mood = gr.Dropdown(
                    [AUTO, *EMOTIONS],
                    value=AUTO,
                    label="Mood",
                    info="Auto reads it from the faces; pick one if the read is wrong",
                )
                limit = gr.Slider(1, MAX_TRACKS, value=DEFAULT_LIMIT, step=1, label="Tracks")
                # The API's `page` (0 = the best tracks); the page itself uses "More tracks".
                first_page = gr.Number(0, precision=0, visible=False, label="Page")
        with gr.Column(scale=3):
            annotated = gr.Image(label="Faces found", interactive=False)
            status = gr.Markdown(label="Status")
            scores = gr.Label(label="Emotions (mean over faces)", num_top_classes=len(EMOTIONS))
            tracks = gr.Dataframe(
                headers=TABLE_HEADERS,
                datatype=["str", "str", "str", "str", "str", "markdown"],
                label="Recommended tracks",
                column_widths=["20%", "17%", "11%", "7%", "33%", "12%"],
                max_height=TABLE_HEIGHT_PX,
                interactive=False,
                wrap=True,
            )
            plot = gr.ScatterPlot(
                None,  # no frame yet: Gradio redraws a plot that starts empty only from None
                x="valence",
                y="energy",
                color="point",
                color_map=PLOT_COLOURS,
                x_lim=[0, 1],
                y_lim=[0, 1],
                x_title="valence (sad → happy)",
                y_title="energy (calm → lively)",
                tooltip=["name", "valence", "energy"],
                height=300,
                label="Mood and tracks on the valence/energy plane",
            )
            with gr.Accordion("JSON record (what the API returns)", open=False):
                record = gr.JSON(label="Record")

    options = [artist, language, mood, limit, strategy]
    shown = [annotated, scores, tracks, plot, status, record]
    upload_button.click(
        recommend,
        [photo, *options, first_page, held_upload],
        [*shown, held_upload, upload_page],
        api_name="recommend",
        preprocess=False,  # the pipeline reads the file itself, to explain a bad one plainly
    )
    upload_more.click(
        more,
        [photo, *options, upload_page, held_upload],
        [*shown, held_upload, upload_page],
        api_visibility="private",
        preprocess=False,
    )
    webcam_button.click(
        recommend,
        [snapshot, *options, first_page, held_snapshot],
        [*shown, held_snapshot, snapshot_page],
        api_visibility="private",
        preprocess=False,
    )
    webcam_more.click(
        more,
        [snapshot, *options, snapshot_page, held_snapshot],
        [*shown, held_snapshot, snapshot_page],
        api_visibility="private",
        preprocess=False,
    )
    camera.stream(
        follow,
        [camera, artist, language, mood, limit, strategy, live_state],
        [annotated, live_view, scores, status, tracks, plot, record, live_state],
        stream_every=LIVE_FRAME_INTERVAL_S,
        time_limit=LIVE_TIME_LIMIT_S,
        concurrency_limit=LIVE_STREAMS,
        show_progress="hidden",
        api_visibility="private",
    )


if __name__ == "__main__":
    demo.queue(default_concurrency_limit=2).launch(max_file_size=MAX_FILE_BYTES)
