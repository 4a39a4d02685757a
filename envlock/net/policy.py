"""envlock's one HTTP policy: how long to wait, how often to retry, what is worth retrying.

Both network paths follow it: archive downloads (envlock.net.download) and repodata
(rattler's client, built in envlock.engine.access from an `HttpPolicy`, plain data).

- `ENVLOCK_HTTP_CONNECT_TIMEOUT` (seconds, above 0 up to 3600, default 10): how long an
  archive download waits for a connection (TLS handshake included).
- `ENVLOCK_HTTP_TIMEOUT` (seconds, above 0 up to 3600, default 60): how long an archive
  download waits for the server's answer or its next bytes. rattler times a repodata
  request as a whole (its body included), so repodata gets `whole_request_s`, twice as
  long (never more than the deadline).
- `ENVLOCK_HTTP_DEADLINE` (seconds, above 0 up to 86400, default 1800): the longest one
  archive download may take, its retries and waits included (a server that drips one
  byte at a time is cut off by it); for a resolve, the longest its repodata fetching and
  solving may take in all.
- `ENVLOCK_HTTP_RETRIES` (0-10, default 3): how many times a transient failure is
  retried, archives and repodata alike.
- `ENVLOCK_HTTP_BACKOFF` (seconds, 0-30, default 0.5): the wait before an archive's
  first retry; it doubles at each further retry, up to `BACKOFF_CAP_S`. Repodata does
  not follow it: rattler's RetryMiddleware waits with its own back-off.

Each command reads the policy once (`policy_from_env`) and passes it down as data; the
engine takes it as it is and never reads the environment.

Transient, and so retried: HTTP 5xx, 408 and 429; a connection refused, reset or
aborted; a timeout; a body cut short. Final: any other status (401, 403, 404 ...), a
bad URL, a missing file. Nothing here opens a socket or reads a secret.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass

from envlock.errors import BadInputError

TIMEOUT_VARIABLE = "ENVLOCK_HTTP_TIMEOUT"
CONNECT_VARIABLE = "ENVLOCK_HTTP_CONNECT_TIMEOUT"
DEADLINE_VARIABLE = "ENVLOCK_HTTP_DEADLINE"
RETRIES_VARIABLE = "ENVLOCK_HTTP_RETRIES"
BACKOFF_VARIABLE = "ENVLOCK_HTTP_BACKOFF"
DEFAULT_TIMEOUT_S = 60.0
DEFAULT_CONNECT_TIMEOUT_S = 10.0  # conda's own is 9.15 s
DEFAULT_DEADLINE_S = 1800.0  # a 2 GB CUDA archive at 1.2 MB/s still fits
MAX_DEADLINE_S = 86400.0
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF_S = 0.5
BACKOFF_CAP_S = 30.0  # no single wait is longer, whatever a server's Retry-After says
MAX_RETRIES = 10  # keeps every retry loop short and bounded
MAX_TIMEOUT_S = 3600.0
REPODATA_FACTOR = 2  # rattler's limit covers a whole (large) repodata body, not one read
# 408 Request Timeout, 429 Too Many Requests: the server asks to be tried again.
RETRIED_4XX = frozenset({408, 429})
# Settings that must be above their lower bound (0 s would mean "never wait").
_POSITIVE = frozenset({TIMEOUT_VARIABLE, CONNECT_VARIABLE, DEADLINE_VARIABLE})


@dataclass(frozen=True, kw_only=True, slots=True)
class HttpPolicy:
    """Timeouts, deadline and retries for one run, as plain data (engine/ may take it as
    it is)."""

    timeout_s: float = DEFAULT_TIMEOUT_S
    """Seconds to wait for an answer or the next bytes (repodata: `whole_request_s`)."""
    connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S
    """Seconds to wait for a connection (archives; rattler's client has no such limit)."""
    deadline_s: float = DEFAULT_DEADLINE_S
    """The most one archive download may take, every attempt and wait included; for a
    resolve, the most its repodata fetching and solving may take in all."""
    retries: int = DEFAULT_RETRIES
    """How often a transient failure is retried, for archives and repodata alike."""
    backoff_s: float = DEFAULT_BACKOFF_S
    """The wait before an archive download's first retry, doubled at each further one
    (see `delay`). Archive downloads only: rattler's client, which fetches repodata,
    retries with its own exponential back-off and is not told this value."""
    offline: bool = False
    """`resolve --offline`: repodata from the cache only, nothing requested."""

    @property
    def attempts(self) -> int:
        """How many times a request is made at most (the first try and the retries)."""
        return self.retries + 1

    @property
    def whole_request_s(self) -> int:
        """The whole-request limit handed to rattler's client (whole seconds, at least 1,
        never beyond the deadline)."""
        return max(1, math.ceil(min(self.timeout_s * REPODATA_FACTOR, self.deadline_s)))

    @property
    def repodata_bound_s(self) -> float:
        """The longest a resolve waits for repodata that never comes: each try is cut at
        `whole_request_s`, and the tries together at the deadline."""
        return min(float(self.whole_request_s * self.attempts), self.deadline_s)

    def repodata_bound_text(self) -> str:
        """`repodata_bound_s` and the settings it comes from, for messages."""
        return (
            f"at most {self.whole_request_s} s per request (twice {TIMEOUT_VARIABLE}), "
            f"{self.attempts} tries ({RETRIES_VARIABLE}), {self.deadline_s:g} s in all "
            f"({DEADLINE_VARIABLE})"
        )

    def delay(self, retry: int, retry_after: str | None = None) -> float:
        """Seconds to wait before retry number `retry` (1, 2, ...).

        `backoff_s` doubled at each retry, or a server's numeric `Retry-After` when it
        asks for longer; never more than BACKOFF_CAP_S.
        """
        wait: float = self.backoff_s * float(2 ** max(0, retry - 1))
        if retry_after is not None and retry_after.strip().isdigit():
            wait = max(wait, float(retry_after.strip()))
        return min(wait, BACKOFF_CAP_S)


def policy_from_env(environ: Mapping[str, str] | None = None) -> HttpPolicy:
    """The policy the environment sets (`os.environ` by default); unset or empty
    variables keep their defaults. A bad value is a BadInputError (exit 2) naming it."""
    env = os.environ if environ is None else environ
    return HttpPolicy(
        timeout_s=_number(env, TIMEOUT_VARIABLE, DEFAULT_TIMEOUT_S, low=0.0, high=MAX_TIMEOUT_S),
        connect_timeout_s=_number(
            env, CONNECT_VARIABLE, DEFAULT_CONNECT_TIMEOUT_S, low=0.0, high=MAX_TIMEOUT_S
        ),
        deadline_s=_number(
            env, DEADLINE_VARIABLE, DEFAULT_DEADLINE_S, low=0.0, high=MAX_DEADLINE_S
        ),
        retries=int(
            _number(env, RETRIES_VARIABLE, DEFAULT_RETRIES, low=0, high=MAX_RETRIES, whole=True)
        ),
        backoff_s=_number(env, BACKOFF_VARIABLE, DEFAULT_BACKOFF_S, low=0.0, high=BACKOFF_CAP_S),
    )


def _number(
    env: Mapping[str, str],
    name: str,
    default: float,
    *,
    low: float,
    high: float,
    whole: bool = False,
) -> float:
    """The variable as a number in [low, high] (above `low` for a timeout), an integer
    when `whole`; `default` when unset or empty."""
    text = env.get(name, "").strip()
    if not text:
        return default
    kind = "a whole number" if whole else "a number of seconds"
    try:
        value = float(int(text)) if whole else float(text)
    except ValueError:
        value = math.nan
    # A timeout of 0 would mean "never wait"; a retry count or backoff of 0 is fine.
    too_low = value <= low if name in _POSITIVE else value < low
    if math.isnan(value) or too_low or value > high:
        bounds = f"above {low:g}" if name in _POSITIVE else f"from {low:g}"
        shown = text if len(text) <= 40 else text[:40] + "…"  # a paragraph, whatever was set
        raise BadInputError(
            f"{name}={shown!r}: expected {kind} {bounds} up to {high:g}; "
            f"set it so, or unset it for the default ({default:g})"
        )
    return value


def retried_status(status: int) -> bool:
    """True for an HTTP status worth another try: 5xx, 408, 429."""
    return status >= 500 or status in RETRIED_4XX


def retried_error(error: BaseException) -> bool:
    """True for a transient failure below HTTP: a connection refused, reset or aborted, a
    timeout, a body cut short (urllib's URLError is looked through to its reason)."""
    import http.client

    reason = getattr(error, "reason", None)
    if isinstance(reason, BaseException):
        error = reason  # urllib.error.URLError wraps the socket's error
    return isinstance(
        error,
        # ConnectionError covers refused, reset, aborted and http.client's
        # RemoteDisconnected (the server closed the connection before answering).
        (TimeoutError, ConnectionError, http.client.IncompleteRead),
    )


__all__ = [
    "BACKOFF_VARIABLE",
    "CONNECT_VARIABLE",
    "DEADLINE_VARIABLE",
    "RETRIES_VARIABLE",
    "TIMEOUT_VARIABLE",
    "HttpPolicy",
    "policy_from_env",
    "retried_error",
    "retried_status",
]
