"""A loopback stand-in for the Hugging Face Hub's file endpoint (`/{repo}/resolve/{rev}/{file}`).

It answers HEAD and GET the way huggingface_hub expects: `X-Repo-Commit`, `ETag`,
`Content-Length`, and a 404 with `X-Error-Code: EntryNotFound` for a missing file.
"""

from __future__ import annotations

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COMMIT = "0123456789abcdef0123456789abcdef01234567"


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1, at a port the OS picks, run as a context manager."""

    def _listen(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()


class HubServer(LoopbackServer):
    """Serves `files[(repo_id, filename)] = bytes` at revision `COMMIT` (or any branch name);
    a dataset's repo_id is written "datasets/owner/name"."""

    def __init__(self, files: dict[tuple[str, str], bytes], commit: str = COMMIT) -> None:
        self.files = files
        self.commit = commit
        self.requests: list[str] = []
        self._listen(self._handler())

    def _handler(self):
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def do_HEAD(self) -> None:
                self._answer(send_body=False)

            def do_GET(self) -> None:
                self._answer(send_body=True)

            def _answer(self, send_body: bool) -> None:
                hub.requests.append(f"{self.command} {self.path}")
                parts = self.path.split("?")[0].strip("/").split("/")
                kind = ""
                if parts[0] == "datasets":  # dataset files live under /datasets/{repo}/...
                    kind, parts = "datasets/", parts[1:]
                if len(parts) < 5 or parts[2] != "resolve":
                    self.send_response(404)
                    self.send_header("X-Error-Code", "RepoNotFound")
                    self.end_headers()
                    return
                repo_id, revision = kind + "/".join(parts[:2]), parts[3]
                filename = "/".join(parts[4:])
                body = hub.files.get((repo_id, filename))
                if body is None or revision not in (hub.commit, "main"):
                    self.send_response(404)
                    self.send_header("X-Error-Code", "EntryNotFound")
                    self.send_header("X-Repo-Commit", hub.commit)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("X-Repo-Commit", hub.commit)
                self.send_header("ETag", f'"{hashlib.sha256(body).hexdigest()}"')
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Content-Type", "application/octet-stream")
                self.end_headers()
                if send_body:
                    self.wfile.write(body)

        return Handler


def closed_port_endpoint() -> str:
    """An address on loopback where nothing listens: connections are refused at once."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
