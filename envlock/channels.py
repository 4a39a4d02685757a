"""Channel names, URLs and aliases; credentials never leave this module in clear.

A channel is written in many ways: `pytorch`, `pytorch::` in a spec,
`https://conda.anaconda.org/pytorch/linux-64`, `file:///mirror/pytorch`,
`https://user:pass@host/t/<token>/pytorch`. `channel_name` reduces them all to one name
so that locks, exports and prefixes compare; `channel_url` goes the other way.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from envlock.platforms import SUBDIRS

DEFAULT_CHANNEL_ALIAS = "https://conda.anaconda.org"
_ANACONDA_DEFAULTS_HOSTS = ("repo.anaconda.com", "repo.continuum.io")
_TOKEN = re.compile(r"/t/[^/]+")


def is_url(channel: str) -> bool:
    """True for `scheme://...` channels (file, http, https, s3 ...)."""
    return "://" in channel


def redact(url: str) -> str:
    """Remove `user:password@` and `/t/<token>` from a URL; leave anything else alone."""
    if not is_url(url):
        return url
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    path = _TOKEN.sub("", parts.path)
    return urlunsplit((parts.scheme, netloc, path, parts.query, parts.fragment))


def channel_url(channel: str, alias: str = DEFAULT_CHANNEL_ALIAS) -> str:
    """The base URL of a channel: URLs pass through, names are placed under `alias`."""
    if is_url(channel):
        return channel.rstrip("/")
    return f"{alias.rstrip('/')}/{channel.strip('/')}"


def channel_name(channel: str) -> str:
    """The short name of a channel however it is written (see the module docstring).

    `https://conda.anaconda.org/pytorch/linux-64` → `pytorch`;
    `https://repo.anaconda.com/pkgs/main` → `pkgs/main`; `pytorch::` → `pytorch`;
    `file:///tmp/mirror/conda-forge/noarch/x.conda` is not a channel: pass base URLs.
    """
    channel = channel.strip().rstrip(":").rstrip("/")
    if not is_url(channel):
        return channel
    parts = urlsplit(redact(channel))
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
