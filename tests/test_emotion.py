import numpy as np
import pytest

from pipeline import emotion
from pipeline.faces import Face


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
    assert emotion_model.runtime == "TFLite"
    faces = np.random.default_rng(2).integers(0, 255, (5, 48, 48)).astype(np.float32)
    fast = [r.probabilities for r in emotion_model.classify(faces)]
    keras_model = emotion_model._model
    keras_answer = np.asarray(keras_model(faces[..., None], training=False))
    if emotion_model.mirror_average:
        mirrored = np.asarray(keras_model(faces[:, :, ::-1, None], training=False))
        keras_answer = (keras_answer + mirrored) / 2
    np.testing.assert_allclose(fast, keras_answer, atol=1e-5)


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
    monkeypatch.setattr(emotion, "_to_tflite", lambda model, views: None)
    fallback = emotion.EmotionModel(emotion_model._model, source="test")
    assert fallback.runtime == "TensorFlow"
    face = np.full((1, 48, 48), 128, np.uint8)
    np.testing.assert_allclose(
        fallback.classify(face)[0].probabilities,
        emotion_model.classify(face)[0].probabilities,
        atol=1e-5,
    )


def test_mirror_average_reads_a_face_and_its_mirror_image(emotion_model):
    assert emotion_model.mirror_average  # the app's setting
    single = emotion.EmotionModel(emotion_model._model, source="test", mirror_average=False)
    faces = np.random.default_rng(4).integers(0, 255, (2, 48, 48)).astype(np.uint8)
    plain = np.array([r.probabilities for r in single.classify(faces)])
    flipped = np.array([r.probabilities for r in single.classify(faces[:, :, ::-1])])
    averaged = [r.probabilities for r in emotion_model.classify(faces)]
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


def test_crop_is_48_grey(astronaut):
    grey = astronaut.mean(axis=2).astype(np.uint8)
    crop = emotion.crop(grey, Face((170, 50, 110, 130), score=1.0))
    assert crop.shape == (48, 48) and crop.dtype == np.uint8


def _dot_photo(side: int, centre: tuple[int, int], radius: int) -> np.ndarray:
    import cv2

    grey = np.zeros((side, side), np.uint8)
    cv2.circle(grey, centre, radius, 255, -1)
    return grey


def _centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    ys, xs = np.nonzero(image > 128)
    return float(xs.mean()), float(ys.mean())


def test_crop_centres_the_face_small_and_large():
    # A bright dot at the box centre must land at the centre of the 48x48 crop, whether the
    # face is small (upsampled) or large (area-averaged first), and near the photo's edge.
    for side, box in [
        (200, (60, 80, 30, 30)),
        (3000, (1200, 900, 900, 900)),
        (300, (0, 0, 60, 60)),
    ]:
        x, y, w, h = box
        grey = _dot_photo(side, (x + w // 2, y + h // 2), max(w // 8, 2))
        cx, cy = _centre_of_mass(emotion.crop(grey, Face(box, 1.0)))
        assert abs(cx - 23.5) < 1.5 and abs(cy - 23.5) < 1.5, (side, box, cx, cy)


def test_framing_scales_and_shifts_the_crop():
    # The crop shows the frame a detector's framing describes: twice the box shows the dot at
    # half the size, and a frame centred a quarter box lower shows the dot 12 px higher.
    grey = _dot_photo(400, (200, 200), 40)
    box = Face((120, 120, 160, 160), 1.0)
    plain = emotion.crop(grey, box)
    wide = emotion.crop(grey, box, emotion.Framing(scale=2.0, shift_x=0.0, shift_y=0.0))
    assert (wide > 128).sum() == pytest.approx((plain > 128).sum() / 4, rel=0.15)
    lower = emotion.crop(grey, box, emotion.Framing(scale=1.0, shift_x=0.0, shift_y=0.25))
    cx, cy = _centre_of_mass(lower)
    assert abs(cx - 23.5) < 1 and abs(cy - (23.5 - 12)) < 1


def test_every_detector_has_a_measured_framing():
    from pipeline import faces

    for detector in (faces.YuNetDetector, faces.HaarDetector):
        assert emotion.framing_for(detector.name) is emotion.FRAMINGS[detector.name]
    assert emotion.framing_for("some other detector") == emotion.DEFAULT_FRAMING


def test_implausible_eye_tilt_is_ignored():
    upside_down = Face((0, 0, 10, 10), 1.0, landmarks=((8, 5), (2, 5), (5, 6), (3, 8), (7, 8)))
    assert emotion._eye_angle(upside_down) == 0.0


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


def test_crop_levels_tilted_eyes():
    # A white square tilted by the eye line: after levelling, its edges are axis-aligned again.
    import cv2

    canvas = np.zeros((200, 200, 3), np.uint8)
    cv2.rectangle(canvas, (70, 70), (130, 130), (255, 255, 255), -1)
    tilt = cv2.getRotationMatrix2D((100, 100), -20, 1.0)
    tilted = cv2.warpAffine(canvas, tilt, (200, 200))
    angle = np.radians(20)
    eyes = (
        (100 - 20 * np.cos(angle), 100 - 20 * np.sin(angle)),
        (100 + 20 * np.cos(angle), 100 + 20 * np.sin(angle)),
    )
    face = Face((50, 50, 100, 100), 1.0, landmarks=(*eyes, (100, 100), (90, 120), (110, 120)))
    level = emotion.crop(tilted[..., 0], face)
    flat = emotion.crop(canvas[..., 0], Face((50, 50, 100, 100), 1.0))
    assert np.abs(level.astype(int) - flat.astype(int)).mean() < 12
    assert emotion._eye_angle(face) == pytest.approx(20, abs=0.01)


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
    model = emotion.EmotionModel(net, "test", mirror_average=False)
    assert model.runtime == "TFLite"
    expected = keras.ops.convert_to_numpy(net(faces[..., None]))
    np.testing.assert_allclose(
        [s.probabilities for s in model.classify(faces)], expected, atol=1e-5
    )
