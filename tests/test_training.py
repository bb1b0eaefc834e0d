import json

import numpy as np
import pytest

from pipeline import emotion
from tests.conftest import FER_DIR, needs_shared
from training import augment, data, evaluate, train
from training import model as emotion_cnn

FER_CSV = FER_DIR / "fer2013_csv_first1167rows.csv.gz"


def write_npz(path, count, seed):
    rng = np.random.default_rng(seed)
    np.savez(
        path,
        x=rng.integers(0, 255, (count, 48, 48), dtype=np.uint8),
        y=rng.integers(0, 7, count, dtype=np.uint8),
        names=np.array(["n"] * count),
    )


def test_npz_loader_and_split_checks(tmp_path):
    write_npz(tmp_path / "train.npz", 20, 0)
    split = data.load_npz(tmp_path / "train.npz")
    assert len(split) == 20 and split.faces.dtype == np.uint8
    with pytest.raises(ValueError, match="48, 48"):
        data.Split(np.zeros((2, 10, 10), np.uint8), np.zeros(2, np.int64))
    with pytest.raises(ValueError, match="out of range"):
        data.Split(np.zeros((1, 48, 48), np.uint8), np.array([7]))


def test_csv_loader_reads_the_original_layout(tmp_path):
    rows = ["emotion,pixels,Usage"]
    rows += [f"{i % 7},{' '.join(['128'] * 48 * 48)},Training" for i in range(3)]
    rows += [f"3,{' '.join(['5'] * 48 * 48)},PublicTest"]
    (tmp_path / "fer2013.csv").write_text("\n".join(rows) + "\n")
    training = data.load_split("Training", tmp_path)
    assert len(training) == 3 and training.faces.shape == (3, 48, 48)
    public = data.load_split("PublicTest", tmp_path)
    assert public.labels.tolist() == [3] and public.faces.max() == 5
    with pytest.raises(ValueError, match="PrivateTest"):
        data.load_csv(tmp_path / "fer2013.csv", "PrivateTest")


@needs_shared(FER_CSV)
def test_csv_loader_on_the_real_file():
    split = data.load_csv(FER_CSV, "Training")
    assert len(split) == 1167 and split.faces.shape[1:] == (48, 48)
    assert set(np.unique(split.labels)) <= set(range(7))


def test_missing_data_names_the_fix(tmp_path):
    with pytest.raises(FileNotFoundError, match="FER2013_DIR"):
        data.load_split("Training", tmp_path)


def test_every_architecture_meets_the_contract_and_the_size_budget():
    for name in emotion_cnn.ARCHITECTURES:
        built = emotion_cnn.build(name)
        emotion.check_contract(built)
        assert built.count_params() * 4 < 10 * 2**20, name  # float32 weights under 10 MB
    with pytest.raises(ValueError, match="vgg-s"):
        emotion_cnn.build("resnet-1000")


def test_jitter_is_a_function_of_seed_epoch_and_batch():
    faces = np.random.default_rng(0).integers(0, 256, (10, 48, 48), dtype=np.uint8)
    targets = train.one_hot(np.arange(10) % 7)
    batches = augment.JitteredFaces(faces, targets, batch_size=4, seed=7, erasing=0.5)
    assert len(batches) == 3
    first = batches[0][0]
    assert first.shape == (4, 48, 48, 1) and first.dtype == np.float32
    again = augment.JitteredFaces(faces, targets, batch_size=4, seed=7, erasing=0.5)
    np.testing.assert_array_equal(again[0][0], first)  # a resumed run sees the same batch
    batches.epoch = 1
    assert not np.array_equal(batches[0][0], first)  # a new epoch, new order and jitter
    labels = np.concatenate([batches[i][1] for i in range(3)]).argmax(axis=1)
    assert sorted(labels.tolist()) == sorted((np.arange(10) % 7).tolist())  # each face once


def test_jitter_moves_the_face_but_keeps_it_sharp():
    # A checkerboard survives one resampling; three in a row (the old Keras layers) smear it.
    board = (np.indices((48, 48)).sum(axis=0) // 4 % 2 * 255).astype(np.uint8)
    rng = np.random.default_rng(0)
    jittered = [augment.jitter(board, rng, erasing=0.0) for _ in range(20)]
    assert np.mean([np.mean((j < 40) | (j > 215)) for j in jittered]) > 0.5
    assert any(not np.array_equal(j, board) for j in jittered)
    erased = augment.jitter(board, np.random.default_rng(1), erasing=1.0)
    assert np.mean((erased > 40) & (erased < 215)) > 0.02  # a noise patch is in


def test_small_faces_are_blurred_as_the_app_brings_them_up_and_off_changes_nothing():
    board = (np.indices((48, 48)).sum(axis=0) // 4 % 2 * 255).astype(np.uint8)

    def crisp_share(small_faces: float) -> float:
        rng = np.random.default_rng(0)
        moved = [augment.jitter(board, rng, 0.0, small_faces=small_faces) for _ in range(20)]
        return float(np.mean([np.mean((m < 40) | (m > 215)) for m in moved]))

    assert crisp_share(1.0) < crisp_share(0.0) - 0.2  # 4 px squares at 16-32 of 48 px smear
    # Off, it draws nothing from the generator: runs without it see the jitter they always saw
    # (angle, zoom, shift, mirror, erase-or-not; the order `jitter` has drawn them in since v4).
    used, replay = np.random.default_rng(3), np.random.default_rng(3)
    augment.jitter(board, used, erasing=0.0, small_faces=0.0)
    replay.uniform(), replay.uniform(), replay.uniform(size=2), replay.random(), replay.random()
    assert used.bit_generator.state == replay.bit_generator.state
    args = train.parse_args(["--small-faces", "0.25"])
    assert "--small-faces 0.25" in train.recipe(args)
    assert "--small-faces" not in train.recipe(train.parse_args([]))


def test_the_apps_frame_comes_first_within_the_same_single_warp():
    # A smooth blob, so that one resampling and two in a row agree closely.
    ys, xs = np.indices((48, 48))
    blob = (255 * np.exp(-((xs - 20) ** 2 + (ys - 26) ** 2) / 60)).astype(np.uint8)
    frame = np.array([[1.2, 0.0, -3.0], [0.0, 1.2, -6.0]])  # zoomed in and moved up-left
    framed = augment.jitter(blob, np.random.default_rng(5), 0.0, frame=frame)
    framed_first = augment._warp(blob, frame)
    after = augment.jitter(framed_first, np.random.default_rng(5), 0.0)
    assert np.abs(framed.astype(int) - after).mean() < 1.5
    plain = augment.jitter(blob, np.random.default_rng(5), 0.0)
    assert np.abs(framed.astype(int) - plain).mean() > 5
    identity = augment.jitter(blob, np.random.default_rng(5), 0.0, frame=np.eye(3)[:2])
    np.testing.assert_array_equal(identity, plain)
    with pytest.raises(ValueError, match="chained"):
        augment.jitter(blob, np.random.default_rng(5), 0.0, chained=True, frame=frame)


def test_app_frames_are_drawn_per_face_and_off_changes_nothing():
    faces = np.random.default_rng(0).integers(0, 256, (8, 48, 48), dtype=np.uint8)
    targets = train.one_hot(np.arange(8) % 7)
    shifted = np.tile(np.array([[1.0, 0.0, 9.0], [0.0, 1.0, 0.0]]), (8, 1, 1))

    def batch(**framing):
        return augment.JitteredFaces(faces, targets, 8, seed=3, **framing)[0][0]

    np.testing.assert_array_equal(batch(frames=shifted, app_frames=0.0), batch())
    assert not np.array_equal(batch(frames=shifted, app_frames=1.0), batch())
    with pytest.raises(ValueError, match="frame"):
        augment.JitteredFaces(faces, targets, 8, seed=3, app_frames=0.5)


def test_app_frames_are_measured_once_per_run_and_need_the_detector(tmp_path, monkeypatch):
    from training import framing

    detector = tmp_path / "yunet.onnx"
    args = train.parse_args(["--app-frames", "0.5", "--run-dir", str(tmp_path / "run")])
    assert "--app-frames 0.5" in train.recipe(args)
    assert "--app-frames" not in train.recipe(train.parse_args([]))
    assert train.app_frames(train.parse_args([]), None) is None
    args.yunet = str(detector)
    split = data.Split(np.zeros((3, 48, 48), np.uint8), np.zeros(3, np.int64))
    with pytest.raises(SystemExit, match="YuNet"):
        train.app_frames(args, split)
    detector.write_bytes(b"")
    calls = []

    def measured(found_by, grey_faces):
        calls.append(len(grey_faces))
        return np.tile(np.eye(3)[:2], (len(grey_faces), 1, 1)) * 2, 2

    monkeypatch.setattr(framing, "app_frames", measured)
    monkeypatch.setattr("pipeline.faces.YuNetDetector", lambda path: path)
    first = train.app_frames(args, split)
    again = train.app_frames(args, split)  # a resumed run reads the kept maps
    assert calls == [3] and first.shape == (3, 2, 3)
    np.testing.assert_array_equal(first, again)


def test_chained_jitter_makes_the_same_moves_but_smears_the_face():
    board = (np.indices((48, 48)).sum(axis=0) // 4 % 2 * 255).astype(np.uint8)

    def crisp_share(chained: bool) -> float:
        rng = np.random.default_rng(0)
        moved = [augment.jitter(board, rng, 0.0, chained) for _ in range(20)]
        return float(np.mean([np.mean((m < 40) | (m > 215)) for m in moved]))

    assert crisp_share(chained=True) < crisp_share(chained=False) - 0.05
    args = train.parse_args(["--chained-jitter"])
    assert "--chained-jitter" in train.recipe(args)


def tiny_run(tmp_path, epochs: int, *extra: str):
    """Arguments for a quick run on random faces: 64 to train on, 32 to validate."""
    write_npz(tmp_path / "train.npz", 64, 1)
    write_npz(tmp_path / "publictest.npz", 32, 2)
    return train.parse_args(
        [
            *("--data-dir", str(tmp_path), "--epochs", str(epochs), "--batch-size", "32"),
            *("--run-dir", str(tmp_path / "run"), "--out", str(tmp_path / "model.keras")),
            *("--metrics", str(tmp_path / "metrics.json"), "--verbose", "0"),
            *extra,
        ]
    )


class Interrupted(Exception):
    pass


def test_interrupted_run_resumes_where_it_stopped(tmp_path, monkeypatch):
    import keras

    args = tiny_run(tmp_path, 2, "--no-report")
    log_epoch = keras.callbacks.CSVLogger.on_epoch_end

    def log_then_die(self, epoch, logs=None):
        log_epoch(self, epoch, logs)
        raise Interrupted  # as if the session ended after the first epoch

    with monkeypatch.context() as patch:
        patch.setattr(keras.callbacks.CSVLogger, "on_epoch_end", log_then_die)
        with pytest.raises(Interrupted):
            train.train(args)
    assert not (tmp_path / "model.keras").exists()
    train.train(args)
    epochs = (tmp_path / "run" / "history.csv").read_text().splitlines()[1:]
    assert [row.split(",")[0] for row in epochs] == ["0", "1"]  # epoch 1 was not run again
    assert (tmp_path / "model.keras").exists()


def test_tiny_training_run_exports_and_evaluates(tmp_path):
    args = tiny_run(tmp_path, epochs=1)
    metrics = train.train(args)  # one command: train, export, then the evaluation report
    assert 0 <= metrics["public_test_accuracy"] <= 1
    assert json.loads((tmp_path / "metrics.json").read_text())["epochs"] == 1
    loaded = emotion.load(tmp_path / "model.keras")  # the exported file loads under the app's path
    assert len(loaded.classify(np.zeros((2, 48, 48)))) == 2
    assert (tmp_path / "run" / "history.csv").read_text().count("\n") == 2  # header + 1 epoch
    assert train.best_so_far(tmp_path / "run" / "history.csv") is not None

    report = json.loads((tmp_path / "evaluation.json").read_text())  # written beside the model
    assert report["public_test_faces"] == 32
    assert sum(map(sum, report["confusion_matrix"])) == 32
    assert 0 <= report["expected_calibration_error"] <= 1
    again = evaluate.evaluate(str(tmp_path / "model.keras"), str(tmp_path))
    assert again["confusion_matrix"] == report["confusion_matrix"]  # of the exported model
    assert (tmp_path / "confusion_matrix.png").read_bytes()[:4] == b"\x89PNG"
    exported = json.loads((tmp_path / "metrics.json").read_text())
    single_view = report["single_view"]["public_test_accuracy"]  # the file alone, as trained
    assert single_view == pytest.approx(exported["public_test_accuracy"])
    assert set(report["recall_per_class"]) == set(emotion.EMOTIONS)
    assert report["latency_ms_per_face_batch1_median"] > 0


def test_report_arithmetic():
    labels = np.array([0, 0, 1, 1, 1, 3])
    predicted = np.array([0, 1, 1, 1, 0, 3])
    matrix = evaluate.confusion(labels, predicted)
    assert matrix[0].tolist()[:2] == [1, 1] and matrix[1].tolist()[:2] == [1, 2]
    classes = evaluate.per_class(matrix)
    assert classes["angry"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert classes["disgust"]["precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert classes["fear"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    # Perfectly calibrated: 80 % confident and right 80 % of the time.
    probs = np.tile([[0.8, 0.2, 0, 0, 0, 0, 0]], (10, 1))
    assert evaluate.expected_calibration_error(probs, np.array([0] * 8 + [1] * 2)) == 0
    # Always 100 % sure and right half the time: off by 0.5.
    sure = np.tile([[1.0, 0, 0, 0, 0, 0, 0]], (4, 1))
    assert evaluate.expected_calibration_error(sure, np.array([0, 0, 1, 1])) == 0.5


def test_weight_averaging_run_exports_and_says_how_it_was_made(tmp_path):
    args = tiny_run(tmp_path, 2, "--ema", "0.9", "--peak-lr", "1e-3", "--no-report")
    metrics = train.train(args)
    assert (metrics["ema_momentum"], metrics["peak_learning_rate"]) == (0.9, 1e-3)
    assert "--peak-lr 0.001 --ema 0.9" in metrics["recipe"]  # the command reruns the recipe
    # The export is the epoch whose averaged weights validated best, and it scores just that.
    best = train.best_so_far(tmp_path / "run" / "history.csv")
    assert metrics["public_test_accuracy"] == pytest.approx(best, abs=1e-4)


def test_a_run_replaces_the_committed_model_only_when_it_is_better_enough(tmp_path, capsys):
    train.train(tiny_run(tmp_path, 1, "--no-report"))  # nothing committed yet: it is exported
    committed = (tmp_path / "model.keras").read_bytes()
    train.train(tiny_run(tmp_path, 1, "--no-report", "--min-gain", "1.0", "--seed", "5"))
    assert "does not beat the committed" in capsys.readouterr().out
    assert (tmp_path / "model.keras").read_bytes() == committed
    assert (tmp_path / "run" / "export" / "model.keras").exists()  # kept beside the run


def test_a_lost_run_folder_takes_up_the_committed_model_where_it_came_from(tmp_path, monkeypatch):
    import shutil

    import keras

    options = ("--no-report", "--min-gain", "-1")  # any export is promoted
    args = tiny_run(tmp_path, 3, *options)
    log_epoch = keras.callbacks.CSVLogger.on_epoch_end

    def log_then_die(self, epoch, logs=None):
        log_epoch(self, epoch, logs)
        if epoch == 1:
            raise Interrupted  # the session ended after two of three epochs

    with monkeypatch.context() as patch:
        patch.setattr(keras.callbacks.CSVLogger, "on_epoch_end", log_then_die)
        with pytest.raises(Interrupted):
            train.train(args)
    exported = train.train(tiny_run(tmp_path, 3, *options, "--export-only"))
    assert exported["runs"][-1]["epochs_done"] == 2
    shutil.rmtree(tmp_path / "run")  # a new machine: the checkpoints are gone, the commit is not

    metrics = train.train(args)
    history = (tmp_path / "run" / "history.csv").read_text().splitlines()[1:]
    taken_up = exported["best_epoch"]
    assert [int(row.split(",")[0]) for row in history] == list(range(taken_up, 3))
    assert metrics["recipe"] == exported["recipe"]


def test_a_mixed_precision_run_exports_a_float32_model(tmp_path):
    import keras

    train.train(tiny_run(tmp_path, 1, "--no-report", "--policy", "mixed_bfloat16"))
    assert keras.config.dtype_policy().name == "float32"  # the global policy is put back
    saved = keras.saving.load_model(tmp_path / "model.keras")
    assert {layer.dtype_policy.name for layer in saved.layers} == {"float32"}
    assert len(emotion.load(tmp_path / "model.keras").classify(np.zeros((1, 48, 48)))) == 1


def test_a_teacher_blends_its_readings_into_the_targets(tmp_path):
    import keras

    from training import ensemble

    keras.utils.set_random_seed(0)
    teacher = emotion_cnn.build("vgg-s")
    teacher.save(tmp_path / "teacher.keras")
    args = tiny_run(tmp_path, 1, "--no-report", "--teacher", str(tmp_path / "teacher.keras"))
    assert f"--teacher {tmp_path / 'teacher.keras'} --teacher-weight 0.5" in train.recipe(args)
    training = data.load_split("Training", tmp_path)

    targets = train.training_targets(args, training)
    faces = training.faces.astype(np.float32)[..., None]
    read = [keras.ops.convert_to_numpy(teacher(x)) for x in (faces, faces[:, :, ::-1])]
    expected = 0.5 * train.one_hot(training.labels) + 0.25 * (read[0] + read[1])
    np.testing.assert_allclose(targets, expected, atol=1e-5)  # face and mirror, as the app reads
    np.testing.assert_allclose(targets.sum(axis=1), 1, atol=1e-5)
    without = train.training_targets(train.parse_args([]), training)
    np.testing.assert_array_equal(without, train.one_hot(training.labels))

    # An ensemble holds its views in its graph: the teacher reads each face once.
    crossed = ensemble.average([teacher, teacher], ["face", "mirror"])
    np.testing.assert_allclose(
        train.teacher_readings(crossed, training.faces), (read[0] + read[1]) / 2, atol=1e-5
    )

    assert (tmp_path / "run" / "teacher.keras").exists()  # the run keeps the teacher it began with
    train.train(args)  # and a run distils from it
    assert json.loads((tmp_path / "metrics.json").read_text())["recipe"] == train.recipe(args)

    itself = tiny_run(tmp_path, 1, "--teacher", str(tmp_path / "model.keras"))
    with pytest.raises(ValueError, match="must not be --out"):
        train.training_targets(itself, training)
    too_much = tiny_run(
        tmp_path, 1, "--teacher", str(tmp_path / "teacher.keras"), "--teacher-weight", "2"
    )
    with pytest.raises(ValueError, match="0-1"):
        train.training_targets(too_much, training)


def test_a_teacher_may_read_each_face_through_more_views(tmp_path):
    import cv2
    import keras

    keras.utils.set_random_seed(0)
    teacher = emotion_cnn.build("vgg-s")
    teacher.save(tmp_path / "teacher.keras")
    views = ("--teacher-views", "face,zoom-in")
    args = tiny_run(
        tmp_path, 1, "--no-report", "--teacher", str(tmp_path / "teacher.keras"), *views
    )
    assert "--teacher-weight 0.5 --teacher-views face,zoom-in" in train.recipe(args)
    training = data.load_split("Training", tmp_path)

    faces = training.faces.astype(np.float32)
    zoom = cv2.getRotationMatrix2D((23.5, 23.5), 0, 1.05)
    zoomed = np.stack(
        [cv2.warpAffine(f, zoom, (48, 48), borderMode=cv2.BORDER_REPLICATE) for f in faces]
    )
    seen = [x[..., None] for x in (faces, faces[:, :, ::-1], zoomed, zoomed[:, :, ::-1])]
    expected = np.mean([keras.ops.convert_to_numpy(teacher(x)) for x in seen], axis=0)
    np.testing.assert_allclose(
        train.training_targets(args, training),
        0.5 * train.one_hot(training.labels) + 0.5 * expected,
        atol=1e-5,
    )
    # The run keeps the readings, and a resumed run takes them instead of reading again.
    kept = tmp_path / "run" / "teacher_readings_face_zoom-in.npy"
    np.testing.assert_allclose(np.load(kept), expected, atol=1e-5)
    np.save(kept, np.full_like(expected, 1 / 7))
    np.testing.assert_allclose(
        train.training_targets(args, training),
        0.5 * train.one_hot(training.labels) + 0.5 / 7,
        atol=1e-6,
    )
    # The default reads the face as the app does, and the recipe does not name it.
    plain = tiny_run(tmp_path, 1, "--teacher", str(tmp_path / "teacher.keras"))
    assert "--teacher-views" not in train.recipe(plain)
    with pytest.raises(ValueError, match="unknown teacher views"):
        train.teacher_readings(teacher, training.faces, ("face", "sideways"))


def test_runs_are_compared_as_the_app_reads_faces_when_both_records_say_so():
    app = train.APP_ACCURACY
    assert train.compared_figure({app: 0.7, "public_test_accuracy": 0.69}, {app: 0.7}) == app
    older = {"public_test_accuracy": 0.6857}  # a record from before the app's figure was kept
    assert train.compared_figure({app: 0.7}, older) == "public_test_accuracy"
