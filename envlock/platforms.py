"""Conda platforms (subdirs) envlock knows, the host's own, and the host's cache folder."""

from __future__ import annotations

import os
import platform as _platform
import sys
from pathlib import Path

from envlock.errors import BadInputError

KNOWN_PLATFORMS: tuple[str, ...] = (
    "linux-64",
    "linux-aarch64",
    "linux-ppc64le",
    "osx-64",
    "osx-arm64",
    "win-64",
    "win-arm64",
)
SUBDIRS: tuple[str, ...] = (
    *KNOWN_PLATFORMS,
    "noarch",
    "linux-32",
    "win-32",
    "linux-s390x",
    "linux-armv7l",
    "zos-z",
    "emscripten-wasm32",
    "wasi-wasm32",
)


def host_platform() -> str:
    """The conda platform of the machine running envlock."""
    machine = _platform.machine().lower()
    arch = {
        "x86_64": "64",
        "amd64": "64",
        "aarch64": "aarch64",
        "arm64": "arm64",
        "ppc64le": "ppc64le",
    }.get(machine, machine)
    if sys.platform.startswith("linux"):
        return f"linux-{arch}"
    if sys.platform == "darwin":
        return "osx-arm64" if arch in ("arm64", "aarch64") else "osx-64"
    if sys.platform == "win32":
        return "win-arm64" if arch in ("arm64", "aarch64") else "win-64"
    return f"{sys.platform}-{arch}"


def check_platform(name: str, *, where: str | None = None) -> str:
    """Return `name` if it is a platform envlock targets, else raise BadInputError (exit 2)."""
    if name in KNOWN_PLATFORMS:
        return name
    raise BadInputError(
        f"unknown platform {name!r}: use one of {', '.join(KNOWN_PLATFORMS)}", where=where
    )


def cache_root() -> Path:
    """envlock's folder under the user's cache folder, as the host's system places it:
    `%LOCALAPPDATA%\\envlock` on Windows, `~/Library/Caches/envlock` on macOS, else
    `$XDG_CACHE_HOME/envlock` or `~/.cache/envlock`. The repodata cache and the package
    cache live below it unless ENVLOCK_CACHE_DIR / ENVLOCK_PKGS_DIR say otherwise."""
    if os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "envlock"


def os_of(platform: str) -> str:
    """'linux', 'osx' or 'win' for a platform such as 'linux-64'."""
    return platform.split("-", 1)[0]
