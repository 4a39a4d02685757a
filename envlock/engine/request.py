"""What one platform's solve asks of the engine: a `Request`, and the subdirs it reads.

Kept apart from envlock.engine.solve so that envlock.engine.candidates (the facts of an
unsatisfiable request) can take it without importing the solver back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from envlock.models import ChannelPriority, VirtualPackage


@dataclass(frozen=True, kw_only=True, slots=True)
class Request:
    """One platform's solve, as the engine takes it.

    `channels`: (base URL without credentials, name) in priority order; results name
    their channel by that name. `specs`: conda matchspecs as the caller wrote them
    (reported back as they are); a `channel::` prefix of a spec is replaced by its URL
    in `spec_channels` before solving (a bare channel name would be read against the
    public alias).
    """

    platform: str
    specs: tuple[str, ...]
    channels: tuple[tuple[str, str], ...]
    spec_channels: Mapping[str, str] = field(default_factory=dict)
    virtual_packages: tuple[VirtualPackage, ...] = ()
    channel_priority: ChannelPriority = "strict"
    exclude_newer: dt.datetime | None = None

    @property
    def strict(self) -> bool:
        return self.channel_priority == "strict"

    @property
    def solver_specs(self) -> tuple[str, ...]:
        """`specs` with every `channel::` prefix named by URL (in the order of `specs`)."""
        out = []
        for spec in self.specs:
            channel, sep, rest = spec.partition("::")
            url = self.spec_channels.get(channel) if sep else None
            out.append(f"{url}::{rest}" if url else spec)
        return tuple(out)

    @property
    def urls(self) -> dict[str, str]:
        """Channel URL → name, in priority order."""
        return dict(self.channels)


def subdirs(platform: str) -> list[Any]:
    """rattler Subdirs a solve for `platform` reads: the platform's and noarch."""
    from rattler import Subdir

    return [Subdir(platform), Subdir("noarch")]


__all__ = ["Request", "subdirs"]
