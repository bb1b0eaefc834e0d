import json
import shutil

import pytest

from training import publish


@pytest.fixture
def folder(tmp_path):
    copy = tmp_path / "models"
    shutil.copytree(publish.MODELS_DIR, copy)
    return copy


def test_the_bundled_folder_is_fit_to_publish(capsys):
    publish.main(["--repo", "someone/emotion", "--dry-run"])
    out = capsys.readouterr().out
    assert "dry run: these 5 files would go to someone/emotion" in out
    assert "emotion_cnn.keras" in out and "README.md" in out


def test_a_card_without_metadata_is_refused(folder):
    card = (folder / "README.md").read_text()
    (folder / "README.md").write_text(card.replace("library_name: keras\n", ""))
    with pytest.raises(publish.PublishError, match="library_name"):
        publish.check(folder)


def test_a_card_whose_accuracy_differs_from_the_measurement_is_refused(folder):
    measured = json.loads((folder / "evaluation.json").read_text())["public_test_accuracy"]
    card = (folder / "README.md").read_text()
    assert f"value: {measured}" in card
    (folder / "README.md").write_text(card.replace(f"value: {measured}", "value: 0.7500"))
    with pytest.raises(publish.PublishError, match=r"states accuracy 0\.75"):
        publish.check(folder)


def test_missing_files_are_named(folder):
    (folder / "evaluation.json").unlink()
    with pytest.raises(publish.PublishError, match=r"evaluation\.json"):
        publish.check(folder)
