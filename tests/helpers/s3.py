"""A local S3 server for the tests: moto in server mode on 127.0.0.1, behind a SigV4 gate.

moto stores buckets and objects and answers S3's API, but accepts any credentials, and
its IAM mode reads the `Authorization` header only: a presigned URL, which is what
rattler's S3 middleware sends, makes it fail with HTTP 500 (KeyError
'HTTP_AUTHORIZATION' inside moto 5.2). So the tests reach moto through `SigV4Gate`, a
real HTTP server on 127.0.0.1 that checks a presigned GET/HEAD the way S3 does (the
access key id is known, the session token is the one issued with it, the signature is
the secret key's: AWS Signature Version 4, query form) and answers S3's 403 error
document otherwise; a request that passes goes to moto unchanged. Buckets are filled
with boto3 directly against moto.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

# Request headers passed on to moto (conditional and range requests).
_FORWARDED = ("Range", "If-None-Match", "If-Modified-Since", "Accept-Encoding")
# Response headers passed back.
_RETURNED = ("Content-Type", "Content-Length", "ETag", "Last-Modified", "Content-Range",
             "Accept-Ranges", "Content-Encoding")  # fmt: skip


@dataclass(frozen=True)
class Key:
    """One credential the gate accepts."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None


@dataclass
class S3Server:
    """A running gate + moto pair. `endpoint`: the gate's URL (what AWS_ENDPOINT_URL
    names); `moto`: moto's own URL; `seen`: (method, path, access key id or '') of every
    request the gate answered, `failing`: path → statuses to answer before passing."""

    endpoint: str
    moto: str
    region: str
    keys: dict[str, Key]
    seen: list[tuple[str, str, str]] = field(default_factory=list)
    failing: dict[str, list[int]] = field(default_factory=dict)

    def client(self) -> Any:
        """A boto3 S3 client talking to moto directly (uploads, bucket set-up)."""
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.moto,
            region_name=self.region,
            aws_access_key_id="moto-admin",
            aws_secret_access_key="moto-admin",
        )

    def upload_folder(self, folder: Path, bucket: str, prefix: str) -> int:
        """Every file under `folder` to `s3://bucket/prefix/<relative path>`; the count."""
        s3 = self.client()
        count = 0
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                key = f"{prefix.strip('/')}/{path.relative_to(folder).as_posix()}"
                s3.upload_file(str(path), bucket, key)
                count += 1
        return count


def signature_problem(method: str, raw: str, headers: Any, keys: dict[str, Key]) -> str | None:
    """The S3 error code for a presigned request S3 would refuse, None for a good one.

    `raw` is the request target as sent (path and query, percent-encoded).
    """
    parts = urlsplit(raw)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    params = dict(pairs)
    if "X-Amz-Signature" not in params:
        return "AccessDenied"  # anonymous: the buckets here are private
    akid, date, region, service, term = params["X-Amz-Credential"].split("/")
    key = keys.get(akid)
    if key is None:
        return "InvalidAccessKeyId"
    if params.get("X-Amz-Security-Token") != key.session_token:
        return "InvalidToken"
    signed = params["X-Amz-SignedHeaders"].split(";")

    def q(text: str) -> str:
        return quote(text, safe="-_.~")

    query = "&".join(
        f"{k}={v}" for k, v in sorted((q(k), q(v)) for k, v in pairs if k != "X-Amz-Signature")
    )
    canonical_headers = "".join(f"{h}:{(headers.get(h) or '').strip()}\n" for h in signed)
    canonical = "\n".join(
        [method, parts.path, query, canonical_headers, ";".join(signed), "UNSIGNED-PAYLOAD"]
    )
    scope = f"{date}/{region}/{service}/{term}"
    to_sign = "\n".join(
        [
            "AWS4-HMAC-SHA256",
            params["X-Amz-Date"],
            scope,
            hashlib.sha256(canonical.encode()).hexdigest(),
        ]
    )
    signing = ("AWS4" + key.secret_access_key).encode()
    for part in (date, region, service, term):
        signing = hmac.new(signing, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(signing, to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, params["X-Amz-Signature"]):
        return "SignatureDoesNotMatch"
    return None


def _gate_handler(server: S3Server) -> type[BaseHTTPRequestHandler]:
    moto = urlsplit(server.moto)
    lock = threading.Lock()

    class Gate(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self._answer()

        def do_HEAD(self) -> None:
            self._answer()

        def _answer(self) -> None:
            path = urlsplit(self.path).path
            credential = dict(parse_qsl(urlsplit(self.path).query)).get("X-Amz-Credential", "")
            with lock:
                server.seen.append((self.command, path, credential.split("/")[0]))
                statuses = server.failing.get(path)
                status = statuses.pop(0) if statuses else None
            problem = signature_problem(self.command, self.path, self.headers, server.keys)
            if problem is not None:
                self._error(403, problem)
                return
            if status is not None:
                self._error(status, "InternalError")
                return
            connection = http.client.HTTPConnection(moto.hostname or "", moto.port, timeout=30)
            try:
                forwarded = {h: v for h in _FORWARDED if (v := self.headers.get(h))}
                connection.request(self.command, self.path, headers=forwarded)
                response = connection.getresponse()
                body = response.read()
                self.send_response(response.status)
                for name in _RETURNED:
                    if (value := response.getheader(name)) and name != "Content-Length":
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)
            finally:
                connection.close()

        def _error(self, status: int, code: str) -> None:
            body = (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                f"<Error><Code>{code}</Code><Message>refused by the test gate</Message></Error>"
            ).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

    return Gate


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-answer (rattler cancelling a request it no longer
        # needs) is not a failure; anything else shows on the client's side.
        pass


@contextlib.contextmanager
def s3_server(keys: list[Key], region: str = "us-east-1") -> Iterator[S3Server]:
    """moto (ThreadedMotoServer) and a `SigV4Gate` before it, both on 127.0.0.1 at free
    ports, for the duration of the block."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's access log
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    try:
        host, port = moto.get_host_and_port()
        server = S3Server(
            endpoint="", moto=f"http://{host}:{port}", region=region,
            keys={k.access_key_id: k for k in keys},
        )  # fmt: skip
        gate = _QuietServer(("127.0.0.1", 0), _gate_handler(server))
        thread = threading.Thread(target=gate.serve_forever, name="s3-gate", daemon=True)
        thread.start()
        server.endpoint = f"http://127.0.0.1:{gate.server_address[1]}"
        try:
            yield server
        finally:
            gate.shutdown()
            gate.server_close()
            thread.join(timeout=5)
    finally:
        moto.stop()


__all__ = ["Key", "S3Server", "s3_server", "signature_problem"]
