"""Average several trained emotion models into one `.keras` file that keeps the model contract.

    python -m training.ensemble a.keras b.keras --out models/emotion_cnn.keras

Models that err differently average to a better reading than either alone (Pramerdorfer &
Kampel, 2016: +2.5 points on FER-2013 for eight nets). The result is one Keras model: 48x48 grey
faces in, the mean of the members' probabilities out, so the app, TFLite conversion and anyone
loading it from the Hub see a single model. The file holds every member's weights: mind the
10 MB budget (`training.publish` checks it).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import keras

from pipeline.emotion import INPUT_SHAPE, check_contract


def average(members: list[keras.Model]) -> keras.Model:
    """One model whose output is the mean of `members`' probabilities."""
    if len(members) < 2:
        raise ValueError("an ensemble needs at least two models")
    faces = keras.Input(INPUT_SHAPE, name="faces")
    readings = []
    for index, member in enumerate(members):
        check_contract(member)
        # Functional models need unique layer names; every member is called "emotion_cnn".
        renamed = keras.Model(member.inputs[0], member.outputs[0], name=f"member_{index}")
        readings.append(renamed(faces))
    probabilities = keras.layers.Average(name="emotions")(readings)
    return keras.Model(faces, probabilities, name="emotion_ensemble")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("members", nargs="+", type=Path, help=".keras models to average")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    members = [keras.saving.load_model(path, compile=False) for path in args.members]
    ensemble = average(members)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    ensemble.save(args.out)
    print(f"{args.out}: {len(members)} members, {ensemble.count_params():,} parameters")


if __name__ == "__main__":
    main()
