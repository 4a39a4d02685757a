"""Opening one source for a download: a `file://` path or an http(s) response, bounded.

Why a module of its own: every way a source can hold a download forever or fill a disk
is closed here, before envlock.net.download's retry loop sees a byte.
- `file://` must name a regular file: it is stat()ed first and opened with O_NONBLOCK,
  so a FIFO cannot block the open and a device (`/dev/zero`) is refused, not copied.
- http(s) connects within the connect timeout (TLS handshake included); the answer and
  each later read wait at most the read timeout, never past the download's deadline
  (`Stream.read` shortens the socket's timeout as the deadline nears).
- Only http and https are followed, redirects included (urllib's default opener would
  also follow a redirect to ftp://); a redirect loop is a final error of its own.
- Every source is read up to a limit: the size the lock records, else MAX_ARCHIVE_BYTES
  (`Stream.limit`); the caller stops one byte past it.
Failures worth another try raise `TransientError` (a message already safe to show); others
raise WorldFailedError or BadInputError.
"""

from __future__ import annotations

import contextlib
import os
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Literal

from envlock.errors import BadInputError, WorldFailedError
from envlock.net.policy import (
    CONNECT_VARIABLE,
    DEADLINE_VARIABLE,
    TIMEOUT_VARIABLE,
    retried_error,
    retried_status,
)

if TYPE_CHECKING:
    import socket
    from http.client import HTTPResponse

    from envlock.net.download import Download

# No conda archive comes near this; a lock that records no size is held to it, so an
# endless body or an endless file stops (the largest CUDA archives are ~3 GiB).
MAX_ARCHIVE_BYTES = 16 << 30
Stage = Literal["connect", "answer", "read"]  # where a request failed


class TransientError(Exception):
    """One attempt failed in a way worth another try; `message` is already safe to show."""

    def __init__(self, message: str, retry_after: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class Stream:
    """An open source: `read` a chunk (b"" at the end), `announced` the byte count the
    server announced (None when unknown), `limit` the most bytes it may hold."""

    def __init__(
        self,
        handle: BinaryIO,
        *,
        read: Callable[[int], bytes],
        announced: int | None,
        limit: int,
    ) -> None:
        self.handle = handle
        self.read = read
        self.announced = announced
        self.limit = limit


def file_path(url: str) -> Path:
    """The local path a `file://` URL names (a `#fragment` ignored)."""
    from urllib.parse import urlsplit
    from urllib.request import url2pathname

    return Path(url2pathname(urlsplit(url.split("#", 1)[0]).path))


def limit_of(source: Download) -> int:
    """The most bytes `source` may deliver: the lock's size, else MAX_ARCHIVE_BYTES."""
    return source.size if source.size is not None else MAX_ARCHIVE_BYTES


def too_big(source: Download, filename: str, found: int | str) -> WorldFailedError:
    """The error for a source holding more than `limit_of(source)` bytes."""
    if source.size is not None:
        said = f"the {source.size} bytes the lock records"
        why = "it is not the locked file (tampered, re-uploaded or corrupted)"
    else:
        said = f"{MAX_ARCHIVE_BYTES} bytes, envlock's limit for an archive of unknown size"
        why = "no conda archive is that large"
    return WorldFailedError(
        f"{filename}: {source.shown} holds {found} bytes, more than {said}; {why}. "
        "Nothing was kept; check the channel or re-resolve the lock."
    )


@contextlib.contextmanager
def open_source(source: Download, filename: str, ends: float) -> Iterator[Stream]:
    """`source` opened for reading until the monotonic time `ends` (its deadline)."""
    import urllib.parse

    scheme = urllib.parse.urlsplit(source.url).scheme
    if scheme == "file":
        with _open_file(source, filename) as stream:
            yield stream
        return
    if scheme not in ("http", "https"):
        raise BadInputError(
            f"{filename}: unsupported URL scheme {scheme!r} in {source.shown}; envlock "
            "fetches file://, http://, https:// and s3:// URLs"
        )
    sockets: list[socket.socket] = []
    response = _urlopen(source, filename, sockets, ends)
    with response:
        length = response.headers.get("Content-Length", "")
        encoded = response.headers.get("Content-Encoding", "identity") != "identity"
        announced = int(length) if length.isdigit() and not encoded else None
        if announced is not None and announced > limit_of(source):
            raise too_big(source, filename, f"{announced} (its Content-Length)")

        def read(size: int) -> bytes:
            return _read(response, size, sockets, source, filename, ends)

        yield Stream(response, read=read, announced=announced, limit=limit_of(source))


@contextlib.contextmanager
def _open_file(source: Download, filename: str) -> Iterator[Stream]:
    path = file_path(source.url)
    try:
        # stat first: opening a FIFO without O_NONBLOCK would wait for a writer forever.
        before = path.stat()
        if not stat.S_ISREG(before.st_mode):
            raise _not_regular(source, filename)
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
        fd = os.open(path, flags | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise WorldFailedError(
            f"{filename}: not found at {source.shown}; the channel no longer has the "
            "locked file. Restore the mirror or re-resolve the lock."
        ) from None
    except OSError as error:
        raise WorldFailedError(
            f"{filename}: cannot read {source.shown}: {error.strerror}"
        ) from None
    with os.fdopen(fd, "rb") as handle:
        # Checked again on what was opened: the path may have been swapped in between.
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _not_regular(source, filename)
        if os.fstat(fd).st_size > limit_of(source):
            raise too_big(source, filename, os.fstat(fd).st_size)
        yield Stream(handle, read=handle.read, announced=None, limit=limit_of(source))


def _not_regular(source: Download, filename: str) -> BadInputError:
    return BadInputError(
        f"{filename}: {source.shown} is not a regular file (a device, FIFO, socket or "
        "folder); a lock's file:// URL must name a package archive. Fix the lock's URL or "
        "re-resolve it"
    )


def _urlopen(
    source: Download, filename: str, sockets: list[socket.socket], ends: float
) -> HTTPResponse:
    import http.client
    import urllib.error
    import urllib.request

    request = urllib.request.Request(source.url, headers={"User-Agent": "envlock"})  # noqa: S310 - http(s) only, checked by the caller
    for key, value in source.headers:
        # Unredirected: a redirect to another host must not carry the credentials on.
        request.add_unredirected_header(key, value)
    policy = source.policy
    try:
        opener = _opener(policy.timeout_s, sockets)
        response: HTTPResponse = opener.open(
            request, timeout=min(policy.connect_timeout_s, _left(ends))
        )
    except urllib.error.HTTPError as error:
        retry_after = error.headers.get("Retry-After") if error.headers else None
        error.close()  # it holds the response's socket
        if 300 <= error.code < 400:
            raise WorldFailedError(
                f"{filename}: {source.shown} redirects in a loop (or more than 10 times; "
                f"the last answer was HTTP {error.code}); the channel is misconfigured, "
                "check its URL or try another mirror with --channel-alias"
            ) from None
        said = f"{filename}: HTTP {error.code} {source.hide(str(error.reason))} from {source.shown}"
        if retried_status(error.code):
            raise TransientError(
                f"{said}; the server failed to answer, try again later", retry_after
            ) from None
        hint = (
            "the channel wants credentials: give them in --channel-alias (user:password@host "
            "or host/t/<TOKEN>) or set the variables the lock's channels declare"
            if error.code in (401, 403)
            else "the channel does not serve the locked file. Check the URL or re-resolve the lock."
        )
        raise WorldFailedError(f"{said}; {hint}") from None
    except (http.client.InvalidURL, ValueError) as error:  # a bad port, a space in the path
        raise BadInputError(
            f"{filename}: the URL {source.shown} cannot be requested: "
            f"{source.hide(str(error))}; fix the URL in the lock (or pass --channel-alias)"
        ) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        stage: Stage = "answer" if sockets else "connect"  # a socket is there once connected
        raise _failure(error, source, filename, ends, stage=stage) from None
    return response


def _read(  # noqa: PLR0917 - the pieces of one stream, bound by open_source
    response: HTTPResponse,
    size: int,
    sockets: list[socket.socket],
    source: Download,
    filename: str,
    ends: float,
) -> bytes:
    import http.client

    _set_timeouts(sockets, min(source.policy.timeout_s, _left(ends)))
    try:
        # read1: what one receive brings. read(size) would wait for `size` bytes, so a
        # server dripping a byte at a time would never let the deadline be checked.
        return response.read1(size)
    except (OSError, http.client.HTTPException) as error:
        raise _failure(error, source, filename, ends, stage="read") from None


def _failure(
    error: BaseException,
    source: Download,
    filename: str,
    ends: float,
    *,
    stage: Stage,
) -> Exception:
    """The exception to raise for a failure while connecting, waiting for the answer or
    reading the body: TransientError when a retry may help, a final WorldFailedError past the
    deadline or for other failures."""
    reason = getattr(error, "reason", error)
    policy = source.policy
    if isinstance(reason, TimeoutError) and _left(ends) <= 0.05:
        return WorldFailedError(deadline_message(source, filename))
    if isinstance(reason, TimeoutError):
        variable, seconds = (
            (CONNECT_VARIABLE, policy.connect_timeout_s)
            if stage == "connect"
            else (TIMEOUT_VARIABLE, policy.timeout_s)
        )
        message = (
            f"{filename}: no answer from {source.shown} within {seconds:g} s ({variable}); "
            f"check the network or raise {variable}"
        )
    elif stage != "read":
        message = (
            f"{filename}: cannot download {source.shown}: {source.hide(str(reason))}; check "
            "the network and try again (verified archives already in the cache are kept)"
        )
    else:
        message = (
            f"{filename}: the download of {source.shown} broke off: "
            f"{source.hide(str(error)) or type(error).__name__}; try again"
        )
    if retried_error(error):
        return TransientError(message)
    return WorldFailedError(message)


def deadline_message(source: Download, filename: str) -> str:
    """The error for a download that ran past its deadline."""
    seconds = source.policy.deadline_s
    return (
        f"{filename}: the download of {source.shown} did not finish within {seconds:g} s "
        f"({DEADLINE_VARIABLE}, every try included); the server is too slow or stalls. "
        f"Nothing was kept; try another mirror, or raise {DEADLINE_VARIABLE}"
    )


def _left(ends: float) -> float:
    """Seconds left before `ends` (a monotonic time), never below a tiny positive figure
    (a socket timeout of 0 would mean non-blocking, not "no time left")."""
    return max(0.001, ends - time.monotonic())


def _set_timeouts(sockets: list[socket.socket], seconds: float) -> None:
    for sock in sockets:
        with contextlib.suppress(OSError):  # closed already (a redirect's first hop)
            sock.settimeout(seconds)


def _opener(read_timeout: float, sockets: list[socket.socket]) -> Any:
    """A urllib opener for http and https only (proxies from the environment honoured,
    redirects followed), whose connections connect within the request's timeout (the
    connect timeout) and then wait `read_timeout` per read; their sockets are appended
    to `sockets`, so that reads can be held to the deadline."""
    import http.client
    import urllib.request

    class Timed(http.client.HTTPConnection):
        def connect(self) -> None:
            super().connect()
            self.sock.settimeout(read_timeout)
            sockets.append(self.sock)

    class TimedTLS(http.client.HTTPSConnection):
        def connect(self) -> None:
            super().connect()  # the TCP connection and the TLS handshake: connect timeout
            self.sock.settimeout(read_timeout)
            sockets.append(self.sock)

    class Plain(urllib.request.HTTPHandler):
        def http_open(self, req: Any) -> Any:
            return self.do_open(Timed, req)

    class Secure(urllib.request.HTTPSHandler):
        def https_open(self, req: Any) -> Any:
            return self.do_open(TimedTLS, req, context=self._context)  # type: ignore[attr-defined]

    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        Plain(),
        Secure(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPRedirectHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


__all__ = [
    "MAX_ARCHIVE_BYTES",
    "Stream",
    "TransientError",
    "deadline_message",
    "file_path",
    "limit_of",
    "open_source",
    "too_big",
]
