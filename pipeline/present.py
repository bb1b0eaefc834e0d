"""What the page and the API show of a `Recommendation`: status words, track cards, plot, record.

The core (`pipeline.recommend`) produces plain values; every word a listener reads, every piece
of HTML the page renders and the JSON record the API returns are made here, so a redesign of
the page touches this module alone. Everything a user or a catalog wrote is escaped before it
goes into HTML: an artist typed as `<b>x</b>` shows as typed.
"""

from __future__ import annotations

import html
import itertools
import re
from urllib.parse import quote_plus

import numpy as np
import pandas as pd

from catalog import tracks as catalog
from catalog.tracks import Track, search_url
from pipeline import draw, mood
from pipeline.mood import LIFT
from pipeline.recommend import LiveView, Recommendation

PLOT_COLUMNS = ("point", "name", "valence", "energy")
FACE_POINT, MOOD_POINT, AIM_POINT, TRACK_POINT = "a face", "mood read", "mood aimed at", "a track"
JOURNEY_POINT = "the journey"  # dots close enough to read as a line, in play order
JOURNEY_DOT_SPACING = 0.012  # on the 0-1 plane: under the ~6 px dot at the page's 300 px height

SPOTIFY_TRACK = re.compile(r"https://open\.spotify\.com/track/([0-9A-Za-z]{22})(?:[?#].*)?")
EMBED_URL = "https://open.spotify.com/embed/track/"
YOUTUBE_SEARCH = "https://www.youtube.com/results?search_query="
EMBED_HEIGHT_PX = 80  # Spotify's compact player: one line with play, title and a progress bar
# The numbers behind a track's fit ("(valence 0.71, energy 0.55, tagged happy)") are for the
# record; the card keeps the words and the tags.
NUMBERS_IN_WHY = re.compile(r" \(valence [\d.]+, energy [\d.]+(?:, (tagged [^)]*))?\)")
PLOT_COLOURS = {  # Okabe-Ito, readable with common colour blindness
    JOURNEY_POINT: "#CFE3F0",  # pale, under the tracks it threads in play order
    FACE_POINT: "#E69F00",
    MOOD_POINT: "#999999",
    AIM_POINT: "#D55E00",
    TRACK_POINT: "#0072B2",
}
LEGEND_WORDS = {  # what each colour means, in the legend above the plot
    FACE_POINT: "each face",
    MOOD_POINT: "mood read (on a lift)",
    AIM_POINT: "mood aimed at",
    TRACK_POINT: "a track",
    JOURNEY_POINT: "the journey (on a lift)",
}
PLOT_CAPTION = (
    "Left to right, sad to happy; bottom to top, calm to lively. Each face's mood, the mood "
    "read from them all, the mood the tracks aim at, and every track: point at a dot to name it."
)
NO_TRACKS_YET = '<p class="f2m-empty">Your tracks will appear here.</p>'


def plot_legend() -> str:
    """The plot's legend as a line of coloured dots and words, always in full view."""
    items = "".join(
        f'<span class="f2m-key"><span class="f2m-dot" style="background:{PLOT_COLOURS[point]}">'
        f"</span>{html.escape(words)}</span>"
        for point, words in LEGEND_WORDS.items()
    )
    return f'<div class="f2m-legend">{items}</div>'


def status(result: Recommendation) -> str:
    """One line for a listener: '3 faces, group mood: happy. 10 tracks from the built-in
    catalog.' (the detector, the numbers and the paging are in the record)."""
    if result.error:
        return result.error
    sentences = []
    count = len(result.faces)
    manual = result.mood is not None and result.mood.manual
    if count:
        scores = result.group_scores()
        read = max(scores, key=scores.get)
        faces_text = catalog.count(count, "face")
        if count < result.faces_found:
            faces_text = f"The {count} largest of {result.faces_found} faces"
        if manual:
            sentences.append(f"{faces_text} {'reads' if count == 1 else 'read'} {read}")
        else:
            sentences.append(f"{faces_text}, {'mood' if count == 1 else 'group mood'}: {read}")
    if manual:
        sentences.append(f"Mood set by hand: {result.mood.emotion}")
    if result.mood and result.mood.strategy == LIFT:
        sentences.append(_lift_words(result))
    tracks = catalog.count(len(result.tracks), "track")
    if result.offset and result.tracks:
        tracks = catalog.count(len(result.tracks), "more track")
    sentences.append(f"{tracks} from {catalog.named(result.source)}")
    if result.notice:
        sentences.append(result.notice.rstrip("."))
    return " ".join(_sentence(s) for s in sentences)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?", "…")) else ".")


def _lift_words(result: Recommendation) -> str:
    """Where this page stands on the lift: 'lifting the mood: a 10-track journey from sad to
    brighter', '... steps 1-5 of a 10-track journey (More tracks goes on)', 'arrived: ...'."""
    journey, chosen = result.journey, result.mood
    if journey is None:
        return "already bright: matched"
    if not result.tracks:  # the notice says why
        return "lifting the mood"
    steps = journey.steps
    whole = f"a {steps}-track journey from {chosen.emotion} to brighter"
    first, last = result.offset + 1, result.offset + len(result.tracks)
    if result.offset >= steps:
        return "lifting the mood: arrived; more tracks near where the journey ended"
    if first == 1 and last >= steps:
        return f"lifting the mood: {whole}"
    if last < steps:
        return f"lifting the mood: steps {first}-{last} of {whole} (More tracks goes on)"
    return f"lifting the mood: steps {first}-{steps} of {whole}, then more near its end"


def spotify_id(track: Track) -> str | None:
    """The track's Spotify id when its link names one; None for a search link (never guessed)."""
    found = SPOTIFY_TRACK.fullmatch(track.url or "")
    return found.group(1) if found else None


def plain_why(why: str) -> str:
    """The line on why a track fits, without its numbers: 'Cheerful, tagged happy, close to
    your happy mood.'"""
    return NUMBERS_IN_WHY.sub(lambda m: f", {m.group(1)}" if m.group(1) else "", why)


def links(track: Track) -> dict[str, str]:
    """Where to hear a track: its Spotify embed player (only with a real id), and searches."""
    words = f"{track.title} {track.artist}"
    found = {
        "spotify_search": search_url(track.title, track.artist),
        "youtube_search": YOUTUBE_SEARCH + quote_plus(words),
    }
    track_id = spotify_id(track)
    if track_id:
        found = {"spotify": track.url, "embed": EMBED_URL + track_id, **found}
    return found


def cards(result: Recommendation) -> str:
    """The tracks as an ordered list of cards: title, artist, language and year, why it fits,
    a player when the track has a Spotify id, and search links."""
    if not result.tracks:
        return NO_TRACKS_YET if not result.error else ""
    items = "".join(_card(track, result.offset + n) for n, track in enumerate(result.tracks, 1))
    return f'<ol class="f2m-tracks" start="{result.offset + 1}">{items}</ol>'


def _card(track: Track, number: int) -> str:
    e = html.escape
    where = links(track)
    facts = " · ".join(e(str(fact)) for fact in (track.language, track.year) if fact)
    player = ""
    if "embed" in where:
        player = (
            f'<iframe class="f2m-player" src="{e(where["embed"])}" height="{EMBED_HEIGHT_PX}" '
            f'loading="lazy" allow="autoplay; clipboard-write; encrypted-media; fullscreen" '
            f'title="Play {e(track.title)} by {e(track.artist)} on Spotify"></iframe>'
        )
    hear = [("Spotify", where.get("spotify", where["spotify_search"]))]
    hear.append(("YouTube", where["youtube_search"]))
    anchors = " ".join(
        f'<a href="{e(url)}" target="_blank" rel="noopener noreferrer">{name} ↗</a>'
        for name, url in hear
    )
    return (
        f'<li class="f2m-track" data-number="{number}">'
        f'<div class="f2m-title"><span class="f2m-n">{number}.</span>{e(track.title)}</div>'
        f'<div class="f2m-artist">{e(track.artist)}</div>'
        f'<div class="f2m-facts">{facts}</div>'
        f'<div class="f2m-why">{e(plain_why(track.why))}</div>'
        f"{player}"
        f'<div class="f2m-links">{anchors}</div>'
        "</li>"
    )


def plot(result: Recommendation) -> pd.DataFrame:
    """Points for the page's valence/energy plot: a lift's journey as a dotted line through
    the tracks in play order, each face's own mood, the mood read, the mood aimed at (a
    lift's destination) and the tracks."""
    rows = [(JOURNEY_POINT, "the journey", v, e) for v, e in _journey_line(result)]
    for number, reading in enumerate(result.faces, start=1):
        own = mood.from_probabilities(np.asarray(reading.scores.probabilities))
        rows.append((FACE_POINT, f"face {number}: {reading.scores.top}", *own.read))
    if result.mood:
        if result.mood.lifted:
            rows.append((MOOD_POINT, f"read: {result.mood.emotion}", *result.mood.read))
        aim = "where the lift ends" if result.mood.lifted else f"mood: {result.mood.emotion}"
        rows.append((AIM_POINT, aim, *result.mood.destination))
    for track, (valence, energy) in zip(result.tracks, _track_points(result), strict=True):
        if valence is None or energy is None:
            continue
        name = f"{track.title} – {track.artist}"
        if track.step is not None:
            name = f"{track.step}. {name}"
        if track.valence is None:
            name += " (at the point its search aimed at: Spotify gives no valence)"
        rows.append((TRACK_POINT, name, valence, energy))
    return pd.DataFrame(rows, columns=list(PLOT_COLUMNS))


def _track_points(result: Recommendation) -> list[tuple[float | None, float | None]]:
    """Each track's place on the plane: its own, else (a journey's step found by a search
    for the words of a region) the waypoint it was found for."""
    points = []
    for track in result.tracks:
        if track.valence is not None and track.energy is not None:
            points.append((track.valence, track.energy))
        elif result.journey is not None and track.step is not None:
            points.append(result.journey.waypoint(track.step - 1))
        else:
            points.append((None, None))
    return points


def _journey_line(result: Recommendation) -> list[tuple[float, float]]:
    """Dots along the lift as this page plays it: from where it left off (the mood read on
    the first page) through each track in play order to the journey's end."""
    journey = result.journey
    if journey is None or result.mood is None:
        return []
    start = result.mood.read if result.offset == 0 else journey.waypoint(result.offset - 1)
    stops = [start, *(p for p in _track_points(result) if None not in p), journey.end]
    dots = []
    for here, there in itertools.pairwise(np.asarray(stops, np.float64)):
        pieces = max(1, int(np.ceil(np.hypot(*(there - here)) / JOURNEY_DOT_SPACING)))
        dots += [here + (there - here) * k / pieces for k in range(pieces)]
    dots.append(np.asarray(stops[-1]))
    return [(round(float(v), 3), round(float(e), 3)) for v, e in dots]


def _journey_record(result: Recommendation) -> dict | None:
    journey = result.journey
    if journey is None:
        return None
    return {
        "start": dict(zip(("valence", "energy"), journey.start, strict=True)),
        "destination": dict(zip(("valence", "energy"), journey.end, strict=True)),
        "steps": journey.steps,
        "arrived": result.offset + len(result.tracks) >= journey.steps,
    }


def record(result: Recommendation) -> dict:
    """The API's JSON record (see DESIGN.md); boxes in the uploaded photo's pixels, faces
    numbered as their labels on the photo."""
    chosen = result.mood
    return {
        "faces": [
            {
                "number": number,
                "box": [round(v / result.scale) for v in r.face.box],
                "emotion": r.scores.top,
                "scores": {k: round(v, 4) for k, v in r.scores.as_dict().items()},
                **_label_record(result, number),
            }
            for number, r in enumerate(result.faces, start=1)
        ],
        "photo_size": None if result.photo is None else list(result.photo.shape[1::-1]),
        "faces_found": result.faces_found,
        "emotion": chosen.emotion if chosen else None,
        "mood": {
            "valence": chosen.valence,
            "energy": chosen.energy,
            "strategy": chosen.strategy,
            "read": dict(zip(("valence", "energy"), chosen.read, strict=True)),
        }
        if chosen
        else None,
        "journey": _journey_record(result),
        "tracks": [
            {
                "step": t.step,
                "title": t.title,
                "artist": t.artist,
                "language": t.language,
                "year": t.year,
                "url": t.url,
                "source": t.source,
                "moods": list(t.moods),
                "valence": t.valence,
                "energy": t.energy,
                "why": t.why,
                "spotify_id": spotify_id(t),
                "links": links(t),
            }
            for t in result.tracks
        ],
        "offset": result.offset,
        "source": result.source,
        "notice": result.notice,
        "detector": result.detector,
        "error": result.error or None,
    }


def _label_record(result: Recommendation, number: int) -> dict:
    """The face's label as drawn on the boxed photo (its pixels, not the upload's)."""
    if number > len(result.labels):
        return {}
    label = result.labels[number - 1]
    return {"label": {"text": label.text, "box": list(label.box)}}


def photo_description(result: Recommendation) -> str:
    """The boxed photo in words: 'Faces found: 1: happy 85%, 2: happy 85%.'"""
    if not result.labels:
        return "No face found." if result.photo is not None else ""
    return "Faces found: " + ", ".join(label.text for label in result.labels) + "."


def live_status(view: LiveView) -> str:
    """The live line: 'Live: 1 face, steady mood: happy.'; a problem with an option instead."""
    if view.problem:
        return view.problem
    state = view.state
    if state.steady is None:
        line = "Looking for a face… face the camera in good light."
    elif view.faces_in_frame == 0 and state.no_face:
        line = f"No face in view; holding the mood: {state.steady}."
    else:
        turning = f" (turning {state.challenger}…)" if state.challenger else ""
        faces = catalog.count(view.faces_in_frame, "face")
        line = f"Live: {faces}, steady mood: {state.steady}{turning}."
    if view.manual_mood:
        line += f" Tracks for the mood set by hand: {view.manual_mood}."
    return line


def live_frame(view: LiveView) -> str:
    """The boxed frame as an inline image, described by the live line for screen readers."""
    return draw.inline_img(view.frame, alt=live_status(view))


def camera_off(steady: str | None) -> str:
    """The line once the camera stops: the last steady mood and its tracks stay."""
    if steady is None:
        return "Camera off."
    return f"Camera off. Last steady mood: {steady}; its tracks stay below."


# After an answer on a narrow screen the results sit below the photo and the choices: bring
# them into view (on a wide one they are beside them, already in view, and nothing moves).
# The short wait lets the page settle first: the upload box or camera gives way to the photo.
SCROLL_TO_RESULTS = """() => setTimeout(() => {
  const results = document.getElementById('results');
  if (results && results.getBoundingClientRect().top > window.innerHeight / 3) {
    results.scrollIntoView({behavior: 'smooth', block: 'start'});
  }
}, 150)"""
