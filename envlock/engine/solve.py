"""The rattler adapter for solving: SpecSets in, envlock Packages out, errors mapped.

Every platform of a resolve is solved concurrently through one `Gateway` (repodata is
fetched once and shared). rattler's solver runs in its own threads, outside the GIL, so
three platforms on two cores take well under three times one platform (bench/).

Channels in a SpecSet are names (or URLs); names are placed under the channel alias
(`file:///mirror`, `https://conda.anaconda.org`). Records come back with their channel
as a URL: it is mapped back to the name the SpecSet used, and the package URL is
redacted, so neither the alias' credentials nor a token ever reach a lock.

Credentials never reach a file at all, the repodata cache included: the Gateway is
given channel URLs without `user:password@` or `/t/<token>`, and rattler's
AuthenticationMiddleware adds them per request from an authentication file that exists
only for the run (an in-memory file on Linux, else a 0600 file in a private temp
folder, deleted afterwards). Messages show the URL masked (`/t/<TOKEN>/`).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from envlock.engine.access import Access, access_for, auth_file, new_gateway
from envlock.engine.runtime import run
from envlock.errors import AnswerIsNoError, BadInputError, WorldFailedError
from envlock.models import Package, SpecSet
from envlock.net.channels import DEFAULTS, channel_name, channel_urls, redact, split_credentials
from envlock.specnames import dependency_name
from envlock.stacks.buildtags import variant_of

if TYPE_CHECKING:
    from rattler import Gateway, RepoDataRecord

# `No candidates were found for pytorch 1.5.*`, `├─ pytorch 1.13.* cannot be installed`
_NAME_IN_MESSAGE = re.compile(r"(?<![\w.\-])([a-z0-9][a-z0-9_.\-]*)(?=[ ,:]|$)", re.MULTILINE)
_SHOWN_VERSIONS = 8
_SHOWN_VARIANTS = 3
# rattler: `could not find subdir 'noarch' in channel 'file:///m/defaults/'`
_MISSING_SUBDIR = re.compile(r"could not find subdir '([^']+)' in channel '([^']+)'")


@dataclass(frozen=True, kw_only=True, slots=True)
class Solved:
    """One platform's solution: packages sorted by name, and the wall time it took."""

    platform: str
    packages: tuple[Package, ...]
    seconds: float


@dataclass(frozen=True, kw_only=True, slots=True)
class Offer:
    """What the channels offer for one package name on one platform (for suggestions)."""

    name: str
    platform: str
    versions: tuple[str, ...]  # newest first (published by the cutoff, when there is one)
    variants: tuple[tuple[str, str], ...] = ()  # (version, "cuda 11.7, 11.8, cpu") newest few
    cutoff: dt.datetime | None = None  # the SpecSet's exclude_newer
    after_cutoff: tuple[str, ...] = ()  # versions published only after the cutoff, newest first


def solve_platforms(
    specsets: Sequence[SpecSet],
    *,
    channel_alias: str,
    cache_dir: Path,
    locked: Mapping[str, Sequence[Package]] | None = None,
    update: Collection[str] = (),
) -> dict[str, Solved]:
    """Solve every SpecSet (one per platform) concurrently; all succeed or one error.

    `locked` (per platform) are the packages of an existing lock: with `update`, every
    locked package except those named in `update` is preferred as it is (rattler's
    `locked_packages`), so only the updated packages and what they drag along move.
    Raises AnswerIsNoError (unsatisfiable, with what the channels do offer),
    BadInputError (an invalid matchspec) or WorldFailedError (fetching repodata failed).
    """
    access = access_for(specsets, channel_alias)
    with auth_file(access) as path:
        return run(
            _solve_all(
                specsets,
                channel_alias,
                where=(cache_dir, path),
                access=access,
                locked=locked or {},
                update=frozenset(update),
            )
        )


def offers(
    specset: SpecSet, names: Sequence[str], *, channel_alias: str, cache_dir: Path
) -> list[Offer]:
    """What the SpecSet's channels offer for `names` on its platform (names not found: no entry)."""
    access = access_for([specset], channel_alias)
    with auth_file(access) as path:

        async def query() -> list[Offer]:
            return await _offers(new_gateway(cache_dir, path), specset, names, channel_alias)

        return run(query())


# ---------------------------------------------------------------- internals


async def _solve_all(
    specsets: Sequence[SpecSet],
    alias: str,
    *,
    where: tuple[Path, Path | None],  # the repodata cache, the auth file
    access: Access,
    locked: Mapping[str, Sequence[Package]],
    update: frozenset[str],
) -> dict[str, Solved]:
    import asyncio

    gateway = new_gateway(*where)
    tasks = [
        asyncio.ensure_future(_solve_one(gateway, s, alias, locked.get(s.platform, ()), update))
        for s in specsets
    ]
    # Wait for all, then report the first failure in platform order (deterministic).
    results = await asyncio.gather(*tasks, return_exceptions=True)
    solved: dict[str, Solved] = {}
    for specset, result in zip(specsets, results, strict=True):
        if isinstance(result, BaseException):
            raise await _map_error(result, gateway, specset, alias, access)
        solved[specset.platform] = result
    return solved


async def _solve_one(
    gateway: Gateway,
    specset: SpecSet,
    alias: str,
    locked: Sequence[Package],
    update: frozenset[str],
) -> Solved:
    import rattler
    from rattler import ChannelPriority

    started = time.perf_counter()
    urls = _channel_urls(specset, alias)
    specs = [_match_spec(_with_channel_url(s, urls), specset) for s in specset.specs]
    locked_records = await _locked_records(gateway, specset, urls, locked, update) if locked else []
    records = await rattler.solve(
        list(urls),
        specs,
        gateway=gateway,
        platforms=_subdirs(specset.platform),
        virtual_packages=_virtual_packages(specset),
        channel_priority=(
            ChannelPriority.Strict
            if specset.channel_priority == "strict"
            else ChannelPriority.Disabled
        ),
        exclude_newer=_utc_naive(specset.exclude_newer),
        # Records without any date predate repodata timestamps (before ~2017): keep them.
        timestamp_policy="allow-missing",
        locked_packages=locked_records,
    )
    packages = tuple(sorted((to_package(r, urls) for r in records), key=lambda p: p.name))
    return Solved(
        platform=specset.platform, packages=packages, seconds=time.perf_counter() - started
    )


def _subdirs(platform: str) -> list[Any]:
    from rattler import Subdir

    return [Subdir(platform), Subdir("noarch")]


def _channel_urls(specset: SpecSet, alias: str) -> dict[str, str]:
    """Channel base URL without credentials (no trailing slash) → the name the SpecSet used,
    in priority order. The credentials travel through the auth file (`auth_file`).

    `defaults` under the public alias stands for several channels (pkgs/main, pkgs/r,
    see envlock.net.channels.channel_urls): each is named as conda names it (`pkgs/main`).
    """
    out: dict[str, str] = {}
    for ch in specset.channels:
        urls = channel_urls(ch, alias, specset.platform)
        for url in urls:
            name = channel_name(ch) if len(urls) == 1 else channel_name(url)
            out.setdefault(split_credentials(url.rstrip("/"))[0], name)
    return out


def _with_channel_url(spec: str, urls: Mapping[str, str]) -> str:
    """`pytorch::pytorch 2.0.1` → `<alias>/pytorch::pytorch 2.0.1`.

    rattler resolves a bare `channel::` against the public alias, so on a mirror it would
    reject every candidate ("not in requested channel"); name it by the URL we solve with.
    """
    channel, sep, rest = spec.partition("::")
    if not sep or "://" in channel:
        return spec
    wanted = channel_name(channel)
    if wanted == DEFAULTS and wanted not in urls.values():
        wanted = "pkgs/main"  # `defaults` expanded (one channel per spec: the main one)
    for url, name in urls.items():
        if name == wanted:
            return f"{url}::{rest}"
    return spec


def _match_spec(spec: str, specset: SpecSet) -> Any:
    from rattler import MatchSpec
    from rattler.exceptions import InvalidMatchSpecError

    try:
        # MatchSpec objects parse build globs with dots (`*cuda11.7*`); strings in solve don't.
        return MatchSpec(spec)
    except InvalidMatchSpecError as error:
        raise BadInputError(
            f"{spec!r} is not a valid conda matchspec ({specset.platform}): {error}; "
            "write it as `name version build`, e.g. `numpy >=1.23,<1.24`"
        ) from None


def _virtual_packages(specset: SpecSet) -> list[Any]:
    from rattler import BuildString, GenericVirtualPackage, PackageName, Version

    return [
        GenericVirtualPackage(PackageName(v.name), Version(v.version), BuildString(v.build))
        for v in specset.virtual_packages
    ]


def _utc_naive(when: dt.datetime | None) -> dt.datetime | None:
    """rattler reads a datetime as UTC by replacing its tzinfo: convert, don't relabel."""
    if when is None or when.tzinfo is None:
        return when
    return when.astimezone(dt.timezone.utc).replace(tzinfo=None)


def to_package(record: RepoDataRecord, urls: Mapping[str, str] | None = None) -> Package:
    """An envlock Package from a rattler RepoDataRecord (URL redacted, channel by name)."""
    base = record.channel.rstrip("/") if record.channel else ""
    channel = (urls or {}).get(base) or (channel_name(base) if base else None)
    stamp = record.timestamp
    return Package(
        name=record.name.normalized,
        version=str(record.version),
        build=str(record.build),
        build_number=int(record.build_number),
        channel=channel,
        subdir=str(record.subdir),
        url=redact(str(record.url)),
        md5=record.md5.hex() if record.md5 else None,
        sha256=record.sha256.hex() if record.sha256 else None,
        depends=tuple(record.depends),
        constrains=tuple(record.constrains),
        size=record.size,
        timestamp_ms=int(stamp.timestamp() * 1000) if stamp else None,
    )


async def _locked_records(
    gateway: Gateway,
    specset: SpecSet,
    urls: Mapping[str, str],
    locked: Sequence[Package],
    update: frozenset[str],
) -> list[RepoDataRecord]:
    """The channel records of every locked package not being updated.

    Found by (channel name, subdir, file name) rather than URL, so a lock made against
    one mirror can be updated against another. A locked package the channels no longer
    carry is simply not preferred.
    """
    keep = {
        (p.channel, p.subdir, p.filename): p
        for p in locked
        if p.manager == "conda" and p.name not in update
    }
    if not keep:
        return []
    names = sorted({p.name for p in keep.values()})
    result = await gateway.query(list(urls), _subdirs(specset.platform), names, recursive=False)
    found: list[RepoDataRecord] = []
    for records in result:
        for record in records:
            base = record.channel.rstrip("/") if record.channel else ""
            key = (urls.get(base), str(record.subdir), record.file_name)
            if key in keep:
                found.append(record)
    return found


async def _offers(
    gateway: Gateway, specset: SpecSet, names: Sequence[str], alias: str
) -> list[Offer]:
    from rattler.version import Version

    urls = _channel_urls(specset, alias)
    result = await gateway.query(
        list(urls), _subdirs(specset.platform), list(names), recursive=False
    )
    by_name: dict[str, list[RepoDataRecord]] = {}
    for records in result:
        for record in records:
            by_name.setdefault(record.name.normalized, []).append(record)
    cutoff = _utc(specset.exclude_newer)
    out: list[Offer] = []
    for name in names:
        every = by_name.get(name, [])
        if not every:
            continue
        # As the solver sees them: published by the cutoff (no date: kept, as in the solve).
        records = [r for r in every if cutoff is None or _published_by(r, cutoff)]
        versions = sorted({str(r.version) for r in records}, key=Version, reverse=True)
        later = {str(r.version) for r in every} - set(versions)
        # Describe the versions nearest the request (`pytorch 1.5.*` → 1.5.x), else newest.
        wanted = _requested_prefix(specset, name)
        near = [v for v in versions if wanted and (v == wanted or v.startswith(wanted + "."))]
        variants = tuple(
            (v, desc)
            for v in (near or versions)[:_SHOWN_VARIANTS]
            if (desc := _describe_builds([r for r in records if str(r.version) == v]))
        )
        out.append(
            Offer(
                name=name,
                platform=specset.platform,
                versions=tuple(versions),
                variants=variants,
                cutoff=cutoff,
                after_cutoff=tuple(sorted(later, key=Version, reverse=True)),
            )
        )
    return out


def _utc(when: dt.datetime | None) -> dt.datetime | None:
    if when is None:
        return None
    return when.replace(tzinfo=dt.timezone.utc) if when.tzinfo is None else when


def _published_by(record: RepoDataRecord, cutoff: dt.datetime) -> bool:
    """rattler's rule: the indexed timestamp when there is one, else the build's; equal is in."""
    stamp = _utc(record.indexed_timestamp or record.timestamp)
    return stamp is None or stamp <= cutoff


async def _channels_without(
    gateway: Gateway, specset: SpecSet, urls: Mapping[str, str]
) -> list[str]:
    """Names of the SpecSet's channels that have no packages at all for its platform."""
    from rattler import Subdir

    if specset.platform == "noarch":
        return []
    missing = []
    for url, name in urls.items():
        names = await gateway.names([url], [Subdir(specset.platform)])
        if not names:
            missing.append(name)
    return missing


def _requested_prefix(specset: SpecSet, name: str) -> str | None:
    """`1.5` for a request `pytorch 1.5.* ...` / `pytorch=1.5` / `pytorch==1.5.1`, else None."""
    for spec in specset.specs:
        parts = re.split(r"[\s=]+", spec.strip().rsplit("::", 1)[-1], maxsplit=2)
        if len(parts) >= 2 and parts[0] == name:
            match = re.match(r"[<>=!~]*\s*(\d+(?:\.\d+)*)", parts[1])
            if match:
                return match.group(1)
    return None


def _describe_builds(records: Sequence[RepoDataRecord]) -> str:
    """`torch 1.13, 2.0; cuda 11.6, 11.7, cpu; python 3.8, 3.9` from the builds of one
    version (torch only for extensions whose builds name it, such as pyg)."""
    from rattler.version import Version

    cudas: set[str] = set()
    pythons: set[str] = set()
    torches: set[str] = set()
    cpu = False
    for record in records:
        variant = variant_of(record.name.normalized, str(record.version), str(record.build))
        if variant.cuda:
            cudas.add(variant.cuda)
        cpu = cpu or variant.cpu
        if variant.python:
            pythons.add(variant.python)
        if variant.torch:
            torches.add(variant.torch)
    parts = []
    if torches:  # a torch extension (pyg, pytorch-scatter): built against these torches
        parts.append("torch " + ", ".join(sorted(torches, key=Version)))
    kinds = [*sorted(cudas, key=Version)] + (["cpu"] if cpu else [])
    if cudas:
        parts.append("cuda " + ", ".join(kinds))
    elif cpu:
        parts.append("cpu")
    if pythons:
        parts.append("python " + ", ".join(sorted(pythons, key=Version)))
    return "; ".join(parts)


async def _map_error(
    error: BaseException, gateway: Gateway, specset: SpecSet, alias: str, access: Access
) -> BaseException:
    """Turn a rattler exception into the EnvlockError a user reads (others pass through)."""
    from rattler.exceptions import (
        FetchRepoDataError,
        GatewayError,
        InvalidMatchSpecError,
        IoError,
        SolverError,
    )

    if isinstance(error, (AnswerIsNoError, BadInputError, WorldFailedError)):
        return error
    text = str(error).strip()
    if isinstance(error, SolverError):
        names = _request_names_in(text, specset)
        try:
            offered = await _offers(gateway, specset, names, alias) if names else []
        except Exception:  # suggestions are a courtesy; the conflict is the answer
            offered = []
        try:
            lacking = await _channels_without(gateway, specset, _channel_urls(specset, alias))
        except Exception:  # as above
            lacking = []
        return AnswerIsNoError(
            unsatisfiable_message(
                specset,
                text,
                offered,
                lacking=lacking,
                searched=len(_channel_urls(specset, alias)),
            )
        )
    if isinstance(error, InvalidMatchSpecError):
        return BadInputError(f"invalid matchspec for {specset.platform}: {text}")
    if isinstance(error, (FetchRepoDataError, GatewayError, IoError, OSError)):
        if missing := await _missing_channel(text, gateway, specset, alias, access):
            return missing
        return WorldFailedError(
            f"could not fetch the channels' repodata for {specset.platform}: "
            f"{access.display(text)}. Check the channel alias (--channel-alias / "
            "ENVLOCK_CHANNEL_ALIAS) and the network, then run the same command again."
        )
    return error


async def _missing_channel(
    text: str, gateway: Gateway, specset: SpecSet, alias: str, access: Access
) -> BadInputError | None:
    """Exit 2 when one channel has no noarch repodata at all while another channel of the
    request is served from the same alias: that channel is not there (every conda channel
    has noarch/repodata.json), which no retry fixes. When no channel answers, the alias
    or the network is what failed (None: the caller says so, exit 4)."""
    from rattler import Subdir

    found = _MISSING_SUBDIR.search(text)
    if found is None or found.group(1) != "noarch":
        return None
    bare = split_credentials(found.group(2).rstrip("/"))[0]
    urls = _channel_urls(specset, alias)
    served = False
    for url in urls:
        if url == bare:
            continue
        try:
            await gateway.names([url], [Subdir("noarch")])
        except Exception:  # noqa: S112 - that channel fails too: try the next one
            continue
        served = True
        break
    if not served:
        return None
    name = urls.get(bare, channel_name(bare))
    return BadInputError(
        f"channel `{name}` is not served at {access.display(bare)} (it has no "
        "noarch/repodata.json, which every conda channel has): remove it from the channel "
        "list or point --channel-alias at a mirror that has it"
    )


def _request_names_in(text: str, specset: SpecSet) -> list[str]:
    """Names of requested packages that the solver's explanation mentions, request order."""
    mentioned = set(_NAME_IN_MESSAGE.findall(text))
    names: list[str] = []
    for spec in specset.specs:
        name = dependency_name(spec)
        if name in mentioned and name not in names:
            names.append(name)
    return names


def unsatisfiable_message(
    specset: SpecSet,
    solver_text: str,
    offered: Sequence[Offer],
    *,
    lacking: Sequence[str] = (),
    searched: int | None = None,
) -> str:
    """The exit-1 paragraph: the conflict in rattler's words, then what the channels offer.

    `lacking` names channels without any package for the platform: said first, since
    rattler then only reports "No candidates were found" for the first spec it tried.
    `searched` is how many channels were searched (`defaults` may stand for several),
    by default one per SpecSet channel.
    """
    searched = len(specset.channels) if searched is None else searched
    conflict = solver_text.removeprefix("Cannot solve the request because of: ").strip()
    lines = [
        f"no set of packages satisfies the request for {specset.platform} "
        f"(channels {', '.join(channel_name(c) for c in specset.channels)}, "
        f"priority {specset.channel_priority}"
        + (f", exclude_newer {specset.exclude_newer.isoformat()}" if specset.exclude_newer else "")
        + "):",
    ]
    if lacking:
        every = len(lacking) >= searched
        lines.append(
            ("none of the channels has" if every else "these channels have no")
            + f" {specset.platform} repodata: {', '.join(lacking)}"
            + (" (only their noarch packages were searched, and they do not satisfy it)"
               if every else "")
            + f"; check that the mirror or channel serves {specset.platform}, "
            "or resolve for a platform it carries"
        )  # fmt: skip
    lines.append(conflict)
    for offer in offered:
        lines += _offer_lines(offer)
    if lacking and len(lacking) >= searched:
        lines.append("Nothing was written.")
    else:
        lines.append(
            "Relax the conflicting version in the recipe, or pick a combination the channels "
            "offer; nothing was written."
        )
    return "\n".join(lines)


def _offer_lines(offer: Offer) -> list[str]:
    from rattler.version import Version

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
    lines += [f"  {offer.name} {version}: {desc}" for version, desc in offer.variants]
    if offer.after_cutoff and offer.cutoff:
        later = offer.after_cutoff
        newest_before = Version(offer.versions[0]) if offer.versions else None
        if newest_before is None or all(Version(v) > newest_before for v in later):
            what = f"{later[-1]} and newer exist" if len(later) > 1 else f"{later[0]} exists"
        else:
            what = ", ".join(later[:_SHOWN_VERSIONS]) + " exist"
        was = "was" if what.endswith("exists") else "were"
        lines.append(
            f"{offer.name} {what} but {was} published after the cutoff {_day(offer.cutoff)}"
        )
    return lines


def _day(when: dt.datetime) -> str:
    """`2021-12-31` for midnight UTC, else the full timestamp."""
    when = when.astimezone(dt.timezone.utc)
    if (when.hour, when.minute, when.second, when.microsecond) == (0, 0, 0, 0):
        return when.date().isoformat()
    return when.isoformat()
