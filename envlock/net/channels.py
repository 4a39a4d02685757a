"""Channel names, URLs and aliases (credentials: envlock.net.credentials).

A channel is written in many ways: `pytorch`, `pytorch::` in a spec,
`https://conda.anaconda.org/pytorch/linux-64`, `file:///mirror/pytorch`,
`https://user:pass@host/t/<token>/pytorch`. `channel_name` reduces them all to one name
so that locks, exports and prefixes compare; `channel_url` goes the other way.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from envlock.errors import BadInputError
from envlock.net.credentials import is_url, mask, redact, split_credentials
from envlock.net.s3 import check_s3_url
from envlock.platforms import SUBDIRS
from envlock.urls import URL_HINT, shown_url, url_problem

DEFAULT_CHANNEL_ALIAS = "https://conda.anaconda.org"
_ANACONDA_DEFAULTS_HOSTS = ("repo.anaconda.com", "repo.continuum.io")
# conda's `defaults` under the public alias (conda's DEFAULT_CHANNELS_UNIX / _WIN).
ANACONDA_DEFAULTS = ("https://repo.anaconda.com/pkgs/main", "https://repo.anaconda.com/pkgs/r")
ANACONDA_DEFAULTS_WIN = "https://repo.anaconda.com/pkgs/msys2"
DEFAULTS = "defaults"


def check_url(url: str, *, where: str | None = None, what: str = "URL") -> None:
    """BadInputError (exit 2) at `where` unless `url` parses as a URL (envlock.urls): a
    bracketed host left open (`http://[x/...`) or a port that is not a number from 1 to
    65535 would otherwise surface as a ValueError deep inside a reader, or as rattler's
    InvalidChannelError. `what` names the URL's role ("channel", "package URL"). Plain
    names (no `://`) pass: they are not URLs."""
    problem = url_problem(url)
    if problem is not None:
        raise BadInputError(
            f"{what} {shown_url(url)} is not a valid URL ({problem}): {URL_HINT}", where=where
        )


def channel_url(channel: str, alias: str = DEFAULT_CHANNEL_ALIAS) -> str:
    """The base URL of a channel: URLs pass through, names are placed under `alias`."""
    if is_url(channel):
        return channel.rstrip("/")
    return f"{alias.rstrip('/')}/{channel.strip('/')}"


def channel_urls(channel: str, alias: str, platform: str) -> tuple[str, ...]:
    """The base URLs one channel of a request stands for on `platform`.

    Mostly one (`channel_url`). `defaults` under the public alias is what conda makes
    of it: pkgs/main, then pkgs/r (then pkgs/msys2 on win-*), at its position. Under
    any other alias (a mirror) it stays `<alias>/defaults`: a mirror that does not carry
    it is reported as such when its repodata is missing.
    """
    if channel.strip().strip("/") == DEFAULTS and is_default_alias(alias):
        extra = (ANACONDA_DEFAULTS_WIN,) if platform.startswith("win-") else ()
        return (*ANACONDA_DEFAULTS, *extra)
    return (channel_url(channel, alias),)


def is_default_alias(alias: str) -> bool:
    """True for the public conda alias (https://conda.anaconda.org, trailing slash or not)."""
    return alias.strip().rstrip("/").lower() == DEFAULT_CHANNEL_ALIAS


def channel_name(channel: str) -> str:
    """The short name of a channel however it is written (see the module docstring).

    `https://conda.anaconda.org/pytorch/linux-64` → `pytorch`;
    `https://repo.anaconda.com/pkgs/main` → `pkgs/main`; `pytorch::` → `pytorch`;
    `file:///tmp/mirror/conda-forge/noarch/x.conda` is not a channel: pass base URLs.
    """
    channel = channel.strip().rstrip(":").rstrip("/")
    if not is_url(channel):
        return channel
    try:
        parts = urlsplit(redact(channel))
    except ValueError:  # a host that is no host (`http://[x/pytorch`): the last folder
        segments = [s for s in channel.split("://", 1)[1].split("/")[1:] if s]
        if segments and segments[-1] in SUBDIRS:
            segments.pop()
        return segments[-1] if segments else channel
    segments = [s for s in parts.path.split("/") if s]
    if segments and segments[-1] in SUBDIRS:
        segments.pop()
    if parts.hostname in _ANACONDA_DEFAULTS_HOSTS and len(segments) >= 2:
        return "/".join(segments[-2:])
    return segments[-1] if segments else (parts.hostname or channel)


def split_package_url(url: str) -> tuple[str, str, str]:
    """Split a package URL into (channel base URL, subdir, file name).

    `https://conda.anaconda.org/pytorch/linux-64/pytorch-1.13.0-py3.8_0.tar.bz2#md5`
    → (`https://conda.anaconda.org/pytorch`, `linux-64`, `pytorch-1.13.0-py3.8_0.tar.bz2`).
    """
    bare = url.split("#", 1)[0]
    base, filename = bare.rsplit("/", 1)
    channel, subdir = base.rsplit("/", 1)
    return channel, subdir, filename


def check_channel_alias(alias: str) -> None:
    """BadInputError (exit 2) unless `alias` is a file://, http://, https:// or s3:// base
    URL whose credentials (if any) envlock can send; the message shows the alias masked.
    An s3:// alias names a bucket and takes its credentials from the AWS variables."""
    if any(c.isspace() or not c.isprintable() for c in alias):
        raise BadInputError(
            f"--channel-alias {shown_url(alias)}: a URL holds no spaces or control "
            "characters (percent-encode them, e.g. %20)"
        )
    check_url(alias, what="--channel-alias")
    scheme = alias.split("://", 1)[0].lower() if is_url(alias) else ""
    if scheme not in ("file", "http", "https", "s3"):
        raise BadInputError(
            f"--channel-alias {mask(alias)}: expected a base URL (file://, http://, "
            "https:// or s3://) under which channels are found by name, e.g. "
            "https://conda.anaconda.org, file:///srv/mirror or s3://bucket/conda"
        )
    if scheme == "s3":
        check_s3_url(alias, "--channel-alias")
        return
    parts = urlsplit(alias)
    if scheme != "file" and not parts.hostname:
        raise BadInputError(f"--channel-alias {mask(alias)}: the URL names no host")
    if scheme == "file" and (
        ":" in parts.netloc or "@" in parts.netloc or not parts.path.strip("/")
    ):
        raise BadInputError(
            f"--channel-alias {mask(alias)}: a file:// URL names a folder below the root, "
            "with no port or credentials: file:///srv/mirror"
        )
    try:
        split_credentials(alias)
    except BadInputError as error:
        raise BadInputError(f"--channel-alias: {error.message}") from None


def merge_orders(orders: Sequence[Sequence[str]], prefer: Sequence[str] = ()) -> tuple[str, ...]:
    """One priority order that keeps every given order (a topological merge).

    `[[pytorch, pyg, conda-forge], [pytorch, nvidia, pyg, conda-forge]]` →
    `(pytorch, nvidia, pyg, conda-forge)`: nvidia stays above conda-forge although the
    first order lacks it. Channels no order ranks against each other (a tie) come in
    `prefer`'s order (the recipe's own list), then in the order they first appear,
    reading the orders one after another; so pass the orders in a fixed order (sorted
    by platform) for output that does not depend on the caller's. Orders that
    contradict each other (a cycle) are settled the same way: the first channel still
    waiting goes next.
    """
    ranked = {c: i for i, c in enumerate(dict.fromkeys(prefer))}
    first: dict[str, int] = {}
    after: dict[str, set[str]] = {}  # channel -> the channels some order puts above it
    for order in orders:
        unique = list(dict.fromkeys(order))
        for i, channel in enumerate(unique):
            first.setdefault(channel, len(first))
            after.setdefault(channel, set()).update(unique[:i])
    merged: list[str] = []
    waiting = sorted(first, key=lambda c: (ranked.get(c, len(ranked)), first[c]))
    while waiting:
        placed = set(merged)
        ready = next((c for c in waiting if after[c] <= placed), waiting[0])
        merged.append(ready)
        waiting.remove(ready)
    return tuple(merged)


__all__ = [
    "ANACONDA_DEFAULTS",
    "ANACONDA_DEFAULTS_WIN",
    "DEFAULTS",
    "DEFAULT_CHANNEL_ALIAS",
    "channel_name",
    "channel_url",
    "channel_urls",
    "check_channel_alias",
    "check_url",
    "is_default_alias",
    "merge_orders",
    "split_package_url",
]
