"""A programmable HTTP server on 127.0.0.1 for the faults a real web server will not make.

`serve_faults(folder)` serves `folder` like `serve_folder`, but each path can be given a
list of answers (`FaultServer.plan(path, "500", "500")`: one per request, then plain
200s), and every request is counted per path (`FaultServer.count`). Answers:
- "NNN": that HTTP status;
- "cut": the right Content-Length, half the body, then the connection closed;
- "long": a Content-Length larger than the body (the body whole, then closed);
- "short": a Content-Length smaller than the body (the body is cut by the client);
- "nolength": the body without a Content-Length, half of it, then closed;
- "garbage": as many random bytes as the file has, with its Content-Length;
- "reset": headers and half the body, then a TCP reset (SO_LINGER 0);
- "hang": the connection accepted, nothing ever answered (until the server stops);
- "drip": headers, then one byte every 0.2 s;
- "redirect:URL": 302 to URL; "loop": 302 to the same path.
"""

from __future__ import annotations

import contextlib
import functools
import os
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.helpers import QuietHandler


class FaultServer:
    """The answers planned per path and the requests counted per path."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.answers: dict[str, list[str]] = {}
        self.always: dict[str, str] = {}  # path suffix → the answer to every request
        self.counts: Counter[str] = Counter()
        self.stop = threading.Event()
        self.url = ""

    def plan(self, path: str, *answers: str) -> None:
        """Answer the next requests for `path` (e.g. "/c/noarch/x.conda") so, in order."""
        with self.lock:
            self.answers[path] = list(answers)

    def answer_all(self, suffix: str, answer: str) -> None:
        """Answer every request for a path ending with `suffix` so (unless planned)."""
        with self.lock:
            self.always[suffix] = answer

    def count(self, suffix: str = "") -> int:
        """Requests so far for paths ending with `suffix` (all paths when empty)."""
        with self.lock:
            return sum(n for path, n in self.counts.items() if path.endswith(suffix))

    def next(self, path: str) -> str:
        with self.lock:
            self.counts[path] += 1
            queue = self.answers.get(path)
            if queue:
                return queue.pop(0)
            return next((a for s, a in self.always.items() if path.endswith(s)), "200")


class _Handler(QuietHandler):
    faults: FaultServer

    def do_GET(self) -> None:  # noqa: N802 - http.server names its handler methods so
        path = self.path.split("?", 1)[0]
        answer = self.faults.next(path)
        file = Path(self.directory) / path.lstrip("/")
        if answer == "200" or (not file.is_file() and not answer[0].isdigit()):
            super().do_GET()
            return
        if answer.isdigit():
            self.send_error(int(answer), "planned")
            return
        if answer.startswith("redirect:") or answer == "loop":
            self.send_response(302)
            self.send_header("Location", answer[len("redirect:") :] if answer != "loop" else path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if answer == "hang":
            self.faults.stop.wait(60)
            self.close_connection = True
            return
        self._body(answer, file.read_bytes())

    def _body(self, answer: str, body: bytes) -> None:
        length = {"long": len(body) + 1000, "short": len(body) // 2, "nolength": None}
        announced = length.get(answer, len(body))
        self.send_response(200)
        if announced is not None:
            self.send_header("Content-Length", str(announced))
        self.end_headers()
        self.close_connection = True
        if answer == "garbage":
            self.wfile.write(os.urandom(len(body)))
        elif answer in ("long", "short"):
            self.wfile.write(body)
        elif answer == "drip":
            for byte in body:
                if self.faults.stop.wait(0.2):
                    return
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
        else:  # cut, nolength, reset: half the body
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            if answer == "reset":
                linger = struct.pack("ii", 1, 0)
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                self.connection.close()


@contextlib.contextmanager
def serve_faults(folder: Path) -> Iterator[FaultServer]:
    """Serve `folder` on 127.0.0.1 (a free port) with planned faults; yields the
    FaultServer (its `url` is `http://127.0.0.1:PORT`)."""
    faults = FaultServer()

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # a client hanging up on a planned fault is not a failure

    handler = type("Faults", (_Handler,), {"faults": faults})
    server = Server(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, name="faults", daemon=True)
    thread.start()
    faults.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield faults
    finally:
        faults.stop.set()
        time.sleep(0.05)
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def free_port() -> int:
    """A port nothing listens on (free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def temp_files(pkgs: Path) -> list[str]:
    """Every temporary file envlock may have left in a package cache (`.part`, half-made
    stamps), by path relative to `pkgs`."""
    if not pkgs.exists():
        return []
    return sorted(
        str(p.relative_to(pkgs))
        for p in pkgs.rglob(".*")
        if p.is_file() and (p.name.endswith(".part") or ".json." in p.name)
    )


__all__ = ["FaultServer", "free_port", "serve_faults", "temp_files"]
