"""What the channels hold for requested names, and why a solve has no answer, as data.

When rattler finds a request unsatisfiable it raises a `SolverError` whose only content is
an English explanation. This module turns that moment into an `Unsatisfiable` record from
structured queries (one `Gateway.query` of the requested names, `Gateway.names` per
channel): which requested specs have no candidate at all, what the channels offer for
the names involved (split at the cutoff), which channels lack the platform's subdir.
The explanation text is kept for display; the words around it are composed by the
caller (envlock.resolve.unsatisfiable).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from envlock.engine.request import Request, subdirs

if TYPE_CHECKING:
    from rattler import Gateway, RepoDataRecord


@dataclass(frozen=True, kw_only=True, slots=True)
class Offer:
    """What the channels hold for one package name on one platform.

    `versions` and `builds` are what the solver could see (published by the cutoff, or
    undated); `after_cutoff` the versions published only after it. Versions are newest
    first in rattler's order; `builds` are (version, build string) pairs.
    """

    name: str
    platform: str
    versions: tuple[str, ...]
    builds: tuple[tuple[str, str], ...] = ()
    cutoff: dt.datetime | None = None  # the request's exclude_newer, in UTC
    after_cutoff: tuple[str, ...] = ()
    # True when every version of `after_cutoff` is newer than every version of `versions`
    # (the cutoff alone hides the newer releases).
    newer_after_cutoff: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class Unsatisfiable:
    """Why one platform's request has no solution.

    `conflict`: requested names rattler's explanation involves, in request order.
    `no_candidates`: requested specs (as given) that no record of the channels matches
    by the cutoff; `unknown`: requested names no channel carries for the platform
    (nor in noarch).
    `offers`: what the channels hold for the names in `conflict` or `no_candidates`
    (request order; a name nobody carries has none). `lacking_subdir`: names of the
    channels without any package for the platform; `searched`: how many channels were
    searched. `explanation`: rattler's own words, for display.
    """

    platform: str
    explanation: str
    conflict: tuple[str, ...] = ()
    no_candidates: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    offers: tuple[Offer, ...] = ()
    lacking_subdir: tuple[str, ...] = ()
    searched: int = 0

    def offer(self, name: str) -> Offer | None:
        """The offer for `name`, None when the channels carry no such package."""
        return next((o for o in self.offers if o.name == name), None)


async def unsatisfiable(gateway: Gateway, request: Request, text: str) -> Unsatisfiable:
    """The facts of an unsatisfiable `request` (`text`: the SolverError's message).

    The queries are a courtesy around the conflict rattler reports: one that fails
    leaves its fields empty rather than hiding the answer.
    """
    from envlock.engine.rattler_text import read_rattler_text  # a failed solve only

    said = read_rattler_text(text)
    names = _requested_names(request)
    conflict = tuple(n for n in names if n in said.words)
    try:
        no_candidates, unknown, offered = await _what_is_there(gateway, request, names, conflict)
    except Exception:  # suggestions are a courtesy; the conflict is the answer
        no_candidates, unknown, offered = (), (), ()
    try:
        lacking = await _channels_without(gateway, request)
    except Exception:  # as above
        lacking = []
    return Unsatisfiable(
        platform=request.platform,
        explanation=said.explanation,
        conflict=conflict,
        no_candidates=no_candidates,
        unknown=unknown,
        offers=offered,
        lacking_subdir=tuple(lacking),
        searched=len(request.channels),
    )


# ---------------------------------------------------------------- internals


async def _what_is_there(
    gateway: Gateway, request: Request, names: Sequence[str], conflict: Sequence[str]
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[Offer, ...]]:
    """(specs without candidates, names nobody carries, offers for the names involved)."""
    records = await _records_of(gateway, request, names)
    no_candidates = _without_candidates(request, records)
    unknown = tuple(n for n in names if not n.startswith("__") and not records.get(n))
    wanted = set(conflict) | {_name(s) for s in no_candidates}
    offered = tuple(_offer(request, n, records[n]) for n in names if n in wanted and records.get(n))
    return no_candidates, unknown, offered


async def _channels_without(gateway: Gateway, request: Request) -> list[str]:
    """Names of the request's channels that have no packages at all for its platform."""
    from rattler import Subdir

    if request.platform == "noarch":
        return []
    missing = []
    for url, name in request.channels:
        names = await gateway.names([url], [Subdir(request.platform)])
        if not names:
            missing.append(name)
    return missing


def _requested_names(request: Request) -> list[str]:
    names: list[str] = []
    for spec in request.solver_specs:
        name = _name(spec)
        if name and name not in names:
            names.append(name)
    return names


def _name(spec: str) -> str:
    """The lower-case package name of a matchspec rattler reads ("" when it has none)."""
    from rattler import MatchSpec

    try:
        name = MatchSpec(spec).name
    except Exception:  # a spec rattler refuses was reported before solving
        return ""
    return str(name.normalized).lower() if name is not None else ""


async def _records_of(
    gateway: Gateway, request: Request, names: Sequence[str]
) -> dict[str, list[RepoDataRecord]]:
    """Every record of `names` in the request's channels (platform and noarch)."""
    result = await gateway.query(
        [url for url, _ in request.channels],
        subdirs(request.platform),
        [n for n in names if not n.startswith("__")],
        recursive=False,
    )
    by_name: dict[str, list[RepoDataRecord]] = {}
    for records in result:
        for record in records:
            by_name.setdefault(record.name.normalized, []).append(record)
    return by_name


def _without_candidates(
    request: Request, records: Mapping[str, Sequence[RepoDataRecord]]
) -> tuple[str, ...]:
    """The requested specs no record matches (by the cutoff; under strict priority, in the
    first channel that carries the name, as the solver sees it). Virtual packages skipped."""
    from rattler import MatchSpec

    cutoff = utc(request.exclude_newer)
    rank = {url: i for i, (url, _) in enumerate(request.channels)}
    out: list[str] = []
    for spec, solver_spec in zip(request.specs, request.solver_specs, strict=True):
        name = _name(solver_spec)
        if not name or name.startswith("__"):
            continue
        seen = [r for r in records.get(name, ()) if cutoff is None or published_by(r, cutoff)]
        if request.strict and seen:
            first = min(rank.get(_base(r), len(rank)) for r in seen)
            seen = [r for r in seen if rank.get(_base(r), len(rank)) == first]
        match: Any = MatchSpec(solver_spec)
        if not any(match.matches(r) for r in seen):
            out.append(spec)
    return tuple(out)


def _base(record: RepoDataRecord) -> str:
    return record.channel.rstrip("/") if record.channel else ""


def _offer(request: Request, name: str, every: Sequence[RepoDataRecord]) -> Offer:
    from rattler.version import Version

    cutoff = utc(request.exclude_newer)
    # As the solver sees them: published by the cutoff (no date: kept, as in the solve).
    records = [r for r in every if cutoff is None or published_by(r, cutoff)]
    versions = sorted({str(r.version) for r in records}, key=Version, reverse=True)
    later = sorted({str(r.version) for r in every} - set(versions), key=Version, reverse=True)
    order = {v: i for i, v in enumerate(versions)}
    builds = sorted(
        {(str(r.version), str(r.build)) for r in records}, key=lambda vb: (order[vb[0]], vb[1])
    )
    return Offer(
        name=name,
        platform=request.platform,
        versions=tuple(versions),
        builds=tuple(builds),
        cutoff=cutoff,
        after_cutoff=tuple(later),
        newer_after_cutoff=bool(later)
        and (not versions or all(Version(v) > Version(versions[0]) for v in later)),
    )


def utc(when: dt.datetime | None) -> dt.datetime | None:
    """`when` as an aware datetime (a naive one is read as UTC)."""
    if when is None:
        return None
    return when.replace(tzinfo=dt.timezone.utc) if when.tzinfo is None else when


def published_by(record: RepoDataRecord, cutoff: dt.datetime) -> bool:
    """rattler's rule: the indexed timestamp when there is one, else the build's; equal is in."""
    stamp = utc(record.indexed_timestamp or record.timestamp)
    return stamp is None or stamp <= cutoff


__all__ = ["Offer", "Unsatisfiable", "unsatisfiable"]
