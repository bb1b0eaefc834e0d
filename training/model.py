"""The emotion CNNs: VGG-style networks written in backend-agnostic Keras 3.

Each architecture is a row of `ARCHITECTURES`: filters and 3x3 convolutions per stage, each stage
halving the side (48 -> 24 -> 12 -> 6 -> 3). `benchmarks/train_throughput.py` times them.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
from keras import layers

from pipeline.emotion import EMOTIONS, INPUT_SHAPE

WEIGHT_DECAY = 1e-4


@dataclass(frozen=True)
class Architecture:
    """One VGG-style network: `filters[i]` channels in `convs[i]` 3x3 convolutions at stage i."""

    filters: tuple[int, ...]
    convs: tuple[int, ...]
    dropout: float = 0.4  # before the classifier; FER-2013 overfits quickly


ARCHITECTURES: dict[str, Architecture] = {
    # The first model's network: ~54M multiply-adds a face, 0.98M parameters.
    "vgg-s": Architecture((32, 64, 128, 256), (1, 1, 1, 2)),
    # Two convolutions at every stage: ~117M multiply-adds, 1.17M parameters.
    "vgg-d": Architecture((32, 64, 128, 256), (2, 2, 2, 2)),
    # Wider and deep: ~245M multiply-adds, 2.1M parameters (8.5 MB).
    "vgg-w": Architecture((48, 96, 192, 320), (2, 2, 2, 2)),
}
DEFAULT_ARCHITECTURE = "vgg-s"


def conv_bn_relu(x, filters: int):
    x = layers.Conv2D(
        filters,
        3,
        padding="same",
        use_bias=False,
        kernel_regularizer=keras.regularizers.l2(WEIGHT_DECAY),
    )(x)
    x = layers.BatchNormalization()(x)
    return layers.ReLU()(x)


def build(architecture: str = DEFAULT_ARCHITECTURE) -> keras.Model:
    """Grey levels 0-255 in (N, 48, 48, 1), probabilities over `EMOTIONS` out.

    Built under Keras's global dtype policy, so `mixed_bfloat16` trains in bfloat16. The
    training jitter lives in `training.augment`, outside the graph."""
    if architecture not in ARCHITECTURES:
        known = list(ARCHITECTURES)
        raise ValueError(f"unknown architecture {architecture!r}; choose from {known}")
    spec = ARCHITECTURES[architecture]
    faces = keras.Input(INPUT_SHAPE, name="faces")
    x = layers.Rescaling(1 / 255.0, name="scale")(faces)
    for filters, convs in zip(spec.filters, spec.convs, strict=True):
        for _ in range(convs):
            x = conv_bn_relu(x, filters)
        x = layers.MaxPooling2D()(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(spec.dropout)(x)
    # float32 softmax even under a mixed-precision policy, so probabilities sum to 1 exactly.
    probabilities = layers.Dense(
        len(EMOTIONS), activation="softmax", dtype="float32", name="emotions"
    )(x)
    return keras.Model(faces, probabilities, name="emotion_cnn")
