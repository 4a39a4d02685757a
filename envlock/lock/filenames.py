"""Conda package file names and URLs → envlock Packages.

A conda archive is named `<name>-<version>-<build>.conda` (or `.tar.bz2`); names may
contain dashes, versions and builds may not, so the last two dashes split it. A package
URL is `<channel base>/<subdir>/<file name>`, optionally followed by a `#fragment`
holding its hash: `#<32 hex>` is an md5 (conda list --explicit --md5, conda-lock render),
`#sha256:<64 hex>` or a bare 64-hex fragment a sha256.
"""

from __future__ import annotations

import re

from envlock.errors import BadInputError
from envlock.limits import excerpt
from envlock.models import Package
from envlock.net.channels import channel_name, check_url, split_package_url
from envlock.net.credentials import mask
from envlock.platforms import SUBDIRS

ARCHIVE_SUFFIXES: tuple[str, ...] = (".conda", ".tar.bz2")
_MD5 = re.compile(r"[0-9a-fA-F]{32}")
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


def parse_package_filename(fn: str, *, where: str | None = None) -> tuple[str, str, str]:
    """(name, version, build) from a conda archive file name.

    `pytorch-1.13.0-py3.8_cuda11.7_cudnn8.5.0_0.tar.bz2` →
    (`pytorch`, `1.13.0`, `py3.8_cuda11.7_cudnn8.5.0_0`); `cuda-nvrtc-11.7.99-0.conda` →
    (`cuda-nvrtc`, `11.7.99`, `0`). Anything else is a BadInputError.
    """
    parts = _split_filename(fn)
    if parts is None:
        raise _not_a_filename(fn, where)
    return parts


def _split_filename(fn: str) -> tuple[str, str, str] | None:
    stem = None
    for suffix in ARCHIVE_SUFFIXES:
        if fn.endswith(suffix):
            stem = fn[: -len(suffix)]
            break
    parts = stem.rsplit("-", 2) if stem is not None else []
    if len(parts) != 3 or not all(parts):
        return None
    return parts[0], parts[1], parts[2]


def _not_a_filename(shown: str, where: str | None) -> BadInputError:
    return BadInputError(
        f"{excerpt(shown)!r} is not a conda package file name: expected "
        "<name>-<version>-<build>.conda or .tar.bz2",
        where=where,
    )


def split_hash_fragment(fragment: str) -> tuple[str | None, str | None]:
    """(md5, sha256) from a URL fragment; (None, None) for an empty fragment.

    Accepts `<32 hex>`, `md5:<hex>`, `md5=<hex>`, `sha256:<hex>`, `sha256=<hex>` and a
    bare 64-hex sha256. Hex digits are lower-cased. Anything else is a ValueError.
    """
    if not fragment:
        return None, None
    kind, sep, value = fragment.partition(":") if ":" in fragment else fragment.partition("=")
    if not sep:
        kind, value = "", fragment
    kind = kind.strip().lower()
    value = value.strip()
    if kind in ("", "md5") and _MD5.fullmatch(value):
        return value.lower(), None
    if kind in ("", "sha256") and _SHA256.fullmatch(value):
        return None, value.lower()
    raise ValueError(f"#{fragment} is neither an md5 (32 hex digits) nor a sha256 (64)")


def package_from_url(url: str, *, platform: str | None = None, where: str | None = None) -> Package:
    """A conda Package described by its archive URL (and hash fragment, if any).

    The channel is the short name of the URL's base (`conda-forge`, `pkgs/main`,
    `pytorch`); the subdir is the URL's parent folder. `platform` stands in as the subdir
    when that folder is not a conda subdir (a flat mirror). The stored `url` carries no
    fragment: the hash goes to `md5` / `sha256`. Bad URLs raise BadInputError at `where`;
    its message shows the URL masked (envlock.net.credentials.mask), never a credential.
    """
    url = url.strip()
    check_url(url, where=where, what="package URL")
    bare, _, fragment = url.partition("#")
    try:
        md5, sha256 = split_hash_fragment(fragment)
    except ValueError as exc:
        raise BadInputError(f"{excerpt(mask(url))}: {excerpt(str(exc))}", where=where) from None
    if "/" not in bare:
        raise BadInputError(f"{excerpt(mask(url))!r} is not a package URL", where=where)
    if bare.count("/") >= 2:
        base, subdir, filename = split_package_url(bare)
    else:
        base, filename = bare.rsplit("/", 1)
        subdir = ""
    if subdir not in SUBDIRS:
        # A flat layout (…/channel/<file>): the folder is the channel, not a subdir.
        base = f"{base}/{subdir}" if subdir else base
        subdir = platform or ""
    parts = _split_filename(filename)
    if parts is None:
        # The "file name" of `https://user:pw@host` or `https://host/t/<token>` is the
        # secret itself: name the last part of the masked URL instead.
        raise _not_a_filename(mask(bare).rsplit("/", 1)[-1], where)
    name, version, build = parts
    return Package(
        name=name,
        version=version,
        build=build,
        channel=channel_name(base) if base else None,
        subdir=subdir or None,
        url=bare,
        md5=md5,
        sha256=sha256,
        manager="conda",
    )
