"""Face to music: a Gradio Space that reads the emotion of every face and recommends tracks."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from pipeline import memory
from pipeline.quiet import console, native_stderr_silenced

# TensorFlow's start-up notes (C++ and absl) stay off the console; the app's own lines do not.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
with native_stderr_silenced():
    from pipeline import present
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
)
from pipeline.uploads import NOT_UPLOADED

CACHE_SWEEP = (300, 600)  # every 5 min, delete Gradio's cached outputs older than 10 min
SESSION_PHOTO_TTL_S = 900  # a visitor's photo stays in memory this long for re-asking
STRATEGY_CHOICES = [("Match my mood", "match"), ("Lift my mood", "lift")]
LIVE_FRAME_INTERVAL_S = 1 / 15  # the browser sends a frame this often; late ones are dropped
LIVE_TIME_LIMIT_S = 300  # one live session's share of the server before the camera stops
LIVE_STREAMS = 4  # visitors streaming at once; more wait their turn
RECORD_OUTPUT = 5  # where `render`'s outputs hold the JSON record
CAMERA_CHECK_S = 1.0  # while live, how often the page asks whether frames still come
CAMERA_OFF_AFTER_S = 2.0  # no frame for this long: the camera was stopped
PAGE_CSS = Path(__file__).parent / "pipeline" / "page.css"
EXAMPLES = sorted((Path(__file__).parent / "examples").glob("*.jpg"))

# The app's own start-up lines (which detector, emotion model and track sources it uses) reach
# the Space's log; every other library keeps Python's default of warnings and worse.
APP_LOGGERS = ("pipeline", "catalog")
LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"
QUIET_LOGGERS = ("absl",)  # TensorFlow's Python-side notes (a deprecation on converting)

logging.basicConfig(format=LOG_FORMAT, stream=console())
for logger_name in APP_LOGGERS:
    logging.getLogger(logger_name).setLevel(logging.INFO)
for logger_name in QUIET_LOGGERS:
    logging.getLogger(logger_name).setLevel(logging.ERROR)
memory.tune_malloc()  # before the models and threads: a Space sets no MALLOC_* variables
with native_stderr_silenced():
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
        the annotated photo, the mean emotion scores, the tracks (as the page's HTML cards),
        the valence/energy plot, the status line, the JSON record (and, for the page only,
        the photo kept in the session and where "More tracks" goes on from).
    """
    return _from_upload(image, artist, language, mood, limit, strategy, page, held)


def _from_upload(image, artist, language, mood, limit, strategy, page, held, on_page=False):
    result, held = recommender.recommend_upload(
        image, held, UPLOAD_FOLDER, artist, language, mood, limit, strategy, page
    )
    go_on = _go_on(result, held, artist, language, mood, strategy)
    return (*render(result, on_page), held, go_on)


@dataclass(frozen=True)
class MoreFrom:
    """Where "More tracks" goes on from: the tracks shown so far, and the choices they were for."""

    offset: int
    choices: tuple


def _go_on(result: Recommendation, held: HeldPhoto | None, *choices: object) -> MoreFrom:
    return MoreFrom(result.offset + len(result.tracks), (held and held.upload, *choices))


def upload(image, artist, language, mood, limit, strategy, held) -> tuple:
    """A photo just chosen: its answer at once, shown in the photo's place (a file that is no
    readable photo stays in view, with the message that says why)."""
    answered = _from_upload(image, artist, language, mood, limit, strategy, 0, held, True)
    record = answered[RECORD_OUTPUT]
    return (*answered, *_swap(record["error"] is None))


def example(index: int, artist, language, mood, limit, strategy) -> tuple:
    """One of the example photos, read from the app's own folder (never from uploads)."""
    held = pipeline.held_example(EXAMPLES[index])
    return (*again(artist, language, mood, limit, strategy, held), *_swap(True))


def again(artist, language, mood, limit, strategy, held, offset: int | None = None) -> tuple:
    """The same photo with the choices as they are now (a filter changed, or "More tracks")."""
    if held is None:
        return (gr.skip(),) * 8  # no photo yet: the choices wait for one
    result = recommender.recommend(
        held.photo, artist, language, mood, limit, strategy, offset=offset
    )
    return (*render(result, True), held, _go_on(result, held, artist, language, mood, strategy))


def choice_changed(artist, language, mood, limit, strategy, held, streaming) -> tuple:
    """A choice changed: the photo's tracks again, unless the camera is live (the stream reads
    the choices with its next frame)."""
    if streaming is not None:
        return (gr.skip(),) * 8
    return again(artist, language, mood, limit, strategy, held)


def more(artist, language, mood, limit, strategy, shown: MoreFrom | None, held) -> tuple:
    """The next tracks after those shown, for the same photo and choices; after a change of
    photo or choice, the first tracks for the new ones."""
    same = shown is not None and held is not None
    same = same and shown.choices == (held.upload, artist, language, mood, strategy)
    return again(artist, language, mood, limit, strategy, held, shown.offset if same else 0)


def snapshot_taken(image, artist, language, mood, limit, strategy, held) -> tuple:
    """A snapshot just taken, answered in its place like a photo (cleared: nothing changes)."""
    if image is None:
        return (gr.skip(),) * 11
    return upload(image, artist, language, mood, limit, strategy, held)


def another_photo() -> tuple:
    """Back to choosing a photo: the upload box (or the camera) returns, empty."""
    return gr.update(value=None, visible=True), gr.update(visible=False)


def _swap(answered: bool) -> tuple:
    """The upload box gives its place to the boxed photo once a photo is answered, and an
    earlier live frame goes."""
    return gr.update(visible=not answered), gr.update(visible=answered), ""


def follow(frame, artist, language, mood, limit, strategy, state: LiveState | None) -> tuple:
    """One live webcam frame: the boxed frame and smoothed scores every time, the status, and
    new tracks only when the steady mood or a filter changes."""
    if frame is None:
        return (gr.skip(),) * 10
    view = recommender.live(frame, state or LiveState(), artist, language, limit, strategy, mood)
    fresh = view.refreshed
    return (
        gr.update(visible=False) if state is None else gr.skip(),  # the live frame takes over
        present.live_frame(view),
        view.scores or None,
        present.live_status(view),
        present.cards(fresh) if fresh else gr.skip(),
        present.plot(fresh) if fresh else gr.skip(),
        present.record(fresh) if fresh else gr.skip(),
        view.state,
        time.monotonic(),
        gr.Timer(active=True) if state is None else gr.skip(),
    )


def check_camera(state: LiveState | None, last_frame: float | None) -> tuple:
    """While live: once frames stop coming, the camera was stopped; say so, keep the tracks."""
    if last_frame is None or time.monotonic() - last_frame < CAMERA_OFF_AFTER_S:
        return (gr.skip(),) * 4
    steady = state.steady if state else None
    # A fresh state for the next stream, which starts by clearing the boxed photo again.
    return present.camera_off(steady), None, None, gr.Timer(active=False)


def render(result: Recommendation, on_page: bool = False) -> tuple:
    """What the outputs show of a result; the API gets plain values, the page a little more."""
    if result.error:
        gr.Warning(result.error)
    picture = None
    if result.photo is not None:
        picture = pipeline.save_for_page(result.photo, annotated.GRADIO_CACHE)
    if on_page:  # in its place again after a live view, described by every face's label
        picture = gr.update(value=picture, visible=True, alt_text=present.photo_description(result))
    return (
        picture,
        result.group_scores() or None,
        present.cards(result),
        present.plot(result),
        present.status(result),
        present.record(result),
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
        "# 🎭 Face to Music\nShow a face, or a few: hear music for the mood they share. "
        "Your photo is read in memory and deleted from the server at once.",
        elem_id="intro",
    )
    held = gr.State(None, time_to_live=SESSION_PHOTO_TTL_S)  # the last photo asked about
    live_state = gr.State(None, time_to_live=LIVE_TIME_LIMIT_S)
    last_frame = gr.State(None, time_to_live=LIVE_TIME_LIMIT_S)  # when the last frame came
    shown_so_far = gr.State(None)  # where "More tracks" goes on from
    clock = gr.Timer(CAMERA_CHECK_S, active=False)
    with gr.Row(elem_id="page"):
        # The choices take a third of a laptop screen; the picture and the tracks share the rest.
        with gr.Column(scale=1, min_width=320, elem_id="ask"):
            with gr.Tabs():
                with gr.Tab("Photo"):
                    photo = gr.Image(
                        label="Photo",
                        sources=["upload", "clipboard"],
                        type="filepath",
                        height=360,
                        elem_id="photo",
                    )
                    another = gr.Button("Another photo", visible=False, size="sm")
                    # The API's entry point; the page itself answers as soon as a photo is chosen.
                    api_button = gr.Button("Recommend music", visible=False)
                    examples = gr.Dataset(
                        components=[gr.Image(type="filepath", render=False)],
                        samples=[[str(path)] for path in EXAMPLES],
                        label="No photo at hand? Try one of these",
                        type="index",
                        elem_id="examples",
                    )
                with gr.Tab("Snapshot"):
                    snapshot = gr.Image(
                        label="Snapshot from your camera", sources=["webcam"], type="filepath"
                    )
                    another_snapshot = gr.Button("Another snapshot", visible=False, size="sm")
                with gr.Tab("Live"):
                    camera = gr.Image(
                        label="Your camera, live (press record)",
                        sources=["webcam"],
                        streaming=True,
                        type="numpy",
                        elem_id="camera",
                    )
            strategy = gr.Radio(
                STRATEGY_CHOICES,
                value=MATCH,
                label="Music for my mood",
                info="Match it, or lift it: a playlist that moves step by step to brighter music",
            )
            with gr.Row():
                artist = gr.Textbox(
                    "", label="Favourite artist", placeholder="any artist", min_width=160
                )
                language = gr.Dropdown(
                    list(recommender.languages),
                    value=ANY_LANGUAGE,
                    label="Language",
                    min_width=120,
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
        with gr.Column(scale=2, min_width=320, elem_id="results"):
            # Plain text, never markup: what a visitor typed shows exactly as typed.
            status = gr.Textbox(
                "Choose a photo to hear music for its mood.",
                show_label=False,
                container=False,
                interactive=False,
                lines=1,
                max_lines=6,
                elem_id="status",
            )
            with gr.Row(elem_id="listen"):
                with gr.Column(scale=1, min_width=200, elem_id="picture"):
                    annotated = gr.Image(
                        label="Faces found",
                        interactive=False,
                        buttons=["fullscreen"],
                        elem_id="boxed",
                    )
                    # The boxed live frame travels inside the page as an inline image: unlike
                    # gr.Image, which saves every output to disk, it leaves no file behind.
                    live_view = gr.HTML("", elem_id="live-view")
                with gr.Column(scale=1, min_width=280):
                    tracks = gr.HTML(present.NO_TRACKS_YET, elem_id="tracks")
                    more_button = gr.Button("More tracks", size="sm")
            with gr.Accordion("How the mood was read", open=True, elem_id="how"):
                scores = gr.Label(
                    label="Emotions (mean over faces)", num_top_classes=3, show_label=True
                )
                gr.HTML(present.plot_legend(), elem_id="legend")
                plot = gr.ScatterPlot(
                    None,  # no frame yet: Gradio redraws a plot that starts empty only from None
                    x="valence",
                    y="energy",
                    color="point",
                    color_map=present.PLOT_COLOURS,
                    x_lim=[0, 1],
                    y_lim=[0, 1],
                    x_title="sad ← valence → happy",
                    y_title="calm ← energy → lively",
                    color_title="",
                    colors_in_legend=list(present.PLOT_COLOURS),
                    caption=present.PLOT_CAPTION,
                    tooltip=["name"],
                    height=340,
                    label="Where your mood and the tracks sit",
                )
            with gr.Accordion("Details: the JSON record (what the API returns)", open=False):
                record = gr.JSON(label="Record")

    options = [artist, language, mood, limit, strategy]
    shown = [annotated, scores, tracks, plot, status, record]
    answer = [*shown, held, shown_so_far]
    swap = [photo, another, live_view]
    scroll = dict(fn=None, js=present.SCROLL_TO_RESULTS)
    private = dict(api_visibility="private")
    api_button.click(
        recommend,
        [photo, *options, first_page, held],
        answer,
        api_name="recommend",
        preprocess=False,  # the pipeline reads the file itself, to explain a bad one plainly
    )
    chosen = photo.upload(
        upload, [photo, *options, held], [*answer, *swap], preprocess=False, **private
    )
    chosen.then(**scroll)
    examples.click(example, [examples, *options], [*answer, *swap], **private).then(**scroll)
    snapshot.change(
        snapshot_taken,
        [snapshot, *options, held],
        [*answer, snapshot, another_snapshot, live_view],
        preprocess=False,
        **private,
    ).then(**scroll)
    another.click(another_photo, None, swap[:2], **private)
    another_snapshot.click(another_photo, None, [snapshot, another_snapshot], **private)
    for changed in (artist.submit, artist.blur, language.change, mood.change, strategy.change):
        changed(choice_changed, [*options, held, last_frame], answer, **private)
    limit.release(choice_changed, [*options, held, last_frame], answer, **private)
    more_button.click(more, [*options, shown_so_far, held], answer, **private)
    camera.stream(
        follow,
        [camera, *options, live_state],
        [annotated, live_view, scores, status, tracks, plot, record, live_state, last_frame, clock],
        stream_every=LIVE_FRAME_INTERVAL_S,
        time_limit=LIVE_TIME_LIMIT_S,
        concurrency_limit=LIVE_STREAMS,
        show_progress="hidden",
        **private,
    )
    clock.tick(
        check_camera,
        [live_state, last_frame],
        [status, live_state, last_frame, clock],
        show_progress="hidden",
        **private,
    )


if __name__ == "__main__":
    demo.queue(default_concurrency_limit=2).launch(max_file_size=MAX_FILE_BYTES, css_paths=PAGE_CSS)
