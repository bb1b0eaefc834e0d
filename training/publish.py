"""Publish `models/` to a Hugging Face Hub model repo; the model card becomes its README.

    python -m training.publish --repo owner/face-to-music-emotion --dry-run
    HF_TOKEN=... python -m training.publish --repo owner/face-to-music-emotion

Before anything is sent, the folder is checked: the `.keras` file loads and meets the model
contract and the size budget, and the card's metadata (library, tags, datasets, metrics) is
complete and states the same PublicTest accuracy that `evaluation.json` measured. `--dry-run`
stops after the checks and lists what would be uploaded.
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass
from pathlib import Path

from huggingface_hub import HfApi, ModelCard

from pipeline import emotion

MODELS_DIR = emotion.BUNDLED_MODEL.parent
PUBLISHED = (
    "README.md",
    "emotion_cnn.keras",
    "metrics.json",
    "evaluation.json",
    "confusion_matrix.png",
)
MAX_MODEL_BYTES = 10 * 2**20  # the budget issue 3 sets for the .keras file
REQUIRED_METADATA = ("library_name", "license", "tags", "datasets", "metrics", "model-index")
ACCURACY_TOLERANCE = 5e-4  # the card rounds to 4 places


class PublishError(ValueError):
    """The folder is not fit to publish; the message says what to fix."""


@dataclass(frozen=True)
class Upload:
    path: str  # inside the repo
    bytes: int


def check(folder: Path = MODELS_DIR) -> list[Upload]:
    """Everything `PUBLISHED` must hold before it goes out; returns the files to send."""
    missing = [name for name in PUBLISHED if not (folder / name).is_file()]
    if missing:
        raise PublishError(f"{folder} lacks {missing}; run training.train and training.evaluate")
    model_file = folder / "emotion_cnn.keras"
    if model_file.stat().st_size > MAX_MODEL_BYTES:
        raise PublishError(f"{model_file} is over {MAX_MODEL_BYTES // 2**20} MB")
    emotion.load(model_file)  # raises ModelContractError when the contract is broken

    card = ModelCard.load(folder / "README.md")
    metadata = card.data.to_dict()
    absent = [key for key in REQUIRED_METADATA if not metadata.get(key)]
    if absent:
        raise PublishError(f"the model card's metadata lacks {absent}")
    stated = {r.metric_type: r.metric_value for r in card.data.eval_results or []}
    measured = json.loads((folder / "evaluation.json").read_text())["public_test_accuracy"]
    if abs(float(stated.get("accuracy", -1)) - measured) > ACCURACY_TOLERANCE:
        raise PublishError(
            f"the card states accuracy {stated.get('accuracy')}, evaluation.json measured "
            f"{measured}; update the card"
        )
    return [Upload(name, (folder / name).stat().st_size) for name in PUBLISHED]


def publish(repo_id: str, folder: Path = MODELS_DIR, endpoint: str | None = None) -> str:
    """Create the repo if needed and upload the checked files; returns the commit URL."""
    uploads = check(folder)
    api = HfApi(endpoint=endpoint, token=os.environ.get("HF_TOKEN"))
    api.create_repo(repo_id, repo_type="model", exist_ok=True)
    commit = api.upload_folder(
        repo_id=repo_id,
        folder_path=folder,
        allow_patterns=[u.path for u in uploads],
        commit_message="Publish the Face to Music emotion model",
    )
    return commit.commit_url


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", required=True, help="owner/name of the Hub model repo")
    parser.add_argument("--folder", type=Path, default=MODELS_DIR)
    parser.add_argument("--dry-run", action="store_true", help="check and list, send nothing")
    args = parser.parse_args(argv)
    uploads = check(args.folder)
    for upload in uploads:
        print(f"{upload.path:24s} {upload.bytes:>10,} bytes")
    if args.dry_run:
        print(f"dry run: these {len(uploads)} files would go to {args.repo}")
        return
    print(publish(args.repo, args.folder))


if __name__ == "__main__":
    main()
