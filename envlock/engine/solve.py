"""The rattler adapter for solving: plain requests in, envlock Packages (or the facts of
an unsatisfiable request) out.

Every platform of a resolve is solved concurrently through one `Gateway` (repodata is
fetched once and shared). rattler's solver runs in its own threads, outside the GIL, so
three platforms on two cores take well under three times one platform (bench/).

A `Request` names its channels by URL (without credentials) and by the name the caller
wants to see in the result; records come back with their channel as a URL, which is
mapped back to that name. Channel names, aliases and credentials are the caller's
business: the Gateway adds credentials per request from the `Access` it is given
(envlock.engine.access), so none ever reaches a URL, a file or a lock.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from envlock.engine.access import Access, auth_file, new_gateway
from envlock.engine.runtime import run
from envlock.errors import AnswerIsNoError, BadInputError, WorldFailedError
from envlock.models import ChannelPriority, Package, VirtualPackage

if TYPE_CHECKING:
    from rattler import Gateway, RepoDataRecord

    from envlock.engine.candidates import Unsatisfiable


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


@dataclass(frozen=True, kw_only=True, slots=True)
class Solved:
    """One platform's solution: packages sorted by name, and the wall time it took."""

    platform: str
    packages: tuple[Package, ...]
    seconds: float


def solve_requests(
    requests: Sequence[Request],
    *,
    cache_dir: Path,
    access: Access | None = None,
    locked: Mapping[str, Sequence[Package]] | None = None,
    update: Collection[str] = (),
) -> dict[str, Solved | Unsatisfiable]:
    """Solve every request (one per platform) concurrently.

    Returns each platform's `Solved`, or its `Unsatisfiable` facts when the channels
    hold no answer. Failures are taken in platform order: an unsatisfiable platform is
    returned, any other failure raised, except after an unsatisfiable platform (that
    "no" is the answer; the platforms after it are left out). `access` carries the
    credentials for the channel URLs and how to show them (envlock.engine.access).

    `locked` (per platform) are the packages of an existing lock: with `update`, every
    locked package except those named in `update` is preferred as it is (rattler's
    `locked_packages`), so only the updated packages and what they drag along move.
    Raises BadInputError (an invalid matchspec, a channel that is not there) or
    WorldFailedError (fetching repodata failed).
    """
    access = access or Access()
    with auth_file(access) as path:
        return run(
            _solve_all(
                requests,
                where=(cache_dir, path),
                access=access,
                locked=locked or {},
                update=frozenset(update),
            )
        )


# ---------------------------------------------------------------- internals


async def _solve_all(
    requests: Sequence[Request],
    *,
    where: tuple[Path, Path | None],  # the repodata cache, the auth file
    access: Access,
    locked: Mapping[str, Sequence[Package]],
    update: frozenset[str],
) -> dict[str, Solved | Unsatisfiable]:
    import asyncio

    gateway = new_gateway(*where)
    tasks = [
        asyncio.ensure_future(_solve_one(gateway, r, locked.get(r.platform, ()), update))
        for r in requests
    ]
    # Wait for all, then take the failures in platform order (deterministic).
    results = await asyncio.gather(*tasks, return_exceptions=True)
    out: dict[str, Solved | Unsatisfiable] = {}
    for request, result in zip(requests, results, strict=True):
        if isinstance(result, BaseException):
            from envlock.engine.candidates import Unsatisfiable  # a failed solve only

            mapped = await _map_error(result, gateway, request, access)
            if isinstance(mapped, Unsatisfiable):
                out[request.platform] = mapped
                continue
            if any(isinstance(v, Unsatisfiable) for v in out.values()):
                break
            raise mapped
        out[request.platform] = result
    return out


async def _solve_one(
    gateway: Gateway,
    request: Request,
    locked: Sequence[Package],
    update: frozenset[str],
) -> Solved:
    import rattler
    from rattler import ChannelPriority as Priority

    started = time.perf_counter()
    urls = request.urls
    specs = [_match_spec(s, request.platform) for s in request.solver_specs]
    locked_records = await _locked_records(gateway, request, locked, update) if locked else []
    records = await rattler.solve(
        list(urls),
        specs,
        gateway=gateway,
        platforms=subdirs(request.platform),
        virtual_packages=_virtual_packages(request),
        channel_priority=Priority.Strict if request.strict else Priority.Disabled,
        exclude_newer=_utc_naive(request.exclude_newer),
        # Records without any date predate repodata timestamps (before ~2017): keep them.
        timestamp_policy="allow-missing",
        locked_packages=locked_records,
    )
    packages = tuple(sorted((to_package(r, urls) for r in records), key=lambda p: p.name))
    return Solved(
        platform=request.platform, packages=packages, seconds=time.perf_counter() - started
    )


def subdirs(platform: str) -> list[Any]:
    """rattler Subdirs a solve for `platform` reads: the platform's and noarch."""
    from rattler import Subdir

    return [Subdir(platform), Subdir("noarch")]


def _match_spec(spec: str, platform: str) -> Any:
    from rattler import MatchSpec
    from rattler.exceptions import InvalidMatchSpecError

    try:
        # MatchSpec objects parse build globs with dots (`*cuda11.7*`); strings in solve don't.
        return MatchSpec(spec)
    except InvalidMatchSpecError as error:
        raise BadInputError(
            f"{spec!r} is not a valid conda matchspec ({platform}): {error}; "
            "write it as `name version build`, e.g. `numpy >=1.23,<1.24`"
        ) from None


def _virtual_packages(request: Request) -> list[Any]:
    from rattler import BuildString, GenericVirtualPackage, PackageName, Version

    return [
        GenericVirtualPackage(PackageName(v.name), Version(v.version), BuildString(v.build))
        for v in request.virtual_packages
    ]


def _utc_naive(when: dt.datetime | None) -> dt.datetime | None:
    """rattler reads a datetime as UTC by replacing its tzinfo: convert, don't relabel."""
    if when is None or when.tzinfo is None:
        return when
    return when.astimezone(dt.timezone.utc).replace(tzinfo=None)


def to_package(record: RepoDataRecord, urls: Mapping[str, str] | None = None) -> Package:
    """An envlock Package from a rattler RepoDataRecord.

    Its channel is the name `urls` (base URL → name) gives the record's channel, else
    the channel's base URL (None when the record names none).
    """
    base = record.channel.rstrip("/") if record.channel else ""
    stamp = record.timestamp
    return Package(
        name=record.name.normalized,
        version=str(record.version),
        build=str(record.build),
        build_number=int(record.build_number),
        channel=(urls or {}).get(base) or base or None,
        subdir=str(record.subdir),
        url=str(record.url),
        md5=record.md5.hex() if record.md5 else None,
        sha256=record.sha256.hex() if record.sha256 else None,
        depends=tuple(record.depends),
        constrains=tuple(record.constrains),
        size=record.size,
        timestamp_ms=int(stamp.timestamp() * 1000) if stamp else None,
    )


async def _locked_records(
    gateway: Gateway,
    request: Request,
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
    urls = request.urls
    names = sorted({p.name for p in keep.values()})
    result = await gateway.query(list(urls), subdirs(request.platform), names, recursive=False)
    found: list[RepoDataRecord] = []
    for records in result:
        for record in records:
            base = record.channel.rstrip("/") if record.channel else ""
            key = (urls.get(base), str(record.subdir), record.file_name)
            if key in keep:
                found.append(record)
    return found


async def _map_error(
    error: BaseException, gateway: Gateway, request: Request, access: Access
) -> BaseException | Unsatisfiable:
    """A rattler exception as the facts of an unsatisfiable request, or as the
    EnvlockError a user reads (others pass through)."""
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
        from envlock.engine.candidates import unsatisfiable

        return await unsatisfiable(gateway, request, text)
    if isinstance(error, InvalidMatchSpecError):
        return BadInputError(f"invalid matchspec for {request.platform}: {text}")
    if isinstance(error, (FetchRepoDataError, GatewayError, IoError, OSError)):
        if missing := await _missing_channel(text, gateway, request, access):
            return missing
        return WorldFailedError(
            f"could not fetch the channels' repodata for {request.platform}: "
            f"{access.display(text)}. Check the channel alias (--channel-alias / "
            "ENVLOCK_CHANNEL_ALIAS) and the network, then run the same command again."
        )
    return error


async def _missing_channel(
    text: str, gateway: Gateway, request: Request, access: Access
) -> BadInputError | None:
    """Exit 2 when one channel has no noarch repodata at all while another channel of the
    request is served from the same alias: that channel is not there (every conda channel
    has noarch/repodata.json), which no retry fixes. When no channel answers, the alias
    or the network is what failed (None: the caller says so, exit 4)."""
    from rattler import Subdir

    from envlock.engine.rattler_text import read_rattler_text  # failures only

    found = read_rattler_text(text).missing_subdir
    if found is None or found[0] != "noarch":
        return None
    urls = request.urls
    bare = next((u for u in urls if _same_channel(u, found[1])), found[1].rstrip("/"))
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
    name = urls.get(bare, bare)
    return BadInputError(
        f"channel `{name}` is not served at {access.display(bare)} (it has no "
        "noarch/repodata.json, which every conda channel has): remove it from the channel "
        "list or point --channel-alias at a mirror that has it"
    )


def _same_channel(url: str, reported: str) -> bool:
    """Whether rattler's `reported` channel URL is the request's channel `url`
    (rattler adds a trailing slash; credentials never reach it: the Gateway has none)."""
    return url.rstrip("/") == reported.rstrip("/")


__all__ = ["Request", "Solved", "solve_requests", "subdirs", "to_package"]
