"""How each face detector frames a FER-2013 face, so the app's crop can frame faces the same way.

    python -m training.framing [--faces 3000] [--yunet ../shared/data/models/face_...onnx]

FER-2013 faces are tight, frontal, brow to chin. To learn where that frame sits relative to
what a detector reports, each Training face is enlarged, set in the middle of a larger plain
canvas, and handed to the detector. The frame is known exactly there, so every detection gives
the frame in the detector's terms: its side over the box's side, and its centre's offset from
the box's centre in box sides. The medians are the box framing the app uses for that detector.
For YuNet it also gives the five landmarks' median places on the 48x48 frame: the template the
app aligns landmarks to.

Then, on PublicTest set in canvases the same way, it compares the model's accuracy through
detector + crop with its accuracy on the original 48x48 faces: the crop is right when the two
agree. Two readings in between split any loss: the face cut at its known frame (what enlarging
and shrinking back alone cost) and cut by the detector's box and framing without landmarks.
Last, it reads PublicTest as if each face were only 16-48 px across in the photo. Labels are
used only for these comparisons, never for the fit. With `--baseline` another model reads the
same cuts, and each reading of the model is set against the baseline's on the same faces, with
the 95 % interval of a paired bootstrap: is a new model better where visitors' faces go?

`app_frames` gives each face's map to the frame the app's crop cuts it at, so that training
(`training.train --app-frames`) can show the net its faces framed that way.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
from pathlib import Path

import cv2
import numpy as np

from pipeline import crops, emotion, faces
from pipeline.crops import FER_LANDMARKS
from pipeline.emotion import INPUT_SIDE
from training import evaluate, views
from training.augment import ZOOM_RANGE
from training.data import DEFAULT_YUNET, load_split

FACE_SIDE = 160  # px: the enlarged face, a typical size in a photo
CANVAS_SIDE = 400  # px: room around it for the detector
CANVAS_MARGIN = (CANVAS_SIDE - FACE_SIDE) // 2  # px from the canvas's edge to the face's
SMALL_FACE_SIDES = (16, 24, 32, 48)  # px across the face in the photo


# What surrounds the pasted face: plain grey (its mean), or the face reflected at its edges,
# texture where a photo has hair and background, but mirrored brows and chins too.
BORDERS = {"plain": cv2.BORDER_CONSTANT, "reflect": cv2.BORDER_REFLECT_101}


def in_canvas(face: np.ndarray, border: str = "plain") -> np.ndarray:
    """A 48x48 grey face enlarged to FACE_SIDE in the middle of an RGB canvas."""
    big = cv2.resize(face, (FACE_SIDE, FACE_SIDE), interpolation=cv2.INTER_CUBIC)
    canvas = cv2.copyMakeBorder(big, *(CANVAS_MARGIN,) * 4, BORDERS[border], value=int(face.mean()))
    return cv2.cvtColor(canvas, cv2.COLOR_GRAY2RGB)


def at_known_frame(grey_canvas: np.ndarray) -> np.ndarray:
    """The 48x48 face cut from its `in_canvas` canvas (grey) at its known frame: FER-2013's
    own crop, enlarged and shrunk back."""
    inside = slice(CANVAS_MARGIN, CANVAS_MARGIN + FACE_SIDE)
    frame = grey_canvas[inside, inside]
    return cv2.resize(frame, (INPUT_SIDE, INPUT_SIDE), interpolation=cv2.INTER_AREA)


def central_face(found: list[faces.Face]) -> faces.Face | None:
    """The detection whose centre lies inside the pasted frame, nearest its middle."""
    middle = CANVAS_SIDE / 2
    inside = [
        f
        for f in found
        if max(abs(f.box[0] + f.box[2] / 2 - middle), abs(f.box[1] + f.box[3] / 2 - middle))
        < FACE_SIDE / 2
    ]
    return min(
        inside,
        key=lambda f: abs(f.box[0] + f.box[2] / 2 - middle) + abs(f.box[1] + f.box[3] / 2 - middle),
        default=None,
    )


def frame_in_box_terms(face: faces.Face) -> tuple[float, float, float]:
    """(frame side / box side, frame centre - box centre in box sides, x then y)."""
    x, y, w, h = face.box
    side = max(w, h)
    middle = CANVAS_SIDE / 2
    return (
        FACE_SIDE / side,
        (middle - (x + w / 2)) / side,
        (middle - (y + h / 2)) / side,
    )


def landmarks_on_frame(face: faces.Face) -> np.ndarray:
    """The face's landmarks in the 48x48 frame's pixels (pixel centres at integers)."""
    origin = CANVAS_MARGIN
    return (np.array(face.landmarks) - origin + 0.5) * INPUT_SIDE / FACE_SIDE - 0.5


def landmark_offset(detector: faces.YuNetDetector, crop: np.ndarray) -> float | None:
    """How far (48x48 pixels, mean over the five points) YuNet's landmarks on a crop lie from
    where it puts them on FER-2013 faces; None when it finds no face in the crop. A crop of
    a real photo framed like FER-2013 scores about as low as FER-2013's own faces."""
    found = central_face(detector.detect(in_canvas(crop)))
    if found is None:
        return None
    distances = np.linalg.norm(landmarks_on_frame(found) - np.array(FER_LANDMARKS), axis=1)
    return float(distances.mean())


def fit(detector: faces.Detector, grey_faces: np.ndarray) -> dict:
    """The median framing (and landmark template, when the detector gives landmarks)."""
    framings, templates, misses = [], [], 0
    for face in grey_faces:
        found = central_face(detector.detect(in_canvas(face)))
        if found is None:
            misses += 1
            continue
        framings.append(frame_in_box_terms(found))
        if found.landmarks:
            templates.append(landmarks_on_frame(found))
    scale, shift_x, shift_y = (statistics.median(column) for column in zip(*framings, strict=True))
    result = {
        "detector": detector.name,
        "faces": len(grey_faces),
        "found": len(framings),
        "scale": round(scale, 3),
        "shift_x": round(shift_x, 3),
        "shift_y": round(shift_y, 3),
    }
    if templates:
        result["template"] = np.round(np.median(templates, axis=0), 2).tolist()
    return result


def found_in_canvas(
    detector: faces.Detector, face: np.ndarray, border: str = "plain"
) -> tuple[np.ndarray, faces.Face] | None:
    """The grey canvas a 48x48 face is set in, and the detector's face there (None: missed)."""
    canvas = in_canvas(face, border)
    found = central_face(detector.detect(canvas))
    return None if found is None else (cv2.cvtColor(canvas, cv2.COLOR_RGB2GRAY), found)


def detections(
    detector: faces.Detector, grey_faces: np.ndarray, border: str = "plain"
) -> tuple[list[tuple[np.ndarray, faces.Face]], np.ndarray]:
    """`found_in_canvas` for each face the detector finds, and those faces' indices."""
    found, kept = [], []
    for index, face in enumerate(grey_faces):
        if (seen := found_in_canvas(detector, face, border)) is not None:
            found.append(seen)
            kept.append(index)
    return found, np.array(kept, int)


def app_frames(detector: faces.Detector, grey_faces: np.ndarray) -> tuple[np.ndarray, int]:
    """For each 48x48 face, the 2x3 map from its own pixels to the frame the app would cut it
    at from a photo where it is FACE_SIDE px across (found by `detector`, cropped with its
    framing: by the landmarks, when it gives them); the identity where the detector misses it.
    Warping a face by its map shows it as the app's crop would, without the plain canvas
    that would show around a tightly cut face. Returns the maps and how many faces were found."""
    framing = crops.framing_for(detector.name)
    # 48x48 pixels to the canvas's (pixel centres at integers), as `in_canvas` enlarges them.
    scale = FACE_SIDE / INPUT_SIDE
    offset = (scale - 1) / 2 + CANVAS_MARGIN
    to_canvas = np.array([[scale, 0, offset], [0, scale, offset], [0, 0, 1]])
    maps = np.tile(np.eye(3)[:2], (len(grey_faces), 1, 1))
    found = 0
    for index, face in enumerate(grey_faces):
        if (seen := found_in_canvas(detector, face)) is not None:
            maps[index] = crops.frame_map(seen[1], framing) @ to_canvas
            found += 1
    return maps, found


def accuracies(
    model: emotion.EmotionModel,
    batches: dict[str, np.ndarray],
    labels: np.ndarray,
    baseline: emotion.EmotionModel | None = None,
) -> dict:
    """`accuracy_<name>` of the model on each batch of faces; with a baseline also
    `gain_<name>`: points over the baseline on the same faces, and their 95 % interval."""
    rng = np.random.default_rng(0)
    result = {}
    for name, batch in batches.items():
        right = evaluate.hits(model, batch, labels)
        result[f"accuracy_{name}"] = round(float(right.mean()), 4)
        if baseline is not None:
            gain = views.compare(right, evaluate.hits(baseline, batch, labels), rng)
            result[f"gain_{name}"] = {"points": gain["gain"], "interval_95": gain["gain_95"]}
    return result


def accuracy_through_crop(
    detector: faces.Detector,
    model: emotion.EmotionModel,
    grey_faces: np.ndarray,
    labels: np.ndarray,
    border: str = "plain",
    baseline: emotion.EmotionModel | None = None,
) -> dict:
    """Accuracy on the original faces, and on those found: cut at the known frame (only the
    enlarging and shrinking back), cut by the box and framing alone, and cut as the app does.
    `border`: what surrounds each face in its canvas (`BORDERS`); `baseline`: see `accuracies`."""
    known, boxed, cut = [], [], []
    framing = crops.framing_for(detector.name)
    seen, kept = detections(detector, grey_faces, border)
    for grey, found in seen:
        known.append(at_known_frame(grey))
        boxed.append(crops.crop(grey, dataclasses.replace(found, landmarks=None), framing))
        cut.append(crops.crop(grey, found, framing))
    batches = {
        "original_faces": grey_faces[kept],
        "at_known_frame": np.stack(known),
        "box_framing_only": np.stack(boxed),
        "through_crop": np.stack(cut),
    }
    return {
        "detector": detector.name,
        "border": border,
        "found": len(kept),
        **accuracies(model, batches, labels[kept], baseline),
    }


def accuracy_by_face_side(
    model: emotion.EmotionModel,
    grey_faces: np.ndarray,
    labels: np.ndarray,
    sides: tuple[int, ...] = SMALL_FACE_SIDES,
    baseline: emotion.EmotionModel | None = None,
) -> dict:
    """Accuracy when each face is as small as `side` px in the photo: shrunk, then cut back up
    to 48x48 by the app's crop at its exact frame (what a distant face in a photo gives), keyed
    by side; with a baseline, `accuracies`' entries for each side."""
    batches = {}
    for side in sides:
        cut = []
        for face in grey_faces:
            small = cv2.resize(face, (side, side), interpolation=cv2.INTER_AREA)
            photo = cv2.copyMakeBorder(small, side, side, side, side, cv2.BORDER_REPLICATE)
            cut.append(crops.crop(photo, faces.Face((side, side, side, side), 1.0)))
        batches[str(side)] = np.stack(cut)
    found = accuracies(model, batches, labels, baseline)
    if baseline is None:
        return {side: found[f"accuracy_{side}"] for side in batches}
    return found


def frame_spread(maps: np.ndarray) -> dict[str, list[float] | float]:
    """How far the app's frames (`app_frames` maps; identities, the missed faces, left out)
    stray from FER-2013's own: zoom (frame px per face px), tilt (degrees) and where the
    frame's centre lies in the face (px from its centre, x and y); 10th, 50th, 90th
    percentiles, and the share of zooms outside the training jitter's."""
    maps = maps[~np.all(maps == np.eye(3)[:2], axis=(1, 2))]
    zoom = np.hypot(maps[:, 0, 0], maps[:, 1, 0])
    tilt = np.degrees(np.arctan2(maps[:, 1, 0], maps[:, 0, 0]))
    middle = np.array([(INPUT_SIDE - 1) / 2] * 2 + [1.0])
    centres = np.array([cv2.invertAffineTransform(m) @ middle for m in maps]) - middle[:2]

    def spread(values: np.ndarray) -> list[float]:
        return np.round(np.percentile(values, [10, 50, 90]), 3).tolist()

    low, high = ZOOM_RANGE
    return {
        "zoom": spread(zoom),
        "tilt_degrees": spread(tilt),
        "centre_x_px": spread(centres[:, 0]),
        "centre_y_px": spread(centres[:, 1]),
        "share_of_zooms_outside_the_jitter": round(float(np.mean((zoom < low) | (zoom > high))), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=int, default=3000, help="Training faces to fit on")
    parser.add_argument("--yunet", default=DEFAULT_YUNET)
    parser.add_argument("--model", default=emotion.BUNDLED_MODEL)
    parser.add_argument("--fit-only", action="store_true", help="skip the PublicTest comparison")
    parser.add_argument(
        "--border", choices=BORDERS, default="plain", help="around each face compared"
    )
    parser.add_argument("--baseline", help="a model to set each reading against (paired)")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()

    training = load_split("Training")
    pick = np.random.default_rng(0).choice(len(training), args.faces, replace=False)
    detectors = [faces.YuNetDetector(args.yunet), faces.HaarDetector()]
    results = {"fit": [fit(d, training.faces[pick]) for d in detectors]}
    print(json.dumps(results["fit"], indent=1))
    maps, _ = app_frames(detectors[0], training.faces[pick])
    results["app_frames"] = frame_spread(maps)
    print(json.dumps({"the app's YuNet frames against FER-2013's": results["app_frames"]}))
    if not args.fit_only:
        public = load_split("PublicTest")
        model = emotion.load(args.model)
        baseline = emotion.load(args.baseline) if args.baseline else None
        results["public_test"] = [
            accuracy_through_crop(d, model, public.faces, public.labels, args.border, baseline)
            for d in detectors
        ]
        print(json.dumps(results["public_test"], indent=1))
        results["by_face_side"] = accuracy_by_face_side(
            model, public.faces, public.labels, baseline=baseline
        )
        print(json.dumps({"PublicTest by face side (px)": results["by_face_side"]}))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
