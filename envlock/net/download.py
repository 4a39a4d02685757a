"""Download one file (a package archive) under envlock's HTTP policy, hashing it as it streams.

file:// URLs are copied; s3:// ones streamed through rattler (envlock.net.s3); http(s)
URLs are fetched with urllib, each attempt waiting at
most the policy's timeout for the server, transient failures (see envlock.net.policy)
retried with a growing wait. Every attempt writes a new `.part` file beside the target;
the complete file is handed to the caller's `check` (a hash comparison) and only then
renamed into place, so a failure of any kind (HTTP status, timeout, broken body, failed
check, Ctrl-C) leaves no partial file behind. Messages show the URL masked
(`Download.shown`), and an error text that quotes the real URL has its secrets hidden.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from envlock.atomic import new_file
from envlock.errors import BadInputError, WorldFailedError
from envlock.net.credentials import (
    expand_placeholders,
    hide,
    mask,
    missing_variables,
    placeholders,
    secret_forms,
    split_credentials,
)
from envlock.net.policy import TIMEOUT_VARIABLE, HttpPolicy, retried_error, retried_status

if TYPE_CHECKING:
    from http.client import HTTPResponse

    from envlock.net.s3 import S3Streamer

CHUNK = 1 << 20
OnBytes = Callable[[int], None]


@dataclass(frozen=True, kw_only=True, slots=True)
class Download:
    """Where one file is requested from, and under which policy. `url` and `headers` may
    hold secrets (kept out of repr); `shown` is the URL for messages: masked, placeholders
    unexpanded."""

    url: str = field(repr=False)
    shown: str
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    # The secret parts of `url` (token, password, expanded placeholders), as given and
    # percent-encoded: `hide` takes them out of error texts that quote the URL.
    secrets: tuple[str, ...] = field(default=(), repr=False)
    policy: HttpPolicy = field(default_factory=HttpPolicy)
    # How an s3:// URL is fetched (envlock.net.s3; the caller builds it with the engine).
    stream: S3Streamer | None = field(default=None, repr=False, compare=False)

    def hide(self, text: str) -> str:
        """`text` (say, an exception's message) with every secret of the URL replaced."""
        return hide(text, self.secrets)


def download_of(
    url: str, *, shown: str, secrets: Iterable[str] = (), policy: HttpPolicy | None = None
) -> Download:
    """How to request `url` (credentials in it, placeholders already expanded).

    `user:password@` becomes an Authorization header, sent to that host only (not
    repeated on a redirect); a `/t/<TOKEN>/` stays in the path, where conda servers expect
    it. `secrets` are hidden from error texts along with the URL's own. Raises
    BadInputError for credentials envlock cannot send (see `split_credentials`).
    """
    bare, credentials = split_credentials(url)
    hidden = list(secrets)
    if credentials is not None:
        hidden += [credentials.token or "", credentials.password or ""]
    policy = policy or HttpPolicy()
    if credentials is None or credentials.token is not None:
        return Download(url=url, shown=shown, secrets=secret_forms(hidden), policy=policy)
    return Download(
        url=bare,
        shown=shown,
        headers=(("Authorization", credentials.basic_auth()),),
        secrets=secret_forms(hidden),
        policy=policy,
    )


def download_from(
    template: str,
    *,
    filename: str,
    policy: HttpPolicy | None = None,
    environ: Mapping[str, str] | None = None,
) -> Download:
    """How to request `template`: a URL that may hold credentials and conda-lock's
    `${NAME}` placeholders, expanded from `environ` (default `os.environ`).

    Messages name `filename` and show the URL masked, placeholders unexpanded
    (`Download.shown`). Raises BadInputError naming every unset variable, or saying why
    the URL's credentials cannot be sent (see `split_credentials`).
    """
    env = os.environ if environ is None else environ
    shown = mask(template)
    missing = missing_variables(template, env)
    if missing:
        raise BadInputError(
            f"{filename}: the URL {shown} uses "
            + ", ".join(f"${{{name}}}" for name in missing)
            + ", not set in the environment: set "
            + ("it" if len(missing) == 1 else "them")
            + " (conda-lock's used_env_vars convention), or pass --channel-alias"
        )
    expanded = [env[name] for name in placeholders(template)]
    url = expand_placeholders(template, env)
    try:
        split_credentials(template)  # its message shows the template: no expanded secret
        return download_of(url, shown=shown, secrets=expanded, policy=policy)
    except BadInputError as error:
        # Only a placeholder whose value changes the URL's shape fails here and not above:
        # its message quotes the expanded URL, shown as the template instead.
        said = hide(error.message.replace(mask(url), shown), secret_forms(expanded))
        raise BadInputError(f"{filename}: {said}") from None


@dataclass(frozen=True, kw_only=True, slots=True)
class Fetched:
    """A downloaded file and what it held."""

    path: Path
    sha256: str
    md5: str
    size: int


class _TransientError(Exception):
    """One attempt failed in a way worth another try; `message` is already safe to show."""

    def __init__(self, message: str, retry_after: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def file_path(url: str) -> Path:
    """The local path a `file://` URL names (a `#fragment` ignored)."""
    from urllib.parse import urlsplit
    from urllib.request import url2pathname

    return Path(url2pathname(urlsplit(url.split("#", 1)[0]).path))


def download(
    source: Download,
    dest: Path,
    *,
    check: Callable[[Fetched], None] | None = None,
    on_bytes: OnBytes | None = None,
) -> Fetched:
    """Fetch `source` into `dest` (whose folder exists) and return its hashes and size.

    `check` sees the complete file before it is renamed to `dest`; what it raises
    propagates. Transient failures are retried as `source.policy` says (the bytes of a
    failed attempt are taken back from `on_bytes` with a negative count). Raises
    WorldFailedError (exit 4) for a missing file, an HTTP error, a timeout or a broken
    download, and BadInputError (exit 2) for a URL that cannot be requested.
    """
    policy = source.policy
    for attempt in range(1, policy.attempts + 1):  # bounded: MAX_RETRIES + 1 at most
        fd, part = new_file(dest.parent, dest.name, ".part")
        tally = _Tally(on_bytes)
        try:
            with os.fdopen(fd, "wb") as out:
                fetched = _attempt(source, out, part, dest.name, tally)
            if check is not None:
                check(fetched)
            part.replace(dest)
        except _TransientError as failure:
            _remove(part)
            if on_bytes and tally.total:
                on_bytes(-tally.total)  # the next attempt starts from zero again
            if attempt == policy.attempts:
                tries = f" (tried {attempt} times)" if attempt > 1 else ""
                raise WorldFailedError(f"{failure.message}{tries}") from None
            time.sleep(policy.delay(attempt, failure.retry_after))
            continue
        except BaseException:
            _remove(part)
            raise
        return Fetched(path=dest, sha256=fetched.sha256, md5=fetched.md5, size=fetched.size)
    raise AssertionError("unreachable: the last attempt returns or raises")


class _Tally:
    """Counts the bytes of one attempt while passing them on to `on_bytes`."""

    def __init__(self, on_bytes: OnBytes | None) -> None:
        self.total = 0
        self.on_bytes = on_bytes

    def __call__(self, n: int) -> None:
        self.total += n
        if self.on_bytes:
            self.on_bytes(n)


def _remove(part: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        part.unlink()


def _attempt(source: Download, out: BinaryIO, part: Path, filename: str, count: OnBytes) -> Fetched:
    """One try: stream `source` into `out` (the file `part`), hashing; _TransientError
    for a retriable failure."""
    if source.url[:5].lower() == "s3://":
        from envlock.net.s3 import attempt

        return attempt(source, out, part, filename, count)
    sha, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
    with _open(source, filename) as (src, expected):
        while chunk := _read(src, source, filename):
            out.write(chunk)
            sha.update(chunk)
            md5.update(chunk)
            size += len(chunk)
            count(len(chunk))
    if expected is not None and size < expected:
        # urllib's read() ends quietly when the server closes early: without this
        # check a cut-short body would be reported as a hash mismatch.
        raise _TransientError(
            f"{filename}: the download of {source.shown} broke off after {size} of "
            f"{expected} bytes; try again"
        )
    return Fetched(path=part, sha256=sha.hexdigest(), md5=md5.hexdigest(), size=size)


@contextlib.contextmanager
def _open(source: Download, filename: str) -> Iterator[tuple[BinaryIO, int | None]]:
    """The open source and the byte count it announced (None when unknown)."""
    import urllib.parse

    parts = urllib.parse.urlsplit(source.url)
    if parts.scheme == "file":
        path = file_path(source.url)
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise WorldFailedError(
                f"{filename}: not found at {source.shown}; the channel no longer has the "
                "locked file. Restore the mirror or re-resolve the lock."
            ) from None
        except OSError as error:
            raise WorldFailedError(
                f"{filename}: cannot read {source.shown}: {error.strerror}"
            ) from None
        with handle:
            yield handle, None
        return
    if parts.scheme not in ("http", "https"):
        raise BadInputError(
            f"{filename}: unsupported URL scheme {parts.scheme!r} in {source.shown}; envlock "
            "fetches file://, http://, https:// and s3:// URLs"
        )
    response = _urlopen(source, filename)
    with response:
        length = response.headers.get("Content-Length", "")
        encoded = response.headers.get("Content-Encoding", "identity") != "identity"
        yield response, int(length) if length.isdigit() and not encoded else None


def _urlopen(source: Download, filename: str) -> HTTPResponse:
    import http.client
    import urllib.error
    import urllib.request

    request = urllib.request.Request(source.url, headers={"User-Agent": "envlock"})  # noqa: S310 - http(s) only, checked by the caller
    for key, value in source.headers:
        # Unredirected: a redirect to another host must not carry the credentials on.
        request.add_unredirected_header(key, value)
    timeout = source.policy.timeout_s
    try:
        response: HTTPResponse = urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 - as above
    except urllib.error.HTTPError as error:
        retry_after = error.headers.get("Retry-After") if error.headers else None
        error.close()  # it holds the response's socket
        said = f"{filename}: HTTP {error.code} {source.hide(str(error.reason))} from {source.shown}"
        if retried_status(error.code):
            raise _TransientError(
                f"{said}; the server failed to answer, try again later", retry_after
            ) from None
        hint = (
            "the channel wants credentials: give them in --channel-alias (user:password@host "
            "or host/t/<TOKEN>) or set the variables the lock's URLs name"
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
        reason = source.hide(str(getattr(error, "reason", error)))
        failure = _timed_out(error, source, filename) or (
            f"{filename}: cannot download {source.shown}: {reason}; check the network and "
            "try again (verified archives already in the cache are kept)"
        )
        if retried_error(error):
            raise _TransientError(failure) from None
        raise WorldFailedError(failure) from None
    return response


def _timed_out(error: BaseException, source: Download, filename: str) -> str | None:
    """The message for a server that did not answer in time, None for other errors."""
    reason = getattr(error, "reason", error)
    if not isinstance(reason, TimeoutError):
        return None
    return (
        f"{filename}: no answer from {source.shown} within {source.policy.timeout_s:g} s "
        f"({TIMEOUT_VARIABLE}); check the network or raise {TIMEOUT_VARIABLE}"
    )


def _read(src: BinaryIO, source: Download, filename: str) -> bytes:
    import http.client

    try:
        return src.read(CHUNK)
    except (OSError, http.client.HTTPException) as error:
        message = _timed_out(error, source, filename) or (
            f"{filename}: the download of {source.shown} broke off: "
            f"{source.hide(str(error)) or type(error).__name__}; try again"
        )
        if retried_error(error):
            raise _TransientError(message) from None
        raise WorldFailedError(message) from None


__all__ = [
    "Download",
    "Fetched",
    "OnBytes",
    "download",
    "download_from",
    "download_of",
    "file_path",
]
