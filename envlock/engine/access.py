"""How envlock reaches channels: one Gateway per run, credentials kept out of every file.

The Gateway is given channel URLs without `user:password@` or `/t/<token>`; rattler's
AuthenticationMiddleware adds them per request from an authentication file (host →
credentials, the format of RATTLER_AUTH_FILE) that exists only for the run: an
in-memory file on Linux (memfd, read through /proc/self/fd/N), else a 0600 file in a
private temp folder; gone afterwards. So neither the repodata cache (rattler's
`*.info.json` keep the URL they fetched) nor a lock ever holds a secret. The caller
splits the credentials off its URLs (envlock.net.credentials) and hands them over as
plain data: host → the entry rattler's file keeps for it (`{"CondaToken": ...}` or
`{"BasicHTTP": {...}}`).

The client follows envlock's HTTP policy (envlock.net.policy), taken as plain data (an
`HttpPolicy`, the defaults when none is given; the engine never reads the
environment): rattler's RetryMiddleware retries transient failures (5xx, 429, resets,
timeouts) `retries` times with its own exponential back-off (not `backoff_s`), and
the client's timeout, which rattler applies to a whole request, body included, is
`whole_request_s`. rattler's client knows no connect timeout and no overall deadline,
so a server that accepts connections and never answers would hold a resolve for every
try's full timeout plus the back-offs between them: `within_bound` cuts the whole
rattler work of a resolve at `repodata_bound_s` (the tries together, never beyond
`deadline_s`) and says that bound in its error.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Awaitable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from envlock.errors import WorldFailedError
from envlock.net.policy import HttpPolicy

if TYPE_CHECKING:
    from rattler import Gateway

# host → the value rattler's authentication file keeps for it.
AuthEntries = Mapping[str, Mapping[str, Any]]
T = TypeVar("T")


class RepodataTimeoutError(WorldFailedError):
    """The channels did not answer within the policy's bound (exit 4), as data: `policy`
    the bound came from (its `repodata_bound_s`). Worded by envlock.resolve.solver."""

    def __init__(self, policy: HttpPolicy) -> None:
        super().__init__(f"no repodata within {policy.repodata_bound_s:g} s")
        self.policy = policy


class OfflineCacheMissError(WorldFailedError):
    """Offline, and the repodata cache `cache_dir` lacks what the solve needs (exit 4);
    `detail`: what is missing. Worded by envlock.resolve.solver."""

    def __init__(self, cache_dir: Path, detail: str) -> None:
        super().__init__(f"the repodata cache {cache_dir} lacks {detail}")
        self.cache_dir = cache_dir
        self.detail = detail


async def within_bound(work: Awaitable[T], policy: HttpPolicy | None, cache_dir: Path) -> T:
    """`work` (the rattler calls of a resolve), cancelled once `policy.repodata_bound_s`
    has passed: RepodataTimeoutError then. Offline, a channel missing from the cache at
    `cache_dir` is an OfflineCacheMissError, whatever the engine made of it."""
    import asyncio

    from envlock.engine.failures import MissingChannelError, RepodataUnavailableError

    policy = policy or HttpPolicy()
    try:
        return await asyncio.wait_for(work, timeout=policy.repodata_bound_s)
    except asyncio.TimeoutError:
        raise RepodataTimeoutError(policy) from None
    except MissingChannelError as error:
        if not policy.offline:
            raise
        raise OfflineCacheMissError(cache_dir, f"channel `{error.name}`") from None
    except RepodataUnavailableError as error:
        if not policy.offline:
            raise
        raise OfflineCacheMissError(cache_dir, error.detail) from None


@contextlib.contextmanager
def auth_file(auth: AuthEntries) -> Iterator[Path | None]:
    """rattler's authentication file holding `auth` for one run, None when `auth` is empty.

    On Linux an in-memory file (`memfd`, reached as /proc/self/fd/N) so the secrets never
    touch a disk; elsewhere a 0600 file in a private (0700) temp folder. Gone afterwards.
    """
    if not auth:
        yield None
        return
    payload = json.dumps({host: dict(entry) for host, entry in sorted(auth.items())}).encode()
    memfd_create = getattr(os, "memfd_create", None)
    if memfd_create is not None and Path("/proc/self/fd").is_dir():
        fd = memfd_create("envlock-auth", getattr(os, "MFD_CLOEXEC", 0))
        try:
            os.write(fd, payload)
            yield Path(f"/proc/self/fd/{fd}")
        finally:
            os.close(fd)
        return
    with tempfile.TemporaryDirectory(prefix="envlock-auth-") as folder:
        path = Path(folder) / "auth.json"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, payload)
        finally:
            os.close(fd)
        yield path


def new_gateway(
    cache_dir: Path, auth_path: Path | None = None, policy: HttpPolicy | None = None
) -> Gateway:
    """A Gateway whose client follows `policy` (default: `HttpPolicy()`'s defaults).
    rattler's default client does not retry at all: a repodata request answered 500
    would fail the solve at once.

    With `auth_path` (see `auth_file`), its AuthenticationMiddleware reads credentials
    from that file only, instead of the user's keyring / RATTLER_AUTH_FILE / netrc.
    """
    from rattler import Config, Gateway
    from rattler.networking import Client

    from envlock import __version__

    policy = policy or HttpPolicy()
    # Client.default_client / from_config put RetryMiddleware(max_retries) first in
    # rattler's standard stack (retry, authentication, OCI, GCS, S3).
    options: dict[str, Any] = {
        "max_retries": policy.retries,
        "user_agent": f"envlock/{__version__}",
        "timeout": policy.whole_request_s,
    }
    if auth_path is None:
        client = Client.default_client(**options)
    else:
        config = Config.from_toml(f"authentication-override-file = {json.dumps(str(auth_path))}")
        client = Client.from_config(config, **options)
    if policy.offline:
        from rattler import SourceConfig

        offline = SourceConfig(cache_action="force-cache-only")
        return Gateway(cache_dir=cache_dir, client=client, default_config=offline)
    return Gateway(cache_dir=cache_dir, client=client)


__all__ = [
    "AuthEntries",
    "OfflineCacheMissError",
    "RepodataTimeoutError",
    "auth_file",
    "new_gateway",
    "within_bound",
]
