"""Other ways to fit the app's crop to YuNet's face, read against the app's, on PublicTest.

    python -m training.crop_fits [--model models/emotion_cnn.keras ...] [--json F]

The app lays YuNet's eyes and mouth corners on FER-2013's places for them (a similarity: place,
size and tilt from four points), and cuts by the box when the fit strays (`pipeline.crops`). Of
what the model reads on the faces cut at their known frame, that loses about two points. This
study asks whether another fit loses less: the fit kept upright, its place with the box's
size, halfway to the box, other sets of landmarks. Every PublicTest face is set in a canvas as
`training.framing` sets it, found by YuNet once, cut every way, and read as the app reads;
each way is set against the app's crop on the same faces with a paired 95 % interval.

Then it splits the faces by how far the app's frame lies from FER-2013's own (size, place and
tilt), in thirds, and reads each third at the known frame and through the app's crop: where
the two frames agree, the crop should cost little, and the rest of the loss is FER-2013's
framing, which no rule applied to landmarks reproduces.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np

from pipeline import crops, emotion, faces
from pipeline.crops import Framing
from training import framing, views
from training.data import DEFAULT_DATA_DIR, DEFAULT_YUNET, load_split
from training.evaluate import hits

EYES, NOSE_TIP, MOUTH_CORNERS = (0, 1), (2,), (3, 4)

# Each fit: a detection and the detector's box framing -> the 2x3 map to the 48x48 frame.
Fit = Callable[[faces.Face, Framing], np.ndarray]


def _upright(face: faces.Face, box_framing: Framing) -> np.ndarray:
    centre_x, centre_y, side, _ = crops.frame_of(crops.frame_map(face, box_framing))
    return crops.similarity(centre_x, centre_y, side, 0.0)


def _fit_place_box_size(tilted: bool) -> Fit:
    def fit(face: faces.Face, box_framing: Framing) -> np.ndarray:
        centre_x, centre_y, _, angle = crops.frame_of(crops.frame_map(face, box_framing))
        side = crops.box_frame(face, box_framing)[2]
        return crops.similarity(centre_x, centre_y, side, angle if tilted else 0.0)

    return fit


def _halfway_to_box(face: faces.Face, box_framing: Framing) -> np.ndarray:
    """Place and size halfway between the app's frame and the box's; the app's tilt."""
    centre_x, centre_y, side, angle = crops.frame_of(crops.frame_map(face, box_framing))
    box_x, box_y, box_side = crops.box_frame(face, box_framing)
    return crops.similarity(
        (centre_x + box_x) / 2, (centre_y + box_y) / 2, math.sqrt(side * box_side), angle
    )


FITS: dict[str, Fit] = {
    "the app: eyes and mouth corners": crops.frame_map,
    "the box alone, upright": lambda face, box_framing: crops.similarity(
        *crops.box_frame(face, box_framing), angle=0.0
    ),
    "the app's fit, kept upright": _upright,
    "the fit's place, the box's size, upright": _fit_place_box_size(tilted=False),
    "the fit's place and tilt, the box's size": _fit_place_box_size(tilted=True),
    "halfway between the fit and the box": _halfway_to_box,
    "eyes only": lambda face, box_framing: crops.frame_map(face, box_framing, EYES),
    "eyes and nose tip": lambda face, box_framing: crops.frame_map(
        face, box_framing, EYES + NOSE_TIP
    ),
    "all five landmarks": lambda face, box_framing: crops.frame_map(
        face, box_framing, EYES + NOSE_TIP + MOUTH_CORNERS
    ),
}
APP = next(iter(FITS))


def known_frame() -> tuple[float, float, float]:
    """(centre x, centre y, side) of FER-2013's frame in `training.framing`'s canvas."""
    centre = framing.CANVAS_MARGIN + (framing.FACE_SIDE - 1) / 2
    return centre, centre, float(framing.FACE_SIDE)


def frame_error(to_frame: np.ndarray) -> float:
    """How far a crop's frame lies from the known one: |log size ratio| + the centres'
    distance in frame sides + |tilt| in radians (each about 0.1 for a visibly different cut)."""
    centre_x, centre_y, side, angle = crops.frame_of(to_frame)
    known_x, known_y, known_side = known_frame()
    return (
        abs(math.log(side / known_side))
        + math.hypot(centre_x - known_x, centre_y - known_y) / known_side
        + abs(math.radians(angle))
    )


def cuts(found: list, detector_name: str) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Each detection cut at its known frame and by every fit; and the app's frame errors."""
    box_framing = crops.framing_for(detector_name)
    batches: dict[str, list[np.ndarray]] = {"the known frame": [], **{name: [] for name in FITS}}
    errors = []
    for grey, face in found:
        batches["the known frame"].append(framing.at_known_frame(grey))
        for name, fit in FITS.items():
            batches[name].append(crops.warp(grey, fit(face, box_framing)))
        errors.append(frame_error(crops.frame_map(face, box_framing)))
    return {name: np.stack(cut) for name, cut in batches.items()}, np.array(errors)


def study(model_paths: list[str], yunet: str, data_dir: str) -> dict:
    """Every fit's accuracy against the app's, and the crop's cost by frame agreement, for
    each model."""
    detector = faces.YuNetDetector(yunet)
    public = load_split("PublicTest", data_dir)
    found, kept = framing.detections(detector, public.faces)
    labels = public.labels[kept]
    batches, errors = cuts(found, detector.name)
    thirds = np.quantile(errors, [0, 1 / 3, 2 / 3, 1])
    report = {"faces_found": len(kept), "frame_error_thirds": np.round(thirds, 3).tolist()}
    for path in model_paths:
        model = emotion.load(path)
        rng = np.random.default_rng(0)
        right = {name: hits(model, batch, labels) for name, batch in batches.items()}
        by_agreement = []
        third_of = np.digitize(errors, thirds[1:-1])  # 0, 1, 2; each face in one third
        for third, (low, high) in enumerate(itertools.pairwise(thirds)):
            chosen = third_of == third
            by_agreement.append(
                {
                    "frame_error": [round(float(low), 3), round(float(high), 3)],
                    "faces": int(chosen.sum()),
                    "the known frame": round(float(right["the known frame"][chosen].mean()), 4),
                    APP: round(float(right[APP][chosen].mean()), 4),
                }
            )
        report[str(path)] = {
            "against_the_app": {
                name: views.compare(hit, right[APP], rng) for name, hit in right.items()
            },
            "by_frame_agreement": by_agreement,
        }
    return report


def table(report: dict) -> str:
    """The report as Markdown: one accuracy column per model, its gain over the app's crop."""
    models = [key for key in report if key not in ("faces_found", "frame_error_thirds")]
    lines = [
        f"| PublicTest, YuNet's {report['faces_found']:,} faces | "
        + " | ".join(Path(m).name for m in models)
        + " |",
        "|---|" + "---:|" * len(models),
    ]
    for name in ("the known frame", *FITS):
        cells = []
        for model in models:
            gain = report[model]["against_the_app"][name]
            low, high = gain["gain_95"]
            cells.append(
                f"{gain['accuracy']:.2f} %"
                if name == APP
                else f"{gain['accuracy']:.2f} % ({gain['gain']:+.2f}, {low:+.2f} to {high:+.2f})"
            )
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", nargs="+", default=[str(emotion.BUNDLED_MODEL)])
    parser.add_argument("--yunet", default=DEFAULT_YUNET)
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    report = study(args.model, args.yunet, args.data_dir)
    print(table(report))
    print(json.dumps({m: report[m]["by_frame_agreement"] for m in args.model}, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
