"""Download one file (a package archive) under envlock's HTTP policy, hashing it as it streams.

file:// URLs (regular files only) are copied; s3:// ones streamed through rattler
(envlock.net.s3); http(s) URLs are fetched with urllib under
the policy's connect and read timeouts (envlock.net.transport), transient failures (see
envlock.net.policy) retried with a growing wait, every try within one deadline, and no
source read past the size the lock records. Every attempt writes a new
`.<name>.<random>.part` file beside the target; the complete file is handed to the
caller's `check` (a hash comparison) and only then renamed into place, so a failure of
any kind (HTTP status, timeout, deadline, broken or oversized body, failed check,
Ctrl-C, another download of the same `Batch` failing) leaves no partial file behind.
Messages show the URL masked (`Download.shown`), and an error text that quotes the real
URL has its secrets hidden. A `${NAME}` placeholder in a lock's URL is filled in only
as the lock's channels declare (envlock.net.credentials.Declared).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from envlock.atomic import new_file
from envlock.errors import BadInputError, WorldFailedError
from envlock.net.credentials import (
    Declared,
    check_declared,
    expand_placeholders,
    hide,
    mask,
    missing_variables,
    placeholders,
    secret_forms,
    split_credentials,
)
from envlock.net.policy import HttpPolicy
from envlock.net.transport import TransientError, deadline_message, file_path, open_source, too_big

if TYPE_CHECKING:
    from envlock.net.s3 import S3Streamer

CHUNK = 1 << 20
# A download's temporary file is `.<archive file name>.<12 hex digits>.part` beside its
# target (envlock.atomic.new_file); only files of that shape are ever swept.
PART_SUFFIX = ".part"
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
    # The size the lock records: the source may hold no more (None: MAX_ARCHIVE_BYTES).
    size: int | None = None
    # How an s3:// URL is fetched (envlock.net.s3; the caller builds it with the engine).
    stream: S3Streamer | None = field(default=None, repr=False, compare=False)

    def hide(self, text: str) -> str:
        """`text` (say, an exception's message) with every secret of the URL replaced."""
        return hide(text, self.secrets)


def download_of(
    url: str,
    *,
    shown: str,
    secrets: Iterable[str] = (),
    policy: HttpPolicy | None = None,
    size: int | None = None,
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
        return Download(
            url=url, shown=shown, secrets=secret_forms(hidden), policy=policy, size=size
        )
    return Download(
        url=bare,
        shown=shown,
        headers=(("Authorization", credentials.basic_auth()),),
        secrets=secret_forms(hidden),
        policy=policy,
        size=size,
    )


def download_from(
    template: str,
    *,
    filename: str,
    policy: HttpPolicy | None = None,
    environ: Mapping[str, str] | None = None,
    declared: Declared | None = None,
    size: int | None = None,
) -> Download:
    """How to request `template`: a URL that may hold credentials and conda-lock's
    `${NAME}` placeholders, expanded from `environ` (default `os.environ`) only as far as
    `declared` allows (default: nothing; see envlock.net.credentials.Declared).

    Messages name `filename` and show the URL masked, placeholders unexpanded
    (`Download.shown`). Raises BadInputError naming a placeholder the lock does not
    declare for the URL's host, every unset variable, or saying why the URL's
    credentials cannot be sent (see `split_credentials`). `size` is the size the lock
    records (the most bytes the source may hold).
    """
    env = os.environ if environ is None else environ
    check_declared(template, declared or Declared(), filename)
    shown = mask(template)
    missing = missing_variables(template, env)
    if missing:
        raise BadInputError(
            f"{filename}: the URL {shown} uses "
            + ", ".join(f"${{{name}}}" for name in missing)
            + ", not set in the environment: set "
            + ("it" if len(missing) == 1 else "them")
            + " (the lock's channels declare "
            + ("it" if len(missing) == 1 else "them")
            + " in used_env_vars), or pass --channel-alias"
        )
    expanded = [env[name] for name in placeholders(template)]
    url = expand_placeholders(template, env)
    try:
        split_credentials(template)  # its message shows the template: no expanded secret
        return download_of(url, shown=shown, secrets=expanded, policy=policy, size=size)
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


class CancelledError(Exception):
    """The batch this download belonged to was cancelled (another one failed, Ctrl-C)."""


class Batch:
    """The temporary files of downloads running side by side, and their stop switch.

    Why: downloads run in worker threads, and a process that fails (or is interrupted)
    leaves without waiting for them (envlock.cli ends with os._exit). `cancel` removes
    every temporary file at once from the thread that failed, and no worker can start a
    new one or give one its cache name afterwards; a worker still reading writes into an
    unlinked file until it notices (at its next chunk).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        self._parts: set[Path] = set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancelled_now(self) -> bool:
        """`cancelled`, as a function to poll."""
        return self._cancelled

    def new_part(self, dest: Path) -> tuple[int, Path]:
        """A new temporary file for `dest` (`.<name>.<random>.part` beside it)."""
        with self._lock:
            if self._cancelled:
                raise CancelledError
            fd, part = new_file(dest.parent, dest.name, PART_SUFFIX)
            self._parts.add(part)
            return fd, part

    def keep(self, part: Path, dest: Path) -> None:
        """Give the verified `part` its cache name `dest` (CancelledError once cancelled)."""
        with self._lock:
            self._parts.discard(part)
            if self._cancelled:
                raise CancelledError
            part.replace(dest)

    def drop(self, part: Path) -> None:
        """Remove `part` (a failed attempt)."""
        with self._lock:
            self._parts.discard(part)
            _remove(part)

    def cancel(self) -> None:
        """Stop every download of the batch and remove their temporary files now."""
        with self._lock:
            self._cancelled = True
            for part in self._parts:
                _remove(part)
            self._parts.clear()


def download(
    source: Download,
    dest: Path,
    *,
    check: Callable[[Fetched], None] | None = None,
    on_bytes: OnBytes | None = None,
    batch: Batch | None = None,
) -> Fetched:
    """Fetch `source` into `dest` (whose folder exists) and return its hashes and size.

    `check` sees the complete file before it is renamed to `dest`; what it raises
    propagates. TransientError failures are retried as `source.policy` says (the bytes of a
    failed attempt are taken back from `on_bytes` with a negative count), all within the
    policy's deadline. `batch` (see Batch) can stop it from another thread. Raises
    WorldFailedError (exit 4) for a missing file, an HTTP error, a timeout, the deadline,
    a body larger than the lock says or a broken download; BadInputError (exit 2) for a
    URL that cannot be requested or a `file://` URL that names no regular file;
    CancelledError when the batch was cancelled. Whatever happens, no temporary file is left.
    """
    policy = source.policy
    batch = batch or Batch()
    ends = time.monotonic() + policy.deadline_s
    for attempt in range(1, policy.attempts + 1):  # bounded: MAX_RETRIES + 1 at most
        fd, part = batch.new_part(dest)
        tally = _Tally(on_bytes)
        try:
            with os.fdopen(fd, "wb") as out:
                fetched = _attempt(source, out, part, dest.name, tally, batch, ends)
            if check is not None:
                check(fetched)
            batch.keep(part, dest)
        except TransientError as failure:
            batch.drop(part)
            if on_bytes and tally.total:
                on_bytes(-tally.total)  # the next attempt starts from zero again
            tries = f" (tried {attempt} times)" if attempt > 1 else ""
            wait = policy.delay(attempt, failure.retry_after)
            if attempt == policy.attempts:
                raise WorldFailedError(f"{failure.message}{tries}") from None
            if time.monotonic() + wait >= ends:
                raise WorldFailedError(
                    f"{failure.message}{tries}; no time is left for another try: "
                    + deadline_message(source, dest.name)
                ) from None
            time.sleep(wait)
            continue
        except BaseException:
            batch.drop(part)
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


def _attempt(  # noqa: PLR0917 - one try of `download`, its pieces passed as they are
    source: Download,
    out: BinaryIO,
    part: Path,
    filename: str,
    count: OnBytes,
    batch: Batch,
    ends: float,
) -> Fetched:
    """One try: stream `source` into `out` (the file `part`), hashing; TransientError for a
    retriable failure."""
    if source.url[:5].lower() == "s3://":
        from envlock.net.s3 import attempt

        return attempt(source, out, part, filename, count)
    sha, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
    with open_source(source, filename, ends) as stream:
        while chunk := stream.read(min(CHUNK, stream.limit + 1 - size)):
            if batch.cancelled:
                raise CancelledError
            if time.monotonic() > ends:
                raise WorldFailedError(deadline_message(source, filename))
            out.write(chunk)
            sha.update(chunk)
            md5.update(chunk)
            size += len(chunk)
            count(len(chunk))
            if size > stream.limit:
                raise too_big(source, filename, f"at least {size}")
        expected = stream.announced
    if expected is not None and size < expected:
        # urllib's read() ends quietly when the server closes early: without this
        # check a cut-short body would be reported as a hash mismatch.
        raise TransientError(
            f"{filename}: the download of {source.shown} broke off after {size} of "
            f"{expected} bytes; try again"
        )
    return Fetched(path=part, sha256=sha.hexdigest(), md5=md5.hexdigest(), size=size)


__all__ = [
    "PART_SUFFIX",
    "Batch",
    "CancelledError",
    "Download",
    "Fetched",
    "OnBytes",
    "download",
    "download_from",
    "download_of",
    "file_path",
]
