"""What goes to the Space, and the checks it must pass before anything is sent.

The Space runs `app.py` and needs only the files named in `RUNTIME_FILES` and the folders in
`RUNTIME_FOLDERS`: no tests, training code, benchmarks, training runs, artifacts or caches, and
not `deploy/` itself. `select()` lists them; `problems()` says everything that is wrong with the
list at once; `check()` raises with those messages. Nothing here touches the network.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml
from huggingface_hub import metadata_load

from pipeline.hub import sha256_of

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"  # data lent to this project, never redistributed

RUNTIME_FILES = ("app.py", "requirements.txt", "README.md", "LICENSE", ".gitattributes")
RUNTIME_FOLDERS = ("pipeline", "catalog", "models", "examples")
README = "README.md"
REQUIREMENTS = "requirements.txt"
GITATTRIBUTES = ".gitattributes"
SKIPPED_DIRS = ("__pycache__",)  # and every hidden name: caches and editor files, never code
SKIPPED_SUFFIXES = (".pyc", ".pyo")

REQUIRED_SDK = "gradio"
MAX_FILE_BYTES = 10 * 2**20  # the Hub's limit for a file outside large-file storage; the
# emotion model's own budget is the same, so a bigger file here is a mistake, not a need
GRADIO_PIN = re.compile(r"^gradio(?:\[[^\]]*\])?==([^\s;#]+)", re.MULTILINE)

SECRET_VARIABLES = ("HF_TOKEN", "SPOTIPY_CLIENT_ID", "SPOTIPY_CLIENT_SECRET")
MIN_SECRET_CHARS = 8  # a shorter value turns up in ordinary files by chance; real ones are 30+
TOKEN_SHAPE = re.compile(rb"hf_[A-Za-z0-9]{30,}")  # a Hugging Face access token
BINARY_SNIFF_BYTES = 8000  # git calls a file binary when a NUL byte is among its first 8000


class DeployError(ValueError):
    """The app is not fit to send; the message says what to fix."""


@dataclass(frozen=True)
class BundleFile:
    """One file for the Space."""

    path: str  # inside the Space repo, "/"-separated
    source: Path  # on this machine
    bytes: int


@dataclass(frozen=True)
class Bundle:
    """The files the Space needs, and what kept the selection from being complete or safe."""

    root: Path
    files: tuple[BundleFile, ...]
    missing: tuple[str, ...] = ()  # required paths that are absent
    outside_links: tuple[str, ...] = ()  # symlinks leading out of the repo; never sent

    @property
    def paths(self) -> list[str]:
        return [file.path for file in self.files]

    @property
    def total_bytes(self) -> int:
        return sum(file.bytes for file in self.files)

    def get(self, path: str) -> BundleFile | None:
        return next((file for file in self.files if file.path == path), None)


@dataclass(frozen=True)
class FrontMatter:
    """What the Hub reads from the README's YAML front matter to build and run the Space."""

    sdk: str
    sdk_version: str
    app_file: str


def select(root: Path = ROOT) -> Bundle:
    """The runtime files under `root`, in a stable order (folders walked, caches skipped)."""
    files: list[BundleFile] = []
    missing: list[str] = []
    outside: list[str] = []
    for name in (*RUNTIME_FILES, *RUNTIME_FOLDERS):
        path = root / name
        if path.is_symlink() and not _inside(path, root):
            outside.append(name)
        elif path.is_file():
            files.append(_bundle_file(path, root))
        elif path.is_dir() and name in RUNTIME_FOLDERS:
            for found, leads_out in _walk(path, root, seen=set()):
                if leads_out:
                    outside.append(_relative(found, root))
                else:
                    files.append(_bundle_file(found, root))
        else:
            missing.append(name)
    return Bundle(root, tuple(files), tuple(missing), tuple(outside))


def problems(
    bundle: Bundle, environ: Mapping[str, str] | None = None, shared: Path | None = SHARED_DATA
) -> list[str]:
    """Everything that keeps `bundle` from going to a Space, one message each (empty: fit).

    `environ` holds the secrets to look for (`SECRET_VARIABLES`); `shared` is the folder of data
    lent to the project, whose files must not be redistributed (skipped when absent)."""
    env = os.environ if environ is None else environ
    found = [f"{name} is missing: the Space needs it" for name in bundle.missing]
    found += [
        f"{path} is a symlink leading outside the repo; copy what the app needs into the repo"
        for path in bundle.outside_links
    ]
    found += _front_matter_problems(bundle)
    found += [
        f"{file.path} is {file.bytes / 2**20:.1f} MB; files must stay under "
        f"{MAX_FILE_BYTES // 2**20} MB"
        for file in bundle.files
        if file.bytes >= MAX_FILE_BYTES
    ]
    found += _copies_of_shared(bundle, shared)
    found += _secrets_in_files(bundle, env)
    found += _binaries_outside_lfs(bundle)
    return found


def check(
    bundle: Bundle, environ: Mapping[str, str] | None = None, shared: Path | None = SHARED_DATA
) -> FrontMatter:
    """`problems()` as an error listing them all; returns the front matter of a fit bundle."""
    found = problems(bundle, environ, shared)
    if found:
        raise DeployError("\n".join(f"- {problem}" for problem in found))
    return front_matter(bundle)


def front_matter(bundle: Bundle) -> FrontMatter:
    """The Space settings in the README's front matter (check the bundle first)."""
    metadata = _metadata(bundle.root / README) or {}
    return FrontMatter(
        sdk=str(metadata.get("sdk", "")),
        sdk_version=str(metadata.get("sdk_version", "")),
        app_file=str(metadata.get("app_file", "app.py")),
    )


def gradio_pin(requirements: Path) -> str | None:
    """The gradio version `requirements.txt` pins with `==`, if it does."""
    if not requirements.is_file():
        return None
    match = GRADIO_PIN.search(requirements.read_text(encoding="utf-8"))
    return match.group(1) if match else None


def lfs_patterns(gitattributes: Path) -> list[str]:
    """The patterns `.gitattributes` sends through large-file storage (`filter=lfs`)."""
    if not gitattributes.is_file():
        return []
    patterns = []
    for line in gitattributes.read_text(encoding="utf-8").splitlines():
        fields = line.split()
        if fields and not fields[0].startswith("#") and "filter=lfs" in fields[1:]:
            patterns.append(fields[0])
    return patterns


def is_binary(path: Path) -> bool:
    with open(path, "rb") as stream:
        return b"\0" in stream.read(BINARY_SNIFF_BYTES)


def _walk(folder: Path, root: Path, seen: set[Path]) -> Iterator[tuple[Path, bool]]:
    """Files under `folder` as (path, leads_out_of_root); a symlinked folder inside the repo is
    followed once, so a link to an ancestor cannot loop."""
    real = folder.resolve()
    if real in seen:
        return
    seen.add(real)
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or entry.name in SKIPPED_DIRS:
            continue
        if entry.is_symlink() and not _inside(entry, root):
            yield entry, True
        elif entry.is_dir():
            yield from _walk(entry, root, seen)
        elif entry.is_file() and entry.suffix not in SKIPPED_SUFFIXES:
            yield entry, False


def _inside(path: Path, root: Path) -> bool:
    return path.resolve().is_relative_to(root.resolve())


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _bundle_file(path: Path, root: Path) -> BundleFile:
    return BundleFile(_relative(path, root), path, path.stat().st_size)


def _metadata(readme: Path) -> dict | None:
    if not readme.is_file():
        return None
    try:
        return metadata_load(readme)
    except (yaml.YAMLError, ValueError):
        return None


def _front_matter_problems(bundle: Bundle) -> list[str]:
    if bundle.get(README) is None:
        return []  # reported as missing
    metadata = _metadata(bundle.root / README)
    if not metadata:
        return [
            f"{README} has no YAML front matter (a block between '---' lines at the top); the "
            "Hub reads the Space's sdk, sdk_version and app_file from it"
        ]
    found = []
    sdk = str(metadata.get("sdk", ""))
    if sdk != REQUIRED_SDK:
        found.append(f"{README} front matter says sdk: {sdk or '(none)'}; the app needs gradio")
    version = str(metadata.get("sdk_version", ""))
    pinned = gradio_pin(bundle.root / REQUIREMENTS)
    if pinned is None:
        found.append(f"{REQUIREMENTS} pins no gradio version (gradio==...)")
    elif version != pinned:
        found.append(
            f"{README} front matter says sdk_version: {version or '(none)'}, but {REQUIREMENTS} "
            f"pins gradio=={pinned}; make them the same"
        )
    app_file = str(metadata.get("app_file", "app.py"))
    if bundle.get(app_file) is None:
        found.append(f"{README} front matter names app_file: {app_file}, which is not sent")
    return found


def _copies_of_shared(bundle: Bundle, shared: Path | None) -> list[str]:
    """Files whose bytes equal a file under `shared`: only same-size files are hashed."""
    if shared is None or not shared.is_dir():
        return []
    by_size: dict[int, list[Path]] = {}
    for path in sorted(shared.rglob("*")):
        if path.is_file():
            by_size.setdefault(path.stat().st_size, []).append(path)
    found = []
    for file in bundle.files:
        candidates = by_size.get(file.bytes, [])
        if not candidates:
            continue
        digest = sha256_of(file.source)
        for candidate in candidates:
            if sha256_of(candidate) == digest:
                found.append(
                    f"{file.path} is a copy of {candidate} (shared data, not ours to publish)"
                )
                break
    return found


def _secrets_in_files(bundle: Bundle, environ: Mapping[str, str]) -> list[str]:
    """Files holding a secret's value or a token-shaped string; the messages never quote one."""
    secrets = {
        name: value.encode()
        for name in SECRET_VARIABLES
        if len(value := environ.get(name, "").strip()) >= MIN_SECRET_CHARS
    }
    found = []
    for file in bundle.files:
        content = file.source.read_bytes()
        found += [
            f"{file.path} holds the value of {name}; remove it (secrets belong in Space secrets)"
            for name, value in secrets.items()
            if value in content
        ]
        if TOKEN_SHAPE.search(content):
            found.append(
                f"{file.path} holds a Hugging Face token (hf_...); remove it and revoke it"
            )
    return found


def _binaries_outside_lfs(bundle: Bundle) -> list[str]:
    """Binary files that `.gitattributes` does not send through large-file storage."""
    patterns = lfs_patterns(bundle.root / GITATTRIBUTES)
    return [
        f"{file.path} is binary but {GITATTRIBUTES} does not store it through LFS; add a "
        f"'*{Path(file.path).suffix} filter=lfs diff=lfs merge=lfs -text' line"
        for file in bundle.files
        if is_binary(file.source) and not _matches_any(file.path, patterns)
    ]


def _matches_any(path: str, patterns: list[str]) -> bool:
    """gitattributes matching, simplified: a pattern without "/" matches the file's name."""
    name = path.rsplit("/", 1)[-1]
    return any(
        fnmatch.fnmatchcase(path if "/" in pattern else name, pattern) for pattern in patterns
    )
