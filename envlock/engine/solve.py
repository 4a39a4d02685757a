"""The rattler adapter for solving: plain requests in, envlock Packages (or the facts of
an unsatisfiable request) out.

Every platform of a resolve is solved concurrently through one `Gateway` (repodata is
fetched once and shared). rattler's solver runs in its own threads, outside the GIL, so
three platforms on two cores take well under three times one platform (bench/).

A `Request` names its channels by URL (without credentials) and by the name the caller
wants to see in the result; records come back with their channel as a URL, which is
mapped back to that name. Channel names, aliases and credentials are the caller's
business: the Gateway adds credentials per request from the `auth` entries it is given
(envlock.engine.access), so none ever reaches a URL, a file or a lock. Failures come
back as data (envlock.engine.failures); the caller words them.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from envlock.engine.access import AuthEntries, auth_file, new_gateway, within_bound
from envlock.engine.failures import MissingChannelError, RepodataUnavailableError
from envlock.engine.request import Request, subdirs
from envlock.engine.runtime import run
from envlock.errors import AnswerIsNoError, BadInputError, WorldFailedError
from envlock.models import Package

if TYPE_CHECKING:
    from rattler import Gateway, RepoDataRecord

    from envlock.engine.candidates import Unsatisfiable
    from envlock.net.policy import HttpPolicy


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
    auth: AuthEntries | None = None,
    policy: HttpPolicy | None = None,
    locked: Mapping[str, Sequence[Package]] | None = None,
    update: Collection[str] = (),
) -> dict[str, Solved | Unsatisfiable]:
    """Solve every request (one per platform) concurrently.

    Returns each platform's `Solved`, or its `Unsatisfiable` facts when the channels
    hold no answer. Failures are taken in platform order: an unsatisfiable platform is
    returned, any other failure raised, except after an unsatisfiable platform (that
    "no" is the answer; the platforms after it are left out). `auth` holds the
    credentials for the channel URLs (host → rattler's auth entry, see
    envlock.engine.access); `policy` the timeout and retries of repodata requests
    (default: `HttpPolicy()`).

    `locked` (per platform) are the packages of an existing lock: with `update`, every
    locked package except those named in `update` is preferred as it is (rattler's
    `locked_packages`), so only the updated packages and what they drag along move.
    Raises BadInputError (an invalid matchspec), MissingChannelError (a channel that is not
    there) or RepodataUnavailableError (fetching repodata failed).
    """
    with auth_file(auth or {}) as path:
        work = _solve_all(
            requests,
            where=(cache_dir, path),
            policy=policy,
            locked=locked or {},
            update=frozenset(update),
        )
        return run(within_bound(work, policy, cache_dir))  # never past the policy's bound


# ---------------------------------------------------------------- internals


async def _solve_all(
    requests: Sequence[Request],
    *,
    where: tuple[Path, Path | None],  # the repodata cache, the auth file
    policy: HttpPolicy | None,
    locked: Mapping[str, Sequence[Package]],
    update: frozenset[str],
) -> dict[str, Solved | Unsatisfiable]:
    import asyncio

    gateway = new_gateway(*where, policy=policy)
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

            mapped = await _map_error(result, gateway, request)
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
    error: BaseException, gateway: Gateway, request: Request
) -> BaseException | Unsatisfiable:
    """A rattler exception as the facts of an unsatisfiable request, or as an EnvlockError
    carrying the facts of the failure (others pass through)."""
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
        if missing := await _missing_channel(text, gateway, request):
            return missing
        return RepodataUnavailableError(platform=request.platform, detail=text)
    return error


async def _missing_channel(
    text: str, gateway: Gateway, request: Request
) -> MissingChannelError | None:
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
    return MissingChannelError(platform=request.platform, name=urls.get(bare, bare), url=bare)


def _same_channel(url: str, reported: str) -> bool:
    """Whether rattler's `reported` channel URL is the request's channel `url`
    (rattler adds a trailing slash; credentials never reach it: the Gateway has none)."""
    return url.rstrip("/") == reported.rstrip("/")


__all__ = ["Solved", "solve_requests", "to_package"]
