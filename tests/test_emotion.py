import numpy as np
import pytest

from pipeline import emotion

# How far int8 weights may move a probability: at most 0.022 on PublicTest's 3,589 faces
# (`benchmarks/emotion_speed.py --accuracy`).
INT8_WEIGHTS_ATOL = 0.03


def test_label_order_is_fer2013():
    assert emotion.EMOTIONS == ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")


def test_bundled_model_meets_the_contract(emotion_model):
    results = emotion_model.classify(np.random.default_rng(0).integers(0, 255, (3, 48, 48)))
    assert len(results) == 3
    for result in results:
        assert len(result.probabilities) == 7
        assert sum(result.probabilities) == pytest.approx(1.0, abs=1e-4)
        assert result.top in emotion.EMOTIONS
        assert set(result.as_dict()) == set(emotion.EMOTIONS)


def test_batch_equals_one_by_one(emotion_model):
    faces = np.random.default_rng(1).integers(0, 255, (4, 48, 48)).astype(np.uint8)
    together = [r.probabilities for r in emotion_model.classify(faces)]
    alone = [emotion_model.classify(face[None])[0].probabilities for face in faces]
    np.testing.assert_allclose(together, alone, atol=1e-5)


def test_tflite_path_gives_the_keras_models_answers(emotion_model):
    assert emotion_model.runtime == "TFLite" and emotion_model.quantized_weights
    faces = np.random.default_rng(2).integers(0, 255, (5, 48, 48)).astype(np.float32)
    keras_model = emotion_model._model
    keras_answer = np.asarray(keras_model(faces[..., None], training=False))
    if emotion_model.mirror_average:
        mirrored = np.asarray(keras_model(faces[:, :, ::-1, None], training=False))
        keras_answer = (keras_answer + mirrored) / 2
    # Float weights: the same arithmetic, to rounding. Int8 weights (the app's): close to it.
    floating = emotion.EmotionModel(keras_model, "test", quantized_weights=False)
    assert not floating.quantized_weights
    exact = [r.probabilities for r in floating.classify(faces)]
    np.testing.assert_allclose(exact, keras_answer, atol=1e-5)
    fast = [r.probabilities for r in emotion_model.classify(faces)]
    np.testing.assert_allclose(fast, keras_answer, atol=INT8_WEIGHTS_ATOL)
    assert not np.allclose(fast, exact, atol=1e-6)  # the weights really are int8


def test_threads_share_a_pool_of_interpreters(emotion_model):
    from concurrent.futures import ThreadPoolExecutor

    faces = np.random.default_rng(3).integers(0, 255, (8, 48, 48)).astype(np.uint8)
    expected = [r.probabilities for r in emotion_model.classify(faces)]
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda face: emotion_model.classify(face[None])[0], faces))
    np.testing.assert_allclose([a.probabilities for a in answers], expected, atol=1e-6)
    made = emotion_model.interpreters
    assert made <= 1 + 4  # the warm-up's, and at most one per call running at once
    for _ in range(3):  # fresh threads, one after another, borrow the idle ones
        with ThreadPoolExecutor(1) as pool:
            pool.submit(emotion_model.classify, faces[:1]).result()
    assert emotion_model.interpreters == made


def test_a_model_that_will_not_convert_runs_on_tensorflow(monkeypatch, emotion_model):
    monkeypatch.setattr(emotion, "_to_tflite", lambda model, views, quantized_weights, **_: None)
    fallback = emotion.EmotionModel(emotion_model._model, source="test")
    assert fallback.runtime == "TensorFlow" and not fallback.quantized_weights
    face = np.full((1, 48, 48), 128, np.uint8)
    np.testing.assert_allclose(
        fallback.classify(face)[0].probabilities,
        emotion_model.classify(face)[0].probabilities,
        atol=INT8_WEIGHTS_ATOL,
    )


def test_a_model_whose_int8_weights_will_not_convert_runs_on_float_tflite(
    monkeypatch, emotion_model
):
    convert = emotion._to_tflite

    def float_only(model, views, quantized_weights, **calibration):
        return None if quantized_weights else convert(model, views, quantized_weights)

    monkeypatch.setattr(emotion, "_to_tflite", float_only)
    fallback = emotion.EmotionModel(emotion_model._model, source="test")
    assert fallback.runtime == "TFLite" and not fallback.quantized_weights
    face = np.full((1, 48, 48), 128, np.float32)
    keras_answer = np.asarray(emotion_model._model(face[..., None], training=False))[0]
    mirrored = np.asarray(emotion_model._model(face[:, :, ::-1, None], training=False))[0]
    np.testing.assert_allclose(
        fallback.classify(face)[0].probabilities, (keras_answer + mirrored) / 2, atol=1e-5
    )


def test_mirror_average_reads_a_face_and_its_mirror_image():
    from training import model as emotion_cnn

    net = emotion_cnn.build("vgg-s")
    mirrored = emotion.EmotionModel(net, source="test", mirror_average=True)
    single = emotion.EmotionModel(net, source="test", mirror_average=False)
    faces = np.random.default_rng(4).integers(0, 255, (2, 48, 48)).astype(np.uint8)
    plain = np.array([r.probabilities for r in single.classify(faces)])
    flipped = np.array([r.probabilities for r in single.classify(faces[:, :, ::-1])])
    averaged = [r.probabilities for r in mirrored.classify(faces)]
    np.testing.assert_allclose(averaged, (plain + flipped) / 2, atol=1e-6)


def test_empty_batch(emotion_model):
    assert emotion_model.classify(np.zeros((0, 48, 48))) == []


def test_wrong_model_shapes_are_refused():
    import keras

    wrong_input = keras.Sequential(
        [keras.Input((64, 64, 1)), keras.layers.Flatten(), keras.layers.Dense(7)]
    )
    with pytest.raises(emotion.ModelContractError, match="takes"):
        emotion.check_contract(wrong_input)
    wrong_output = keras.Sequential(
        [keras.Input((48, 48, 1)), keras.layers.Flatten(), keras.layers.Dense(4)]
    )
    with pytest.raises(emotion.ModelContractError, match="gives"):
        emotion.check_contract(wrong_output)


def test_rgb_faces_are_refused_not_reshaped(emotion_model):
    with pytest.raises(ValueError, match="48, 48"):
        emotion_model.classify(np.zeros((2, 48, 48, 3)))


def test_model_without_softmax_is_refused():
    import keras

    logits = keras.Sequential(
        [keras.Input((48, 48, 1)), keras.layers.Flatten(), keras.layers.Dense(7)]
    )
    with pytest.raises(emotion.ModelContractError, match="softmax"):
        emotion.check_contract(logits)


def test_a_net_that_convolves_its_input_directly_converts_with_its_weights():
    # The TFLite converter, handed the Keras model as well, kept such a net's weights as
    # variables the interpreter never filled: every answer was NaN.
    import keras

    net = keras.Sequential(
        [
            keras.Input((48, 48, 1)),
            keras.layers.Conv2D(4, 3),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(7, activation="softmax"),
        ]
    )
    faces = np.random.default_rng(3).integers(0, 255, (2, 48, 48)).astype(np.float32)
    expected = keras.ops.convert_to_numpy(net(faces[..., None]))
    for quantized_weights, tolerance in ((False, 1e-5), (True, INT8_WEIGHTS_ATOL)):
        model = emotion.EmotionModel(
            net, "test", mirror_average=False, quantized_weights=quantized_weights
        )
        assert model.runtime == "TFLite" and model.quantized_weights == quantized_weights
        read = [s.probabilities for s in model.classify(faces)]
        np.testing.assert_allclose(read, expected, atol=tolerance)


def test_calibration_faces_make_the_activations_int8_and_the_readings_stay_close(emotion_model):
    """What `benchmarks/emotion_speed.py --integer` times: activations int8 too, their ranges
    from the faces."""
    faces = np.random.default_rng(4).integers(0, 255, (12, 48, 48)).astype(np.uint8)
    integer = emotion.EmotionModel(emotion_model._model, "test", calibration_faces=faces)
    assert integer.runtime == "TFLite" and integer.integer_activations
    assert not emotion_model.integer_activations
    read = np.array([r.probabilities for r in integer.classify(faces)])
    assert read.shape == (12, 7)
    np.testing.assert_allclose(read.sum(axis=1), 1, atol=1e-2)
    app = np.array([r.probabilities for r in emotion_model.classify(faces)])
    np.testing.assert_allclose(read, app, atol=INT8_WEIGHTS_ATOL)
