"""The network stage: channel names and URLs, credentials, the one HTTP policy, downloads.

- `channels`: channel names, base URLs, the channel alias, `defaults`.
- `credentials`: secrets in URLs split off (`split_credentials`), masked for messages
  (`mask`), removed for files (`redact`, `scrub_url`), `${VAR}` placeholders; a
  resolve's `Access` (rattler's auth entries per host, URLs shown masked).
- `policy`: timeout, retries with back-off and which failures are retried
  (`ENVLOCK_HTTP_TIMEOUT`, `ENVLOCK_HTTP_RETRIES`, `ENVLOCK_HTTP_BACKOFF`).
- `download`: an archive fetched under the policy, nothing partial left behind; a lock
  URL with `${VAR}` placeholders and credentials made a `Download` (`download_from`).
- `s3`: `s3://` channels: an archive streamed through the engine's S3 client, and the
  words of S3 failures (presigned queries and AWS secrets removed: `unsign`).

Only this package opens sockets (rattler's own client, built in envlock.engine.access
from an `HttpPolicy`, fetches repodata). Names load from their module on first use, so
naming a channel loads no downloader (a `download` function lives in `net.download`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from envlock.lazy import lazy_exports

if TYPE_CHECKING:
    from envlock.net.channels import (
        DEFAULT_CHANNEL_ALIAS,
        channel_name,
        channel_url,
        channel_urls,
        check_channel_alias,
        merge_orders,
        split_package_url,
    )
    from envlock.net.credentials import (
        Access,
        Credentials,
        mask,
        redact,
        scrub_url,
        split_credentials,
    )
    from envlock.net.download import Download, Fetched, download_from, download_of
    from envlock.net.policy import HttpPolicy, policy_from_env, retried_error, retried_status

_HOMES = {
    **dict.fromkeys(
        (
            "DEFAULT_CHANNEL_ALIAS",
            "channel_name",
            "channel_url",
            "channel_urls",
            "check_channel_alias",
            "merge_orders",
            "split_package_url",
        ),
        "channels",
    ),
    **dict.fromkeys(
        ("Access", "Credentials", "mask", "redact", "scrub_url", "split_credentials"),
        "credentials",
    ),
    **dict.fromkeys(("Download", "Fetched", "download_from", "download_of"), "download"),
    **dict.fromkeys(("HttpPolicy", "policy_from_env", "retried_error", "retried_status"), "policy"),
}

__getattr__ = lazy_exports(__name__, _HOMES)

__all__ = [
    "DEFAULT_CHANNEL_ALIAS",
    "Access",
    "Credentials",
    "Download",
    "Fetched",
    "HttpPolicy",
    "channel_name",
    "channel_url",
    "channel_urls",
    "check_channel_alias",
    "download_from",
    "download_of",
    "mask",
    "merge_orders",
    "policy_from_env",
    "redact",
    "retried_error",
    "retried_status",
    "scrub_url",
    "split_credentials",
    "split_package_url",
]
