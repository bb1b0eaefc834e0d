"""Emotion classification: the label order, the model contract, and batched inference.

The model file is a Keras 3 `.keras` archive. Input `(N, 48, 48, 1)` float32 grey levels in
0-255; output `(N, 7)` probabilities in `EMOTIONS` order. All preprocessing lives in the graph.
"""

from __future__ import annotations

import logging
import queue
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

log = logging.getLogger(__name__)

# FER-2013 label order: the one source of truth for every table keyed by emotion.
EMOTIONS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")

INPUT_SIDE = 48  # pixels; FER-2013 faces are 48x48 grey
INPUT_SHAPE = (INPUT_SIDE, INPUT_SIDE, 1)

# Test-time augmentation: average each face's reading with its mirror image's. PublicTest
# 68.96 % -> 69.80 % for the bundled model, 1.53 -> 3.09 ms a face on a 2-core AMD EPYC
# (`training/evaluate.py`).
MIRROR_AVERAGE = True
# An ensemble is read once a face: its members' average takes the place of the mirror image's,
# and a second view would double its cost. The model's name is the contract: `training/
# ensemble.py` gives it; an ensemble built by hand under another name is read twice.
ENSEMBLE_NAME = "emotion_ensemble"
# Weights stored as int8 in the TFLite graph, activations float (dynamic-range quantisation):
# on the 2-core AMD EPYC a face reads in 0.87 of the time, PublicTest as the app reads
# 69.80 % against 69.82 % with float weights, and no probability moves by more than 0.022
# (`benchmarks/emotion_speed.py --accuracy`).
QUANTIZED_WEIGHTS = True
TFLITE_THREADS = 2
BUNDLED_MODEL = Path(__file__).resolve().parent.parent / "models" / "emotion_cnn.keras"


class ModelContractError(ValueError):
    """The model file does not take 48x48x1 grey faces or does not give 7 probabilities."""


@dataclass(frozen=True)
class EmotionScores:
    """Probabilities of one face, in `EMOTIONS` order."""

    probabilities: tuple[float, ...]

    @property
    def top(self) -> str:
        return EMOTIONS[int(np.argmax(self.probabilities))]

    @property
    def confidence(self) -> float:
        return float(max(self.probabilities))

    def as_dict(self) -> dict[str, float]:
        return dict(zip(EMOTIONS, self.probabilities, strict=True))


class EmotionModel:
    """A loaded emotion model, run through TensorFlow Lite one face at a time.

    At batch 1, a Keras model pays TensorFlow's per-call overhead several times over its
    arithmetic; the same graph converted to TFLite in memory (XNNPACK kernels) runs a face in
    a fraction of the time (`benchmarks/emotion_speed.py`). With float32 weights its outputs
    equal Keras's to 1e-5; with int8 weights (`QUANTIZED_WEIGHTS`) it is faster still and close
    to them. `model.predict` is slower than either: it builds a new data pipeline on every
    call. The `.keras` file stays the one artifact; the conversion happens here, at load.
    Should a model not convert, a compiled `tf.function` serves instead.

    With `mirror_average`, each face and its mirror image go through in one call of two, and
    the two readings are averaged (what that buys and costs: beside `MIRROR_AVERAGE`), unless
    the model is an ensemble (`is_ensemble`).

    With `calibration_faces` (and int8 weights), the activations are int8 too, their ranges
    taken from those faces. The app does not read this way, as it carries no faces to calibrate
    on; `benchmarks/emotion_speed.py --integer` measures what it would buy.
    """

    def __init__(
        self,
        keras_model: keras.Model,
        source: str,
        mirror_average: bool = MIRROR_AVERAGE,
        quantized_weights: bool = QUANTIZED_WEIGHTS,
        calibration_faces: np.ndarray | None = None,
    ) -> None:
        import tensorflow as tf  # here, not at the top: training imports this module on any backend

        check_contract(keras_model)
        self.source = source
        self.mirror_average = mirror_average and not is_ensemble(keras_model)
        self._model = keras_model
        self._infer = tf.function(
            lambda faces: keras_model(faces, training=False),
            input_signature=[tf.TensorSpec((None, *INPUT_SHAPE), tf.float32)],
            reduce_retracing=True,
        )
        self._views = 2 if self.mirror_average else 1  # images read per face
        self._tflite = _to_tflite(
            keras_model, self._views, quantized_weights, calibration_faces=calibration_faces
        )
        if self._tflite is None and quantized_weights:  # float weights may still convert
            quantized_weights, calibration_faces = False, None
            self._tflite = _to_tflite(keras_model, self._views, quantized_weights)
        # Idle interpreters, lent to one call at a time. A pool, not one per thread: Gradio runs
        # handlers on any of its ~40 worker threads, and an interpreter per thread (~6 MiB and
        # a thread of its own each) grew the app by hundreds of MiB under load. The pool holds
        # as many as calls ever ran at once, which the queue's concurrency bounds.
        self._idle: queue.SimpleQueue[Callable[[np.ndarray], np.ndarray]] = queue.SimpleQueue()
        self.interpreters = 0  # made so far: the most calls that have run at once
        self.runtime = "TFLite" if self._tflite else "TensorFlow"
        self.quantized_weights = quantized_weights and self._tflite is not None
        self.integer_activations = self.quantized_weights and calibration_faces is not None
        # Warm up now so the first visitor does not pay for tracing or allocation.
        self.classify(np.zeros((1, *INPUT_SHAPE), np.float32))

    def classify(self, faces: np.ndarray) -> list[EmotionScores]:
        """Classify a batch of 48x48 grey faces (uint8 or float, (N, 48, 48[, 1]))."""
        faces = np.asarray(faces, np.float32)
        if faces.shape[1:] not in ((INPUT_SIDE, INPUT_SIDE), INPUT_SHAPE):
            raise ValueError(f"expected grey faces of shape (N, 48, 48), got {faces.shape}")
        if len(faces) == 0:
            return []
        views = _with_views(faces, self._views)
        if self._tflite:
            run = self._borrow()
            try:
                probabilities = np.stack([run(face_views) for face_views in views])
            finally:
                self._idle.put(run)
        else:
            readings = np.asarray(self._infer(views.reshape(-1, *INPUT_SHAPE)))
            probabilities = readings.reshape(len(views), self._views, -1)
        probabilities = probabilities.mean(axis=1)
        return [EmotionScores(tuple(float(p) for p in row)) for row in probabilities]

    def _borrow(self) -> Callable[[np.ndarray], np.ndarray]:
        """An idle TFLite interpreter, as a function of one face's (views, 48, 48, 1); a new
        one when all are busy. The caller puts it back in `_idle`."""
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        from ai_edge_litert.interpreter import Interpreter

        # Two threads: one face reads 0.8 ms instead of 1.25 on this 2-core machine.
        interpreter = Interpreter(model_content=self._tflite, num_threads=TFLITE_THREADS)
        interpreter.allocate_tensors()
        into = interpreter.get_input_details()[0]["index"]
        out_of = interpreter.get_output_details()[0]["index"]
        self.interpreters += 1

        def run(face: np.ndarray) -> np.ndarray:
            interpreter.set_tensor(into, face)
            interpreter.invoke()
            return interpreter.get_tensor(out_of).copy()

        return run


def _with_views(faces: np.ndarray, views: int) -> np.ndarray:
    """(N, views, 48, 48, 1) float32: each face, then (with two views) its mirror image."""
    batch = np.asarray(faces, np.float32).reshape(-1, *INPUT_SHAPE)
    return np.stack([batch, batch[:, :, ::-1]][:views], axis=1)


def _to_tflite(
    keras_model: keras.Model,
    views: int = 1,
    quantized_weights: bool = QUANTIZED_WEIGHTS,
    calibration_faces: np.ndarray | None = None,
) -> bytes | None:
    """The model's inference graph for `views` images of one face as a TFLite flatbuffer, its
    weights int8 with `quantized_weights`, and its activations too when `calibration_faces`
    give their ranges; None if it will not convert (then `EmotionModel` tries float weights,
    and failing those serves through TensorFlow)."""
    import tensorflow as tf

    one_face = tf.function(
        lambda face: keras_model(face, training=False),
        input_signature=[tf.TensorSpec((views, *INPUT_SHAPE), tf.float32)],
    )
    try:
        # No trackable object: the converter then freezes the weights into the flatbuffer.
        # Handed the Keras model, it may keep them as resource variables that the interpreter
        # never fills (every output NaN) for a net whose first layer reads the input directly.
        converter = tf.lite.TFLiteConverter.from_concrete_functions(
            [one_face.get_concrete_function()]
        )
        if quantized_weights:  # without representative data only the weights are quantised
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
            if calibration_faces is not None:
                converter.representative_dataset = lambda: (
                    [face_views] for face_views in _with_views(calibration_faces, views)
                )
        return converter.convert()
    except Exception as error:  # the converter raises many kinds; any means "not this model"
        weights = "int8" if quantized_weights else "float32"
        log.warning("emotion model did not convert to TFLite, %s weights (%s)", weights, error)
        return None


def check_contract(keras_model: keras.Model) -> None:
    """Raise `ModelContractError` unless the model maps (N, 48, 48, 1) to (N, 7) probabilities."""
    input_shape = tuple(keras_model.input_shape[1:])
    output_shape = tuple(keras_model.output_shape[1:])
    if input_shape != INPUT_SHAPE:
        raise ModelContractError(f"emotion model takes {input_shape}, expected {INPUT_SHAPE}")
    if output_shape != (len(EMOTIONS),):
        raise ModelContractError(
            f"emotion model gives {output_shape}, expected ({len(EMOTIONS)},) for {EMOTIONS}"
        )
    grey_face = np.full((1, *INPUT_SHAPE), 128, np.float32)
    output = keras.ops.convert_to_numpy(keras_model(grey_face, training=False))[0]
    if output.min() < 0 or abs(float(output.sum()) - 1) > 1e-3:
        raise ModelContractError(
            "emotion model must end in a softmax: outputs are not probabilities"
        )


def is_ensemble(keras_model: keras.Model) -> bool:
    """Whether the model averages several nets itself (see `ENSEMBLE_NAME`)."""
    return keras_model.name == ENSEMBLE_NAME


def load(path: str | Path = BUNDLED_MODEL) -> EmotionModel:
    """Load a `.keras` emotion model and prepare its fast inference path."""
    keras_model = keras.saving.load_model(path, compile=False)
    return EmotionModel(keras_model, source=str(path))
