"""Fetch one `s3://bucket/key` object through rattler's S3 middleware, chunk by chunk.

envlock downloads every archive itself so that it can hash and verify it (see
envlock.net.download); for `s3://` URLs the bytes come from here. rattler's
`S3Middleware` turns the URL into a presigned HTTPS request with the AWS SDK's own
configuration: credentials, region and endpoint from the usual AWS variables
(`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION` /
`AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_S3`, `AWS_PROFILE` and the
shared config files). The engine reads none of them and is handed no secret.

Failures come back as data (`S3Failure`: a kind, the HTTP status, rattler's text) and
are worded by the caller, envlock.net.s3. rattler's text quotes the presigned URL, whose
query holds the access key id and, with temporary credentials, the session token: the
caller must strip it (envlock.net.s3.unsign) before anyone reads it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from envlock.engine.runtime import run
from envlock.net.policy import HttpPolicy

if TYPE_CHECKING:
    from rattler.networking import Client

# "http": the server answered with an error status; "sign": the request could not be
# presigned (no credentials or region found); "network": no answer, a broken connection
# or body, a timeout.
S3FailureKind = Literal["http", "sign", "network"]
# (kind, HTTP status or None, rattler's text): plain data, the caller words it.
S3Failure = tuple[S3FailureKind, "int | None", str]
Write = Callable[[bytes], None]
Streamer = Callable[[str, Write], "S3Failure | None"]

# `HTTP status client error (403 FORBIDDEN) for url (...)`
_STATUS = re.compile(r"HTTP status (?:client|server) error \((\d{3})\b")
_SIGN = re.compile(r"failed to presign", re.IGNORECASE)


def s3_streamer(policy: HttpPolicy | None = None) -> Streamer:
    """A function that streams an `s3://` URL into `write` and returns None, or the
    `S3Failure` that stopped it. One rattler client serves every call (any thread).

    The client has no retry middleware: envlock.net.download retries under the HTTP
    policy, as for any archive; its timeout is the policy's whole-request limit.
    """
    from rattler.networking import Client, S3Middleware

    from envlock import __version__

    policy = policy or HttpPolicy()
    client = Client(
        [S3Middleware()], user_agent=f"envlock/{__version__}", timeout=policy.whole_request_s
    )

    def stream(url: str, write: Write) -> S3Failure | None:
        return _stream(client, url, write)

    return stream


class _Writer:
    """What rattler's `download_to_writer` writes to; keeps an exception of `write`
    (a full disk, Ctrl-C) to raise it again on this side, unchanged."""

    def __init__(self, write: Write) -> None:
        self._write = write
        self.error: BaseException | None = None

    def write(self, chunk: bytes) -> None:
        try:
            self._write(bytes(chunk))
        except BaseException as error:
            self.error = error
            raise


def _stream(client: Client, url: str, write: Write) -> S3Failure | None:
    from rattler.package_streaming import download_to_writer

    writer = _Writer(write)
    try:
        run(download_to_writer(client, url, writer))
    except Exception as error:
        if writer.error is not None:
            raise writer.error from None
        return failure_of(str(error))
    if writer.error is not None:
        raise writer.error
    return None


def failure_of(text: str) -> S3Failure:
    """Classify rattler's text for a failed S3 request (see `S3FailureKind`)."""
    text = text.strip()
    if match := _STATUS.search(text):
        return ("http", int(match.group(1)), text)
    if _SIGN.search(text):
        return ("sign", None, text)
    return ("network", None, text)


__all__ = ["S3Failure", "S3FailureKind", "Streamer", "Write", "failure_of", "s3_streamer"]
