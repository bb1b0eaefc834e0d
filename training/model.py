"""The emotion CNN: a compact VGG-style network, written in backend-agnostic Keras 3."""

from __future__ import annotations

import keras
from keras import layers

from pipeline.emotion import EMOTIONS, INPUT_SHAPE

# Filters and 3x3 convolutions per stage; each stage halves the side (48 -> 24 -> 12 -> 6 -> 3).
# Sized for CPU training: ~54M multiply-adds a face, about 2 minutes an epoch on 2 cores.
STAGE_FILTERS = (32, 64, 128, 256)
CONVS_PER_STAGE = (1, 1, 1, 2)
DROPOUT = 0.4  # before the classifier; FER-2013 overfits quickly
WEIGHT_DECAY = 1e-4


def augmentation() -> keras.Sequential:
    """Train-time jitter; these layers pass inputs through unchanged at inference."""
    return keras.Sequential(
        [
            layers.RandomFlip("horizontal"),
            layers.RandomTranslation(0.1, 0.1, fill_mode="nearest"),
            layers.RandomRotation(0.05, fill_mode="nearest"),
            layers.RandomZoom(0.1, fill_mode="nearest"),
        ],
        name="augment",
    )


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


def build() -> keras.Model:
    """Grey levels 0-255 in (N, 48, 48, 1), probabilities over `EMOTIONS` out."""
    faces = keras.Input(INPUT_SHAPE, name="faces")
    x = layers.Rescaling(1 / 255.0, name="scale")(faces)
    x = augmentation()(x)
    for filters, convs in zip(STAGE_FILTERS, CONVS_PER_STAGE, strict=True):
        for _ in range(convs):
            x = conv_bn_relu(x, filters)
        x = layers.MaxPooling2D()(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(DROPOUT)(x)
    probabilities = layers.Dense(len(EMOTIONS), activation="softmax", name="emotions")(x)
    return keras.Model(faces, probabilities, name="emotion_cnn")
