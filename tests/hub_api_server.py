"""A loopback stand-in for the Hugging Face Hub's repo API, enough for `HfApi` to deploy a Space.

It speaks: repo creation (`POST /api/repos/create`, 409 when the repo exists), README metadata
validation, preupload (uploadMode "lfs" for binary or large files, "regular" for text), the LFS
batch endpoint with the basic transfer (a PUT to an href on this server, then a verify), the
NDJSON commit endpoint, the file tree, a model's info with its commit, and a Space's variables
and secrets. Every request needs `Authorization: Bearer <token>`. It records what arrived, so
tests can check what a client sent and how. Xet storage is not spoken: tests turn the client's
Xet path off, which leaves the LFS path huggingface_hub takes without `hf_xet`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import unquote, urlsplit

from tests.hub_server import LoopbackServer

LFS_THRESHOLD_BYTES = 10 * 2**20  # the Hub stores bigger files through LFS whatever they hold
REPO = r"(?P<repo>[^/]+/[^/]+)"
KINDS = r"(?P<kind>models|spaces|datasets)"


@dataclass
class Repo:
    """One repo's state on the stand-in."""

    kind: str  # "model", "space" or "dataset"
    files: dict[str, bytes] = field(default_factory=dict)
    commit: str = "0" * 40
    sdk: str | None = None
    lfs_paths: set[str] = field(default_factory=set)  # committed as LFS pointers
    inline_paths: set[str] = field(default_factory=set)  # committed with their content inline
    commits: list[list[dict]] = field(default_factory=list)  # each commit's NDJSON items
    variables: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)

    def new_commit(self, salt: bytes) -> str:
        self.commit = hashlib.sha1(self.commit.encode() + salt).hexdigest()
        return self.commit


class HubApiServer(LoopbackServer):
    """`repos[(kind, repo_id)]` is the Hub's state; `kind` is "model", "space" or "dataset"."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.repos: dict[tuple[str, str], Repo] = {}
        self.lfs_objects: dict[str, bytes] = {}  # sha256 -> content, as PUT to the LFS store
        self.requests: list[str] = []  # "METHOD /path", in arrival order
        # The LFS store is reached by signed URLs, as S3 is, not by the user's token.
        self.upload_signature = secrets.token_hex(8)
        self._lock = threading.Lock()
        self._listen(self._handler())

    def add_repo(self, kind: str, repo_id: str, files: dict[str, bytes] | None = None) -> Repo:
        """A repo that exists before the test, with one commit holding `files`."""
        repo = Repo(kind, dict(files or {}))
        repo.new_commit(repo_id.encode())
        self.repos[(kind, repo_id)] = repo
        return repo

    def _signature(self) -> str:
        return f"signature={self.upload_signature}"

    def _handler(self):
        hub = self
        routes = [
            ("POST", r"/api/repos/create", "create_repo"),
            ("POST", r"/api/validate-yaml", "validate_yaml"),
            ("POST", rf"/api/{KINDS}/{REPO}/preupload/(?P<rev>[^/]+)", "preupload"),
            ("POST", rf"/api/{KINDS}/{REPO}/commit/(?P<rev>[^/]+)", "commit"),
            ("GET", rf"/api/{KINDS}/{REPO}/tree/(?P<rev>[^/]+)", "tree"),
            ("GET", rf"/api/models/{REPO}(?:/revision/(?P<rev>[^/]+))?", "model_info"),
            ("POST", rf"/api/spaces/{REPO}/variables", "set_variable"),
            ("POST", rf"/api/spaces/{REPO}/secrets", "set_secret"),
            (
                "POST",
                rf"/(?:(?P<kind>spaces|datasets)/)?{REPO}\.git/info/lfs/objects/batch",
                "batch",
            ),
            ("PUT", r"/lfs-store/(?P<oid>[0-9a-f]{64})", "lfs_put"),
            ("POST", r"/lfs-verify", "lfs_verify"),
        ]

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                self._route()

            def do_POST(self) -> None:
                self._route()

            def do_PUT(self) -> None:
                self._route()

            def _route(self) -> None:
                url = urlsplit(self.path)
                path = unquote(url.path)
                hub.requests.append(f"{self.command} {path}")
                body = self._body()
                signed = path.startswith("/lfs-store/") and url.query == hub._signature()
                if not signed and self.headers.get("Authorization") != f"Bearer {hub.token}":
                    return self._json(401, {"error": "Invalid credentials in Authorization header"})
                for method, pattern, name in routes:
                    match = re.fullmatch(pattern, path)
                    if method == self.command and match:
                        with hub._lock:
                            return getattr(self, name)(body, **match.groupdict())
                return self._json(404, {"error": f"no route for {self.command} {path}"})

            def _body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    chunks = []
                    while size := int(self.rfile.readline().split(b";")[0], 16):
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                    self.rfile.readline()
                    return b"".join(chunks)
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _json(self, status: int, payload, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def _repo(self, kind: str, repo_id: str) -> Repo | None:
                return hub.repos.get((kind.removesuffix("s"), repo_id))

            def _not_found(self) -> None:
                self._json(404, {"error": "Repository not found"}, {"X-Error-Code": "RepoNotFound"})

            def create_repo(self, body: bytes) -> None:
                payload = json.loads(body)
                kind = payload.get("type") or "model"
                repo_id = f"{payload['organization']}/{payload['name']}"
                prefix = "" if kind == "model" else f"{kind}s/"
                url = f"{hub.endpoint}/{prefix}{repo_id}"
                if (kind, repo_id) in hub.repos:
                    return self._json(409, {"error": "You already created this repo", "url": url})
                if kind == "space" and not payload.get("sdk"):
                    return self._json(400, {"error": "a Space needs an sdk"})
                # The Hub starts a Space with a commit of its own template files.
                repo = hub.add_repo(kind, repo_id, {".gitattributes": b"*.bin filter=lfs\n"})
                repo.sdk = payload.get("sdk")
                self._json(200, {"url": url, "name": repo_id})

            def validate_yaml(self, body: bytes) -> None:
                self._json(200, {"errors": [], "warnings": []})

            def preupload(self, body: bytes, kind: str, repo: str, rev: str) -> None:
                if self._repo(kind, repo) is None:
                    return self._not_found()
                files = []
                for item in json.loads(body)["files"]:
                    sample = base64.b64decode(item["sample"])
                    large = item["size"] > LFS_THRESHOLD_BYTES
                    mode = "lfs" if large or b"\0" in sample else "regular"
                    files.append({"path": item["path"], "uploadMode": mode, "shouldIgnore": False})
                self._json(200, {"files": files})

            def batch(self, body: bytes, repo: str, kind: str | None = None) -> None:
                if self._repo(kind or "models", repo) is None:
                    return self._not_found()
                objects = []
                for item in json.loads(body)["objects"]:
                    answer = {"oid": item["oid"], "size": item["size"], "authenticated": True}
                    if item["oid"] not in hub.lfs_objects:
                        answer["actions"] = {
                            "upload": {
                                "href": f"{hub.endpoint}/lfs-store/{item['oid']}?"
                                + hub._signature()
                            },
                            "verify": {"href": f"{hub.endpoint}/lfs-verify"},
                        }
                    objects.append(answer)
                self._json(200, {"transfer": "basic", "objects": objects})

            def lfs_put(self, body: bytes, oid: str) -> None:
                if hashlib.sha256(body).hexdigest() != oid:
                    return self._json(400, {"error": "content does not match its oid"})
                hub.lfs_objects[oid] = body
                self._json(200, {})

            def lfs_verify(self, body: bytes) -> None:
                item = json.loads(body)
                stored = hub.lfs_objects.get(item["oid"])
                if stored is None or len(stored) != item["size"]:
                    return self._json(404, {"error": "object not uploaded"})
                self._json(200, {})

            def commit(self, body: bytes, kind: str, repo: str, rev: str) -> None:
                state = self._repo(kind, repo)
                if state is None:
                    return self._not_found()
                items = [json.loads(line) for line in body.splitlines() if line.strip()]
                if not items or items[0]["key"] != "header":
                    return self._json(400, {"error": "the first line must be the header"})
                files, lfs, inline = (
                    dict(state.files),
                    set(state.lfs_paths),
                    set(state.inline_paths),
                )
                for item in items[1:]:
                    value = item["value"]
                    path = value["path"]
                    if item["key"] == "file":
                        files[path] = base64.b64decode(value["content"])
                        inline.add(path)
                        lfs.discard(path)
                    elif item["key"] == "lfsFile":
                        content = hub.lfs_objects.get(value["oid"])
                        if content is None:
                            return self._json(422, {"error": f"{path}: LFS object not uploaded"})
                        files[path] = content
                        lfs.add(path)
                        inline.discard(path)
                    elif item["key"] == "deletedFile":
                        if files.pop(path, None) is None:
                            return self._json(404, {"error": f"{path}: no such file"})
                        lfs.discard(path)
                        inline.discard(path)
                    else:
                        return self._json(400, {"error": f"unknown commit item {item['key']}"})
                state.files, state.lfs_paths, state.inline_paths = files, lfs, inline
                state.commits.append(items)
                oid = state.new_commit(body)
                prefix = "" if kind == "models" else f"{kind}/"
                url = f"{hub.endpoint}/{prefix}{repo}/commit/{oid}"
                self._json(200, {"commitOid": oid, "commitUrl": url, "pullRequestUrl": None})

            def tree(self, body: bytes, kind: str, repo: str, rev: str) -> None:
                state = self._repo(kind, repo)
                if state is None:
                    return self._not_found()
                self._json(
                    200,
                    [
                        {"type": "file", "path": path, "size": len(content), "oid": "0" * 40}
                        for path, content in sorted(state.files.items())
                    ],
                )

            def model_info(self, body: bytes, repo: str, rev: str | None = None) -> None:
                state = self._repo("models", repo)
                if state is None:
                    return self._not_found()
                if rev not in (None, "main", state.commit):
                    return self._json(
                        404, {"error": "Invalid rev id"}, {"X-Error-Code": "RevisionNotFound"}
                    )
                siblings = [{"rfilename": path} for path in sorted(state.files)]
                self._json(200, {"id": repo, "sha": state.commit, "siblings": siblings})

            def set_variable(self, body: bytes, repo: str) -> None:
                state = self._repo("spaces", repo)
                if state is None:
                    return self._not_found()
                payload = json.loads(body)
                state.variables[payload["key"]] = payload["value"]
                self._json(200, {key: {"value": v} for key, v in state.variables.items()})

            def set_secret(self, body: bytes, repo: str) -> None:
                state = self._repo("spaces", repo)
                if state is None:
                    return self._not_found()
                payload = json.loads(body)
                state.secrets[payload["key"]] = payload["value"]
                self._json(200, {})

        return Handler
