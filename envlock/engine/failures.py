"""The engine's failures as data: what failed and the facts around it, no advice.

Each is an EnvlockError of the right exit code, so one that reaches the user unworded
still ends the run as it should; its own message states the facts only. The words a
user reads (which option or setting to change, what to try next) are composed by the
caller: envlock.resolve.solver for solving, envlock.create.link for installing.
URLs in these records hold no credentials (the engine is never given any).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from envlock.errors import BadInputError, EnvlockError, WorldFailedError

# Why linking failed. From rattler's text: "no-python" (noarch: python packages without
# python: the set is incomplete), "disk-full", "unpack" (an archive cannot be unpacked),
# "rattler" (anything else rattler raised). From the system: "os-disk-full" (ENOSPC),
# "os" (any other OSError).
InstallCause = Literal["no-python", "disk-full", "unpack", "rattler", "os-disk-full", "os"]


class RepodataUnavailableError(WorldFailedError):
    """The channels' repodata for `platform` could not be fetched (exit 4).

    `detail`: rattler's own text, its URLs bare (no credentials).
    """

    def __init__(self, *, platform: str, detail: str) -> None:
        super().__init__(f"could not fetch the channels' repodata for {platform}: {detail}")
        self.platform = platform
        self.detail = detail


class MissingChannelError(BadInputError):
    """A channel of the request has no noarch repodata while another channel from the
    same place answers: the channel is not there (exit 2; no retry fixes it).

    `name`: the name the request gave the channel; `url`: its bare base URL.
    """

    def __init__(self, *, platform: str, name: str, url: str) -> None:
        super().__init__(f"channel `{name}` has no noarch/repodata.json at {url} ({platform})")
        self.platform = platform
        self.name = name
        self.url = url


class InstallFailedError(EnvlockError):
    """Reading or linking the archives failed; nothing of it is left behind once the
    caller removes `staging`.

    `cause` says why (see `InstallCause`); `detail` is rattler's or the system's text
    (one line); `final` is where the environment was to live. Exit 2 for "no-python"
    (the archives fail the same way every time), else 4.
    """

    def __init__(self, *, cause: InstallCause, detail: str, final: Path, staging: Path) -> None:
        source = f"installing into {final}" if not cause.startswith("os") else "installing"
        super().__init__(f"{source} failed: {detail}")
        self.exit_code = BadInputError.exit_code if cause == "no-python" else 4
        self.cause: InstallCause = cause
        self.detail = detail
        self.final = final
        self.staging = staging


__all__ = ["InstallCause", "InstallFailedError", "MissingChannelError", "RepodataUnavailableError"]
