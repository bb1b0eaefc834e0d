import keras
import numpy as np
import pytest

from pipeline import emotion
from training import ensemble
from training import model as emotion_cnn


def test_an_ensemble_reads_the_mean_of_its_members_and_keeps_the_contract(tmp_path):
    keras.utils.set_random_seed(0)
    members = [emotion_cnn.build("vgg-s"), emotion_cnn.build("vgg-d")]
    averaged = ensemble.average(members)
    averaged.save(tmp_path / "ensemble.keras")

    faces = np.random.default_rng(0).integers(0, 255, (3, 48, 48)).astype(np.float32)
    expected = np.mean([m(faces[..., None], training=False) for m in members], axis=0)
    loaded = emotion.EmotionModel(
        keras.saving.load_model(tmp_path / "ensemble.keras"), "test", mirror_average=False
    )
    assert loaded.runtime == "TFLite"  # the app's fast path takes the averaged graph too
    read = [scores.probabilities for scores in loaded.classify(faces)]
    np.testing.assert_allclose(read, expected, atol=1e-5)


def test_an_ensemble_needs_two_members():
    with pytest.raises(ValueError, match="two"):
        ensemble.average([emotion_cnn.build()])
