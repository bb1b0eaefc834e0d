"""Put the app on a Hugging Face Space in one command, with no git history involved.

    python -m deploy.space --space owner/face-to-music --model-repo owner/emotion --dry-run
    HF_TOKEN=... python -m deploy.space --space owner/face-to-music --model-repo owner/emotion

First the runtime files are selected and checked (`deploy.bundle`); `--dry-run` stops there and
lists what would be sent, sending nothing. Then, with a write token in HF_TOKEN:

1. the model repo's commit is resolved (`--model-revision`, else its current one), and the repo
   must hold the emotion model file;
2. the Space is created if it does not exist, with the sdk of the README's front matter;
3. its variables EMOTION_MODEL_REPO and EMOTION_MODEL_REVISION name that repo and commit, so the
   hosted app pulls its model from the Hub (and, with `--with-secrets`, SPOTIPY_CLIENT_ID and
   SPOTIPY_CLIENT_SECRET from your environment become Space secrets);
4. the files go up in one commit through the Hub's HTTP API: huggingface_hub sends the binaries
   through the Hub's large-file storage (Xet, or LFS), and files the Space holds but the app no
   longer has are deleted in the same commit.

No secret's value is ever printed.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi
from huggingface_hub.errors import HfHubHTTPError, HTTPError

from deploy.bundle import ROOT, SHARED_DATA, Bundle, DeployError, FrontMatter, check, select
from pipeline import hub

TOKEN_VARIABLE = "HF_TOKEN"
TOKEN_PAGE = "https://huggingface.co/settings/tokens"
SPOTIFY_SECRETS = ("SPOTIPY_CLIENT_ID", "SPOTIPY_CLIENT_SECRET")  # spotipy's own names
REPO_ID = re.compile(r"^[\w.-]+/[\w.-]+$")  # owner/name: without an owner the Hub would guess
COMMIT_HASH = re.compile(r"^[0-9a-f]{40}$")
REFUSED_TOKEN_STATUSES = (401, 403)  # a missing, wrong or read-only token
PAYMENT_REQUIRED = 402  # the Hub runs a Gradio Space on free hardware for subscribers only
COMMIT_TITLE = "Deploy Face to Music"
SPACE_VARIABLE_DESCRIPTIONS = {
    hub.EMOTION_MODEL_REPO_VARIABLE: "Hub repo of the emotion model (set by deploy.space)",
    hub.EMOTION_MODEL_REVISION_VARIABLE: "its commit, pinned (set by deploy.space)",
}


@dataclass(frozen=True)
class Secret:
    """A Space secret; its value stays out of every repr and message."""

    key: str
    value: str = field(repr=False)


@dataclass(frozen=True)
class ModelPin:
    """The emotion model repo the Space loads, and the revision asked for (None: current)."""

    repo_id: str
    revision: str | None = None


@dataclass(frozen=True)
class Plan:
    """Everything one deploy sends, checked before any of it is."""

    space: str
    bundle: Bundle
    front: FrontMatter
    model: ModelPin | None = None
    secrets: tuple[Secret, ...] = ()


@dataclass(frozen=True)
class Deployed:
    space_url: str
    commit_url: str
    variables: tuple[tuple[str, str], ...]  # (name, value), as set on the Space
    secrets: tuple[str, ...]  # names only
    deleted: tuple[str, ...]  # files removed from the Space


def plan(
    space: str,
    model: ModelPin | None = None,
    with_secrets: bool = False,
    environ: Mapping[str, str] | None = None,
    root: Path = ROOT,
    shared: Path | None = SHARED_DATA,
) -> Plan:
    """Select and check the files, and gather the settings; raises `DeployError` on any problem."""
    env = os.environ if environ is None else environ
    named = [("--space", space)] + ([("--model-repo", model.repo_id)] if model else [])
    for option, repo_id in named:
        if not REPO_ID.match(repo_id):
            raise DeployError(f"{option} {repo_id!r} is not of the form owner/name")
    bundle = select(root)
    front = check(bundle, env, shared)
    secrets = secrets_from(env) if with_secrets else ()
    return Plan(space, bundle, front, model, secrets)


def secrets_from(environ: Mapping[str, str]) -> tuple[Secret, ...]:
    """The Spotify credentials in the caller's environment; both or neither make sense."""
    missing = [name for name in SPOTIFY_SECRETS if not environ.get(name, "").strip()]
    if missing:
        raise DeployError(
            f"--with-secrets: {' and '.join(missing)} not set in your environment "
            "(the app needs both to use Spotify)"
        )
    return tuple(Secret(name, environ[name].strip()) for name in SPOTIFY_SECRETS)


def token_from(environ: Mapping[str, str]) -> str:
    token = environ.get(TOKEN_VARIABLE, "").strip()
    if not token:
        raise DeployError(
            f"{TOKEN_VARIABLE} is not set: create a token with the Write role at {TOKEN_PAGE} "
            f"and export it as {TOKEN_VARIABLE}"
        )
    return token


def describe(the_plan: Plan) -> list[str]:
    """What the deploy would send, in lines for the terminal; secrets by name only."""
    front = the_plan.front
    lines = [
        f"Space {the_plan.space}: sdk {front.sdk} {front.sdk_version}, app_file {front.app_file}"
    ]
    width = max(len(path) for path in the_plan.bundle.paths)
    lines += [f"  {file.path:{width}s} {file.bytes:>10,} bytes" for file in the_plan.bundle.files]
    lines.append(
        f"{len(the_plan.bundle.files)} files, {the_plan.bundle.total_bytes / 2**20:.1f} MB; "
        "checked: front matter and gradio pin, sizes, no ../shared copies, no secrets, "
        "binaries through LFS"
    )
    model = the_plan.model
    if model is None:
        lines.append(
            "variables: none set (no --model-repo): the Space keeps the EMOTION_MODEL_* "
            "variables it has, else loads the bundled model"
        )
    else:
        if model.revision and COMMIT_HASH.match(model.revision):
            pinned = model.revision
        elif model.revision:
            pinned = f"(the commit {model.revision} names, resolved on deploy)"
        else:
            pinned = f"(the current commit of {model.repo_id}, resolved on deploy)"
        lines.append(
            f"variables: {hub.EMOTION_MODEL_REPO_VARIABLE}={model.repo_id}, "
            f"{hub.EMOTION_MODEL_REVISION_VARIABLE}={pinned}"
        )
    if the_plan.secrets:
        names = ", ".join(secret.key for secret in the_plan.secrets)
        lines.append(f"secrets: {names} (from your environment; values never shown)")
    return lines


def pin_model(api: HfApi, model: ModelPin) -> str:
    """The commit hash of `model` on the Hub; its repo must hold the emotion model file."""
    info = api.model_info(model.repo_id, revision=model.revision)
    files = [sibling.rfilename for sibling in info.siblings or []]
    if info.siblings is not None and hub.EMOTION_MODEL_FILE not in files:
        raise DeployError(
            f"{model.repo_id} holds no {hub.EMOTION_MODEL_FILE}; publish it first "
            f"(python -m training.publish --repo {model.repo_id})"
        )
    if not info.sha or not COMMIT_HASH.match(info.sha):
        raise DeployError(f"the Hub named no commit for {model.repo_id}; try --model-revision")
    return info.sha


def deploy(the_plan: Plan, api: HfApi, say: Callable[[str], None] = print) -> Deployed:
    """Send a checked plan: pin the model, create the Space, set its settings, commit the files."""
    variables: dict[str, str] = {}
    if the_plan.model is not None:
        commit = pin_model(api, the_plan.model)
        variables = {
            hub.EMOTION_MODEL_REPO_VARIABLE: the_plan.model.repo_id,
            hub.EMOTION_MODEL_REVISION_VARIABLE: commit,
        }
        say(f"emotion model: {the_plan.model.repo_id}@{commit}")

    space_url = api.create_repo(
        the_plan.space, repo_type="space", space_sdk=the_plan.front.sdk, exist_ok=True
    )
    say(f"Space: {space_url}")
    # Settings before files: the build the commit starts then runs with them in place.
    for key, value in variables.items():
        description = SPACE_VARIABLE_DESCRIPTIONS[key]
        api.add_space_variable(the_plan.space, key, value, description=description)
        say(f"variable {key}={value}")
    for secret in the_plan.secrets:
        api.add_space_secret(the_plan.space, secret.key, secret.value)
        say(f"secret {secret.key} set (value not shown)")

    sent = set(the_plan.bundle.paths)
    stale = sorted(set(api.list_repo_files(the_plan.space, repo_type="space")) - sent)
    operations = [
        CommitOperationAdd(path_in_repo=file.path, path_or_fileobj=file.source)
        for file in the_plan.bundle.files
    ] + [CommitOperationDelete(path_in_repo=path) for path in stale]
    commit_info = api.create_commit(
        the_plan.space,
        operations,
        commit_message=f"{COMMIT_TITLE}: {len(sent)} files",
        commit_description=_commit_description(variables, stale),
        repo_type="space",
    )
    say(f"committed {len(sent)} files" + (f", deleted {', '.join(stale)}" if stale else ""))
    say(f"commit: {commit_info.commit_url}")
    return Deployed(
        space_url=str(space_url),
        commit_url=commit_info.commit_url,
        variables=tuple(variables.items()),
        secrets=tuple(secret.key for secret in the_plan.secrets),
        deleted=tuple(stale),
    )


def parser(environ: Mapping[str, str]) -> argparse.ArgumentParser:
    repo_variable = hub.EMOTION_MODEL_REPO_VARIABLE
    revision_variable = hub.EMOTION_MODEL_REVISION_VARIABLE
    parser = argparse.ArgumentParser(
        prog="python -m deploy.space", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--space", required=True, help="owner/name of the Space (made if needed)")
    parser.add_argument(
        "--model-repo",
        default=environ.get(repo_variable) or None,
        help=f"owner/name of the published emotion model repo (default: ${repo_variable})",
    )
    parser.add_argument(
        "--model-revision",
        default=environ.get(revision_variable) or None,
        help=f"a branch, tag or commit of it (default: ${revision_variable}, else its current "
        "commit); the Space is pinned to the commit it names",
    )
    parser.add_argument(
        "--with-secrets",
        action="store_true",
        help=f"set {' and '.join(SPOTIFY_SECRETS)} from your environment as Space secrets",
    )
    parser.add_argument("--dry-run", action="store_true", help="check and list; send nothing")
    return parser


def main(
    argv: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    root: Path = ROOT,
    shared: Path | None = SHARED_DATA,
) -> int:
    """The command; returns its exit status. `environ` (default: the process's) holds HF_TOKEN,
    HF_ENDPOINT and the secrets; `root` is the project folder, `shared` the lent data."""
    env = os.environ if environ is None else environ
    cli = parser(env)
    args = cli.parse_args(argv)
    if args.model_revision and not args.model_repo:
        cli.error("--model-revision needs --model-repo")
    model = ModelPin(args.model_repo, args.model_revision) if args.model_repo else None
    try:
        the_plan = plan(args.space, model, args.with_secrets, env, root, shared)
        print("\n".join(describe(the_plan)))
        if args.dry_run:
            print(f"dry run: checks passed; nothing was sent to {args.space}")
            return 0
        api = HfApi(endpoint=env.get("HF_ENDPOINT") or None, token=token_from(env))
        deployed = deploy(the_plan, api)
    except DeployError as error:
        print(f"not deployed:\n{error}", file=sys.stderr)
        return 1
    except HTTPError as error:
        print(f"not deployed: {_hub_failure(error, args.space)}", file=sys.stderr)
        return 1
    print(
        f"The Space builds now (a few minutes): {deployed.space_url}; its Logs tab shows the "
        "start-up, including the line that says where the emotion model came from"
    )
    return 0


def _commit_description(variables: Mapping[str, str], deleted: Sequence[str]) -> str:
    lines = [f"{key}={value}" for key, value in variables.items()]
    if deleted:
        lines.append(f"deleted, no longer part of the app: {', '.join(deleted)}")
    return "\n".join(lines)


def _hub_failure(error: HTTPError, space: str) -> str:
    """The Hub's refusal in words that say what to do; huggingface_hub's messages name the URL
    and the server's reason, never the request's headers or body."""
    response = getattr(error, "response", None) if isinstance(error, HfHubHTTPError) else None
    status = response.status_code if response is not None else None
    if status in REFUSED_TOKEN_STATUSES:
        owner = space.split("/")[0]
        return (
            f"the Hub refused the token (HTTP {status}): {TOKEN_VARIABLE} must be a token with the "
            f"Write role that may write to {owner}'s repos ({TOKEN_PAGE})\n{error}"
        )
    if status == PAYMENT_REQUIRED:
        return (
            f"the Hub asks for a subscription or billing (HTTP {status}): a Gradio Space needs "
            "PRO (Team or Enterprise for an organisation) on the free hardware, or billing for "
            f"paid hardware\n{error}"
        )
    if status is None:
        return f"the Hub could not be reached ({type(error).__name__}: {error})"
    return f"the Hub answered HTTP {status}:\n{error}"


if __name__ == "__main__":
    sys.exit(main())
