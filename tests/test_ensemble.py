import json

import keras
import numpy as np
import pytest

from pipeline import emotion
from training import ensemble
from training import model as emotion_cnn
from training.train import APP_ACCURACY


def float_weights_reading(loaded: emotion.EmotionModel, faces: np.ndarray) -> list:
    """What the app's path reads with float weights: the graph's arithmetic to rounding, so
    that a wrong share of a member shows (int8 weights move each probability a little)."""
    floating = emotion.EmotionModel(loaded._model, "test", quantized_weights=False)
    assert floating.runtime == loaded.runtime and floating.mirror_average == loaded.mirror_average
    return [scores.probabilities for scores in floating.classify(faces)]


def test_an_ensemble_reads_the_mean_of_its_members_and_the_app_reads_it_once(tmp_path):
    keras.utils.set_random_seed(0)
    members = [emotion_cnn.build("vgg-s"), emotion_cnn.build("vgg-d")]
    averaged = ensemble.average(members)
    averaged.save(tmp_path / "ensemble.keras")

    faces = np.random.default_rng(0).integers(0, 255, (3, 48, 48)).astype(np.float32)
    expected = np.mean([m(faces[..., None], training=False) for m in members], axis=0)
    # Loaded as the app loads it, mirror averaging asked for: an ensemble is read once a face.
    loaded = emotion.load(tmp_path / "ensemble.keras")
    assert emotion.is_ensemble(loaded._model) and not loaded.mirror_average
    assert loaded.runtime == "TFLite"  # the app's fast path takes the averaged graph too
    np.testing.assert_allclose(float_weights_reading(loaded, faces), expected, atol=1e-5)
    assert loaded.quantized_weights  # and reads it with int8 weights, close to the same
    read = [scores.probabilities for scores in loaded.classify(faces)]
    np.testing.assert_allclose(read, expected, atol=0.03)


def test_an_ensemble_needs_two_members():
    with pytest.raises(ValueError, match="two"):
        ensemble.average([emotion_cnn.build()])


def test_the_mirror_layer_flips_faces_exactly():
    faces = np.random.default_rng(1).integers(0, 255, (2, 48, 48, 1)).astype(np.float32)
    flipped = keras.ops.convert_to_numpy(ensemble.mirror()(faces))
    np.testing.assert_array_equal(flipped, faces[:, :, ::-1])


def test_each_member_reads_the_views_it_is_given(tmp_path):
    keras.utils.set_random_seed(0)
    members = [emotion_cnn.build("vgg-s"), emotion_cnn.build("vgg-s")]
    ensemble.average(members, ["mirror", "both"]).save(tmp_path / "ensemble.keras")

    faces = np.random.default_rng(0).integers(0, 255, (3, 48, 48, 1)).astype(np.float32)
    first, second = members
    readings = [
        keras.ops.convert_to_numpy(net(x, training=False))
        for net, x in ((first, faces[:, :, ::-1]), (second, faces), (second, faces[:, :, ::-1]))
    ]
    loaded = emotion.load(tmp_path / "ensemble.keras")  # loads with no code of ours registered
    assert not loaded.mirror_average and loaded.runtime == "TFLite"
    read = float_weights_reading(loaded, faces)
    np.testing.assert_allclose(read, np.mean(readings, axis=0), atol=1e-5)  # each reading 1/3
    with pytest.raises(ValueError, match="per member"):
        ensemble.average(members, ["face"])
    with pytest.raises(ValueError, match="per member"):
        ensemble.average(members, ["face", "sideways"])


def test_a_single_net_is_no_ensemble():
    assert not emotion.is_ensemble(emotion_cnn.build("vgg-s"))


def test_the_command_writes_a_record_of_what_the_file_holds(tmp_path, monkeypatch, capsys):
    from tests.test_training import write_npz

    write_npz(tmp_path / "train.npz", 40, seed=1)
    write_npz(tmp_path / "publictest.npz", 20, seed=2)
    keras.utils.set_random_seed(0)
    paths = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        emotion_cnn.build("vgg-s").save(tmp_path / name / "emotion_cnn.keras")
        paths.append(tmp_path / name / "emotion_cnn.keras")
    run = {"command": "python -m training.train --seed 1", "public_test_accuracy": 0.5}
    (tmp_path / "a" / "emotion_cnn.metrics.json").write_text(  # its own record, by name
        json.dumps({"architecture": "vgg-s", "seed": 1, "runs": [run]})
    )
    out, metrics = tmp_path / "out" / "emotion_cnn.keras", tmp_path / "out" / "metrics.json"
    argv = [
        *map(str, paths),
        "--views",
        "face",
        "mirror",
        "--out",
        str(out),
        "--metrics",
        str(metrics),
    ]
    monkeypatch.setattr("sys.argv", ["ensemble", *argv, "--data-dir", str(tmp_path)])
    ensemble.main()

    figures = json.loads(metrics.read_text())
    assert emotion.is_ensemble(keras.saving.load_model(out))
    assert figures["views"] == ["face", "mirror"] and figures["file_bytes"] == out.stat().st_size
    assert figures["recipe"].endswith("--views face mirror")
    assert 0 <= figures["public_test_accuracy"] <= 1 and 0 <= figures["training_accuracy"] <= 1
    assert figures["architecture"] == "ensemble of vgg-s, ?"
    assert [m["file"] for m in figures["members"]] == [str(p) for p in paths]
    assert figures["members"][0]["seed"] == 1 and "runs" not in figures["members"][0]
    assert figures["runs"][0] == run and figures["runs"][-1]["command"] == figures["recipe"]
    assert "no metrics.json beside" in capsys.readouterr().out  # b has none: said, not hidden
    report = json.loads((out.parent / "evaluation.json").read_text())  # the report describes it
    assert report["inference"]["ensemble"] and not report["inference"]["mirror_average"]
    assert figures[APP_ACCURACY] == report["public_test_accuracy"]
