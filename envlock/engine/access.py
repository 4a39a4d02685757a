"""How envlock reaches channels: one Gateway per run, credentials kept out of every file.

The Gateway is given channel URLs without `user:password@` or `/t/<token>`; rattler's
AuthenticationMiddleware adds them per request from an authentication file (host →
credentials, the format of RATTLER_AUTH_FILE) that exists only for the run: an
in-memory file on Linux (memfd, read through /proc/self/fd/N), else a 0600 file in a
private temp folder; gone afterwards. So neither the repodata cache (rattler's
`*.info.json` keep the URL they fetched) nor a lock ever holds a secret. Messages show
URLs masked where the secret was sent (`http://host/t/<TOKEN>/pytorch/...`).

The client follows envlock's HTTP policy (envlock.net.policy), taken as plain data (an
`HttpPolicy`): rattler's RetryMiddleware retries transient failures (5xx, 429, resets,
timeouts) `retries` times with its own exponential back-off, and the client's timeout,
which rattler applies to a whole request, body included, is `whole_request_s`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from envlock.net.credentials import Credentials, mask
from envlock.net.policy import HttpPolicy, policy_from_env

if TYPE_CHECKING:
    from rattler import Gateway

_URL = re.compile(r"[a-z][a-z0-9+.\-]*://[^\s'\"`]+", re.IGNORECASE)


@dataclass(frozen=True, kw_only=True, slots=True)
class Access:
    """How the channels of a resolve are reached without credentials in any URL.

    `auth` are the credentials rattler's middleware adds (host → credentials); `shown`
    maps a channel's bare URL (as the Gateway sees it) to its masked form for messages
    (`http://h/pytorch` → `http://h/t/<TOKEN>/pytorch`).
    """

    auth: Mapping[str, Credentials] = field(default_factory=dict)
    shown: Mapping[str, str] = field(default_factory=dict)

    def display(self, text: str) -> str:
        """`text` with every URL shown as requested, secrets masked."""

        def one(match: re.Match[str]) -> str:
            url = match.group(0)
            for bare in sorted(self.shown, key=len, reverse=True):
                if url == bare or url.startswith(bare + "/"):
                    return self.shown[bare] + url[len(bare) :]
            return mask(url)

        return _URL.sub(one, text)


@contextlib.contextmanager
def auth_file(access: Access) -> Iterator[Path | None]:
    """rattler's authentication file (host → credentials) for one run, None when not needed.

    On Linux an in-memory file (`memfd`, reached as /proc/self/fd/N) so the secrets never
    touch a disk; elsewhere a 0600 file in a private (0700) temp folder. Gone afterwards.
    """
    if not access.auth:
        yield None
        return
    payload = json.dumps({host: c.to_rattler() for host, c in sorted(access.auth.items())}).encode()
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
    """A Gateway whose client follows `policy` (default: the one the environment sets;
    a bad ENVLOCK_HTTP_* value is a BadInputError). rattler's default client does not
    retry at all: a repodata request answered 500 would fail the solve at once.

    With `auth_path` (see `auth_file`), its AuthenticationMiddleware reads credentials
    from that file only, instead of the user's keyring / RATTLER_AUTH_FILE / netrc.
    """
    from rattler import Config, Gateway
    from rattler.networking import Client

    from envlock import __version__

    policy = policy or policy_from_env()
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
    return Gateway(cache_dir=cache_dir, client=client)
