"""What resolve asks of the engine: SpecSets in, solved packages out, "no" as AnswerIsNoError.

Channels in a SpecSet are names (or URLs); names are placed under the channel alias
(`file:///mirror`, `https://conda.anaconda.org`) here, and the engine (envlock.engine.solve)
is handed plain URLs without credentials plus the name each stands for. Records come
back named by those names, and the package URL is redacted, so neither the alias'
credentials nor a token ever reach a lock.

Credentials never reach a file at all, the repodata cache included: rattler's
AuthenticationMiddleware adds them per request from an authentication file that exists
only for the run (envlock.engine.access), filled from the `Access` built here. The
engine's failures come back as data (envlock.engine.failures) and are worded here,
URLs shown masked (`/t/<TOKEN>/`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from envlock.engine.access import OfflineCacheMissError, RepodataTimeoutError
from envlock.engine.failures import MissingChannelError, RepodataUnavailableError
from envlock.engine.request import Request
from envlock.engine.solve import Solved, solve_requests
from envlock.errors import AnswerIsNoError, BadInputError, EnvlockError, WorldFailedError
from envlock.models import Package, SpecSet
from envlock.net.channels import DEFAULTS, channel_name, channel_urls
from envlock.net.credentials import Access, mask, redact, split_credentials
from envlock.net.policy import DEADLINE_VARIABLE
from envlock.net.s3 import advice as s3_advice
from envlock.net.s3 import is_s3, s3_channel_in, unsign

if TYPE_CHECKING:  # the candidates module loads only when a solve has failed
    from envlock.engine.candidates import Unsatisfiable
    from envlock.net.policy import HttpPolicy


def solve_platforms(
    specsets: Sequence[SpecSet],
    *,
    channel_alias: str,
    cache_dir: Path,
    policy: HttpPolicy | None = None,
    locked: Mapping[str, Sequence[Package]] | None = None,
    update: Collection[str] = (),
) -> dict[str, Solved]:
    """Solve every SpecSet (one per platform) concurrently; all succeed or one error.

    `policy` (timeout, retries of repodata requests; default: `HttpPolicy()`),
    `locked` and `update` as in envlock.engine.solve.solve_requests. Raises AnswerIsNoError
    (unsatisfiable, with what the channels do offer), BadInputError (an invalid
    matchspec, a channel the alias does not serve) or WorldFailedError (fetching
    repodata failed).
    """
    outcome = solve_specsets(
        specsets,
        channel_alias=channel_alias,
        cache_dir=cache_dir,
        policy=policy,
        locked=locked,
        update=update,
    )
    solved: dict[str, Solved] = {}
    for specset in specsets:
        result = outcome[specset.platform]
        if not isinstance(result, Solved):  # the facts of an unsatisfiable request
            from envlock.resolve.unsatisfiable import unsatisfiable_message  # a failure only

            raise AnswerIsNoError(unsatisfiable_message(specset, result))
        solved[specset.platform] = result
    return solved


def solve_specsets(
    specsets: Sequence[SpecSet],
    *,
    channel_alias: str,
    cache_dir: Path,
    policy: HttpPolicy | None = None,
    locked: Mapping[str, Sequence[Package]] | None = None,
    update: Collection[str] = (),
) -> dict[str, Solved | Unsatisfiable]:
    """Like `solve_platforms`, with an unsatisfiable platform returned as its facts
    (see envlock.engine.solve.solve_requests for which platforms a failure leaves out)."""
    access = access_for(specsets, channel_alias)
    requests = [request_for(s, channel_alias) for s in specsets]
    try:
        outcome = solve_requests(
            requests,
            cache_dir=cache_dir,
            auth=access.auth,
            policy=policy,
            locked=locked,
            update=update,
        )
    except (MissingChannelError, RepodataUnavailableError) as failure:
        s3_channels = [url for r in requests for url in r.urls if is_s3(url)]
        raise worded(failure, access, s3_channels) from None
    except (RepodataTimeoutError, OfflineCacheMissError) as failure:
        raise _network_worded(failure, access) from None
    return {
        platform: _named(result) if isinstance(result, Solved) else result
        for platform, result in outcome.items()
    }


def worded(
    failure: MissingChannelError | RepodataUnavailableError,
    access: Access,
    s3_channels: Sequence[str] = (),
) -> EnvlockError:
    """The error a user reads for an engine failure: its URLs masked as they were
    requested (`access`), and what to do about it. A failure of one of the `s3_channels`
    is said in S3's terms, naming the bucket (see `_worded_s3`)."""
    text = failure.url + "/" if isinstance(failure, MissingChannelError) else failure.detail
    s3_channel = s3_channel_in(text, s3_channels)
    if s3_channel is not None:
        return _worded_s3(failure, s3_channel)
    if isinstance(failure, MissingChannelError):
        return BadInputError(
            f"channel `{failure.name}` is not served at {access.display(failure.url)} (it "
            "has no noarch/repodata.json, which every conda channel has): remove it from "
            "the channel list or point --channel-alias at a mirror that has it"
        )
    return WorldFailedError(
        f"could not fetch the channels' repodata for {failure.platform}: "
        f"{access.display(unsign(failure.detail))}. Check the channel alias (--channel-alias / "
        "ENVLOCK_CHANNEL_ALIAS) and the network, then run the same command again."
    )


def _worded_s3(failure: MissingChannelError | RepodataUnavailableError, url: str) -> EnvlockError:
    """An S3 channel's failure: what S3 said, what to check, the bucket named; rattler's
    text without its presigned URLs' queries (they hold the access key id and a session
    token) and without any AWS secret (envlock.net.s3.unsign)."""
    from envlock.engine.s3 import failure_of

    if isinstance(failure, MissingChannelError):
        return BadInputError(
            f"channel `{failure.name}` is not served at {url}: "
            f"{s3_advice(('http', 404, ''), url)}; fix the URL or remove the channel"
        )
    detail = " ".join(unsign(failure.detail).split())
    detail = detail if len(detail) <= 300 else detail[:300] + "…"
    return WorldFailedError(
        f"could not fetch the repodata of {url} for {failure.platform}: "
        f"{s3_advice(failure_of(failure.detail), url)} ({detail})"
    )


def _network_worded(
    failure: RepodataTimeoutError | OfflineCacheMissError, access: Access
) -> WorldFailedError:
    """The words for a resolve cut at the HTTP policy's bound, or offline without the
    repodata it needs."""
    if isinstance(failure, OfflineCacheMissError):
        return WorldFailedError(
            f"--offline: the repodata cache {failure.cache_dir} does not hold every channel "
            f"this resolve needs ({access.display(failure.detail)}); nothing was requested. "
            "Run the resolve once without --offline to fill the cache (or point "
            "ENVLOCK_CACHE_DIR at one that has it)"
        )
    policy = failure.policy
    return WorldFailedError(
        f"the channels' repodata did not arrive within {policy.repodata_bound_s:g} s "
        f"({policy.repodata_bound_text()}); a server accepts connections but does not "
        "answer, or answers too slowly. Check the channel alias and the network, or raise "
        f"{DEADLINE_VARIABLE}"
    )


def request_for(specset: SpecSet, alias: str) -> Request:
    """The engine's request for `specset`, its channels placed under `alias`."""
    urls = _channel_urls(specset, alias)
    spec_channels: dict[str, str] = {}
    for spec in specset.specs:
        channel, sep, _ = spec.partition("::")
        if sep and channel not in spec_channels:
            rewritten = _with_channel_url(spec, urls)
            if rewritten != spec:
                spec_channels[channel] = rewritten.partition("::")[0]
    return Request(
        platform=specset.platform,
        specs=specset.specs,
        channels=tuple(urls.items()),
        spec_channels=spec_channels,
        virtual_packages=specset.virtual_packages,
        channel_priority=specset.channel_priority,
        exclude_newer=specset.exclude_newer,
    )


def _named(solved: Solved) -> Solved:
    """Packages whose channel is a name and whose URL holds no credential."""
    packages = tuple(
        dataclasses.replace(
            p,
            channel=channel_name(p.channel) if p.channel else None,
            url=redact(p.url) if p.url else p.url,
        )
        for p in solved.packages
    )
    return dataclasses.replace(solved, packages=packages)


def _channel_urls(specset: SpecSet, alias: str) -> dict[str, str]:
    """Channel base URL without credentials (no trailing slash) → the name the SpecSet used,
    in priority order. The credentials travel through the auth file (envlock.engine.access).

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


def access_for(specsets: Sequence[SpecSet], alias: str) -> Access:
    """Split the credentials off every channel URL of `specsets` (see
    envlock.net.credentials.Access): rattler's auth entries per host and the masked URLs.

    Raises BadInputError when two URLs give one host different credentials.
    """
    auth: dict[str, Mapping[str, object]] = {}
    shown: dict[str, str] = {}
    for specset in specsets:
        urls = (
            url.rstrip("/")
            for channel in specset.channels
            for url in channel_urls(channel, alias, specset.platform)
        )
        for url in urls:
            bare, credentials = split_credentials(url)
            if credentials is None:
                continue
            # One entry per host: two URLs giving a host different credentials differ here.
            known = auth.setdefault(credentials.host, credentials.to_rattler())
            if known != credentials.to_rattler():
                raise BadInputError(
                    f"two channel URLs give {credentials.host} different credentials "
                    f"({mask(url)}): one host takes one set of credentials per resolve"
                )
            shown[bare] = mask(url)
    return Access(auth=auth, shown=shown)


__all__ = ["access_for", "request_for", "solve_platforms", "solve_specsets", "worded"]
