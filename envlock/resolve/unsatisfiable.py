"""The words of an unsatisfiable resolve, composed from the engine's facts.

envlock.engine.candidates.Unsatisfiable says what the channels hold (versions by and
after the cutoff, builds, channels lacking the platform); this module turns it into the
exit-1 paragraph: the conflict in rattler's words, then what the channels offer, with
each offered version's builds read as CUDA / CPU / python / torch variants.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from envlock.engine.versions import sorted_versions
from envlock.models import SpecSet
from envlock.net.channels import channel_name
from envlock.stacks.cuda import variant_of

if TYPE_CHECKING:  # the facts' types; the module is loaded when a solve has failed
    from envlock.engine.candidates import Offer, Unsatisfiable

_SHOWN_VERSIONS = 8
_SHOWN_VARIANTS = 3


def unsatisfiable_message(specset: SpecSet, facts: Unsatisfiable) -> str:
    """The exit-1 paragraph for `specset` (the request) and `facts` (why it has no answer).

    Channels lacking the platform are said first, since rattler then only reports "No
    candidates were found" for the first spec it tried; then rattler's explanation; then
    what the channels offer for each requested name the explanation involves.
    """
    lacking = facts.lacking_subdir
    searched = facts.searched or len(specset.channels)
    lines = [
        f"no set of packages satisfies the request for {specset.platform} "
        f"(channels {', '.join(channel_name(c) for c in specset.channels)}, "
        f"priority {specset.channel_priority}"
        + (f", exclude_newer {specset.exclude_newer.isoformat()}" if specset.exclude_newer else "")
        + "):",
    ]
    every = bool(lacking) and len(lacking) >= searched
    if lacking:
        lines.append(
            ("none of the channels has" if every else "these channels have no")
            + f" {specset.platform} repodata: {', '.join(lacking)}"
            + (" (only their noarch packages were searched, and they do not satisfy it)"
               if every else "")
            + f"; check that the mirror or channel serves {specset.platform}, "
            "or resolve for a platform it carries"
        )  # fmt: skip
    lines.append(facts.explanation)
    for name in facts.conflict:
        offer = facts.offer(name)
        if offer is not None:
            lines += offer_lines(offer, near=_requested_prefix(specset, name))
    if every:
        lines.append("Nothing was written.")
    else:
        lines.append(
            "Relax the conflicting version in the recipe, or pick a combination the channels "
            "offer; nothing was written."
        )
    return "\n".join(lines)


def offer_lines(offer: Offer, *, near: str | None = None) -> list[str]:
    """`the channels offer numpy 1.24.2, 1.23.5 published by 2023-03-01`, the builds of
    the versions nearest `near` (a requested version prefix such as `1.5`; else the
    newest), and the versions published only after the cutoff."""
    by = f" published by {_day(offer.cutoff)}" if offer.cutoff else ""
    lines = []
    if offer.versions:
        shown = ", ".join(offer.versions[:_SHOWN_VERSIONS])
        more = (
            f" (+{len(offer.versions) - _SHOWN_VERSIONS} older)"
            if len(offer.versions) > _SHOWN_VERSIONS
            else ""
        )
        lines.append(f"the channels offer {offer.name} {shown}{more}{by}")
    else:
        lines.append(f"the channels offer no {offer.name}{by}")
    # Describe the versions nearest the request (`pytorch 1.5.*` → 1.5.x), else newest.
    close = [v for v in offer.versions if near and (v == near or v.startswith(near + "."))]
    for version in (close or list(offer.versions))[:_SHOWN_VARIANTS]:
        builds = [b for v, b in offer.builds if v == version]
        if desc := describe_builds(offer.name, version, builds):
            lines.append(f"  {offer.name} {version}: {desc}")
    if offer.after_cutoff and offer.cutoff:
        later = offer.after_cutoff
        if offer.newer_after_cutoff:
            what = f"{later[-1]} and newer exist" if len(later) > 1 else f"{later[0]} exists"
        else:
            what = ", ".join(later[:_SHOWN_VERSIONS]) + " exist"
        was = "was" if what.endswith("exists") else "were"
        lines.append(
            f"{offer.name} {what} but {was} published after the cutoff {_day(offer.cutoff)}"
        )
    return lines


def describe_builds(name: str, version: str, builds: list[str]) -> str:
    """`torch 1.13, 2.0; cuda 11.6, 11.7, cpu; python 3.8, 3.9` from the builds of one
    version (torch only for extensions whose builds name it, such as pyg)."""
    cudas: set[str] = set()
    pythons: set[str] = set()
    torches: set[str] = set()
    cpu = False
    for build in builds:
        variant = variant_of(name, version, build)
        if variant.cuda:
            cudas.add(variant.cuda)
        cpu = cpu or variant.cpu
        if variant.python:
            pythons.add(variant.python)
        if variant.torch:
            torches.add(variant.torch)
    parts = []
    if torches:  # a torch extension (pyg, pytorch-scatter): built against these torches
        parts.append("torch " + ", ".join(sorted_versions(torches)))
    kinds = sorted_versions(cudas) + (["cpu"] if cpu else [])
    if cudas:
        parts.append("cuda " + ", ".join(kinds))
    elif cpu:
        parts.append("cpu")
    if pythons:
        parts.append("python " + ", ".join(sorted_versions(pythons)))
    return "; ".join(parts)


def _requested_prefix(specset: SpecSet, name: str) -> str | None:
    """`1.5` for a request `pytorch 1.5.* ...` / `pytorch=1.5` / `pytorch==1.5.1`, else None."""
    for spec in specset.specs:
        parts = re.split(r"[\s=]+", spec.strip().rsplit("::", 1)[-1], maxsplit=2)
        if len(parts) >= 2 and parts[0] == name:
            match = re.match(r"[<>=!~]*\s*(\d+(?:\.\d+)*)", parts[1])
            if match:
                return match.group(1)
    return None


def _day(when: dt.datetime) -> str:
    """`2021-12-31` for midnight UTC, else the full timestamp."""
    when = when.astimezone(dt.timezone.utc)
    if (when.hour, when.minute, when.second, when.microsecond) == (0, 0, 0, 0):
        return when.date().isoformat()
    return when.isoformat()


__all__ = ["describe_builds", "offer_lines", "unsatisfiable_message"]
