"""The rattler adapter for installing: verified archives in, a linked prefix out.

envlock closes these gaps of py-rattler 0.28 here and in envlock.create:
- rattler checks hashes only for http(s): every archive handed to it is a local copy
  the caller has already verified (envlock.create.cache), referenced by file://.
- a failed install leaves a half-built prefix: rattler links into a fresh staging folder
  beside the target and patches `final` (via `alternative_target_prefix`) into text
  prefixes, entry points and shebangs, so the caller can rename it into place only once
  everything worked and delete it otherwise.
- an edited extracted cache entry is reused: the package cache is opened with
  `ValidationMode.full()`, so every extracted file is checked against its paths.json hash
  and a bad entry is extracted again from the verified archive. That paths.json lies
  beside the files and can be edited with them: the caller first removes any entry
  whose paths.json differs from the verified archive's (envlock.create.extracted).
- rattler trusts every path an archive names (`../`, absolute, links out): the caller
  hands over only archives whose paths passed envlock.engine.paths_check
  (envlock.create.vetting), so nothing here ever links or rolls back outside `staging`.
After linking, each conda-meta record gets back the URL and channel its `Archive` names
(rattler wrote the local file:// URL it was given), so conda, mamba and `envlock diff`
see the channel.

Signals are the caller's: rattler runs in a thread of its own here, and the caller holds
Ctrl-C and SIGTERM around these calls (envlock.create.link).
"""

from __future__ import annotations

import asyncio
import errno
import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from envlock.engine.failures import InstallCause, InstallFailedError
from envlock.engine.matching import Unmet, unmet_depends
from envlock.engine.rattler_text import read_rattler_text
from envlock.errors import EnvlockError

if TYPE_CHECKING:
    from rattler import InstallerReporter, RepoDataRecord

OnLinked = Callable[[str], None]

# rattler drops a cache-directory tag into the target; in a conda environment it would
# make backup tools skip the whole environment, so it is removed unless a package ships it.
_CACHEDIR_TAG = "CACHEDIR.TAG"


@dataclass(frozen=True, kw_only=True, slots=True)
class Archive:
    """One archive on local disk whose bytes the caller has verified.

    `name`, `version` and `build` are what it must hold (`build` None: any); `url` and
    `channel` are what its conda-meta record names once linked (`url` "": rattler's
    file:// URL is kept). `index_json` is its info/index.json already read from it
    (None: read from the archive).
    """

    path: Path
    name: str
    version: str
    build: str | None
    sha256: str
    md5: str
    size: int
    url: str = ""
    channel: str = ""
    index_json: Path | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Mismatch:
    """An archive whose own record names another package than it must hold."""

    archive: Archive
    wants: str  # `name=version=build` it must hold
    holds: str  # `name=version=build` read from the archive


@dataclass(frozen=True, kw_only=True, slots=True)
class Prepared:
    """Archives with the records read from their own info/index.json, and what is wrong
    with the set: `mismatched` archives, else the depends/constrains it does not meet."""

    archives: tuple[Archive, ...]
    records: tuple[Any, ...]  # rattler RepoDataRecords, in the order of `archives`
    mismatched: tuple[Mismatch, ...] = ()
    unmet: tuple[Unmet, ...] = ()


def prepare(archives: Sequence[Archive], *, final: Path) -> Prepared:
    """Read each archive's record and check the set against itself.

    Returns what is wrong as data (`mismatched`, `unmet`; the caller words it). Nothing
    is created on disk. A broken archive is an InstallFailedError naming `final`.
    """
    try:
        records = asyncio.run(_records(archives))
    except Exception as error:  # rattler's own classes; _raise sorts them out
        _raise(error, final, final)
    mismatched = tuple(
        Mismatch(archive=a, wants=wants, holds=holds)
        for a, r in zip(archives, records, strict=True)
        if (holds := _holds(r)) != (wants := _wanted(a, r))
    )
    return Prepared(
        archives=tuple(archives),
        records=tuple(records),
        mismatched=mismatched,
        unmet=() if mismatched else tuple(unmet_depends(records)),
    )


async def _records(archives: Sequence[Archive]) -> list[RepoDataRecord]:
    # Reading index.json from each archive is independent work: let rattler overlap it.
    return list(await asyncio.gather(*(_record(archive) for archive in archives)))


def _holds(record: RepoDataRecord) -> str:
    return f"{record.name.normalized}={record.version}={record.build}"


def _wanted(archive: Archive, record: RepoDataRecord) -> str:
    return f"{archive.name.lower()}={archive.version}={archive.build or record.build}"


def install_verified(
    prepared: Prepared,
    *,
    staging: Path,
    final: Path,
    platform: str,
    pkgs_dir: Path,
    on_linked: OnLinked | None = None,
) -> None:
    """Link the prepared archives into the empty folder `staging`, as if it lived at `final`.

    `pkgs_dir` is the shared package cache (extracted packages beside `archives/`).
    Raises InstallFailedError (its `cause` says why: the disk is full, an archive is broken,
    the archives are wrong in a way only linking shows); the caller words it and
    removes `staging` on any failure.

    rattler runs in a thread of its own and is waited for, whatever happens: it is not
    cancelled, since dropping its future would leave its blocking link tasks writing
    after it "ended". The caller holds Ctrl-C and SIGTERM back (recorded, not raised)
    around this call: an exception raised inside a waiting lock can leave Python's thread
    bookkeeping broken (a running thread seen as stopped), and the caller must not remove
    `staging` before rattler has stopped writing into it.
    """
    failure: list[BaseException] = []

    def work() -> None:
        try:
            asyncio.run(_install(prepared, staging, final, platform, pkgs_dir, on_linked))
        except BaseException as error:  # handed to the calling thread, re-raised there
            failure.append(error)

    thread = threading.Thread(target=work, name="envlock-link", daemon=True)
    thread.start()
    thread.join()
    if failure:
        _raise(failure[0], staging, final)
    _drop_cachedir_tag(staging, shipped=_restore_urls(staging, prepared.archives))


def _raise(error: BaseException, staging: Path, final: Path) -> NoReturn:
    if isinstance(error, EnvlockError):
        raise error
    if isinstance(error, OSError):
        raise _os_failure(error, staging, final) from None
    if isinstance(error, Exception):
        # rattler raises its own exception classes (InstallerError, LinkError, IoError ...)
        # whose text is the useful part; they all mean the install did not happen.
        raise _failure(error, staging, final) from None
    raise error


async def _install(  # noqa: PLR0917 - private helper mirroring install_verified
    prepared: Prepared,
    staging: Path,
    final: Path,
    platform: str,
    pkgs_dir: Path,
    on_linked: OnLinked | None,
) -> None:
    from rattler import PackageCache, ValidationMode, install
    from rattler.platform import Subdir

    cache = PackageCache.new_layered([pkgs_dir], validation_mode=ValidationMode.full())
    await install(
        list(prepared.records),
        target_prefix=staging,
        alternative_target_prefix=final,
        package_cache=cache,
        platform=Subdir(platform),
        installed_packages=[],  # a fresh staging folder: nothing to scan
        execute_link_scripts=False,
        show_progress=False,
        reporter=_reporter(on_linked) if on_linked else None,
    )


async def _record(archive: Archive) -> RepoDataRecord:
    """A RepoDataRecord read from the archive's own info/index.json.

    Reading the archive (not the lock) gets `noarch: python` and the other link-time
    facts right; explicit files and conda-lock.yml do not record them.
    """
    from rattler import PackageRecord, RepoDataRecord

    if archive.index_json is not None:
        # The archive's index.json as read when the caller verified it: the same facts
        # as the archive, without decompressing it again.
        record = RepoDataRecord(
            PackageRecord.from_index_json(archive.index_json),
            archive.path.name,
            archive.path.as_uri(),
            archive.path.parent.as_uri(),  # replaced below
        )
    else:
        record = await RepoDataRecord.from_package_archive(archive.path)
    record.url = archive.path.resolve().as_uri()
    # Never a credential, not even in rattler's own messages: the caller's channel URL.
    record.channel = archive.channel
    record.sha256 = bytes.fromhex(archive.sha256)
    record.md5 = bytes.fromhex(archive.md5)
    record.size = archive.size
    return record


def _reporter(on_linked: OnLinked) -> InstallerReporter:
    """An InstallerReporter that turns rattler's link callbacks into `on_linked(name)`."""
    from rattler import InstallerReporter

    class Reporter(InstallerReporter):
        def __init__(self) -> None:
            self.names: dict[int, str] = {}

        def on_link_start(self, operation: int, package_name: str) -> int:
            self.names[operation] = package_name
            return operation

        def on_link_complete(self, index: int) -> None:
            on_linked(self.names.get(index, ""))

    # The protocol's no-op defaults look abstract to mypy (empty bodies); rattler calls
    # every callback, so subclassing it is what keeps the others defined at runtime.
    return Reporter()  # type: ignore[abstract]


def _restore_urls(prefix: Path, archives: Sequence[Archive]) -> bool:
    """Put each archive's URL and channel into conda-meta (rattler saw file:// copies).

    Returns True when a package ships a top-level CACHEDIR.TAG (read in the same pass).
    """
    by_file = {a.path.name: a for a in archives}
    ships_tag = False
    for meta in sorted((prefix / "conda-meta").glob("*.json")):
        with meta.open("r+b") as fh:
            text = fh.read().decode("utf-8")
            record = json.loads(text)
            ships_tag = ships_tag or _CACHEDIR_TAG in record.get("files", [])
            archive = by_file.get(str(record.get("fn", "")))
            if archive is None or not archive.url:
                continue
            wanted = {
                "url": archive.url,
                "channel": archive.channel,
                "md5": archive.md5,
                "sha256": archive.sha256,
            }
            patched = _patch_top_level(text, record, wanted)
            # Overwrite in place, then cut to length: opening with truncation (O_TRUNC)
            # makes ext4 flush the file on close (its replace-via-truncate heuristic),
            # which tripled the time of this loop. Not atomic per file, and need not be:
            # the whole staging folder is renamed into place only after this, or removed.
            fh.seek(0)
            fh.write(patched.encode("utf-8"))
            fh.truncate()
    return ships_tag


def _patch_top_level(text: str, record: dict[str, object], wanted: dict[str, str]) -> str:
    """`text` (rattler's indent-2 JSON of `record`) with the top-level keys set to `wanted`.

    Replaces the `  "key": value` lines in place (indent 2 marks them top-level), which is
    several times cheaper than re-serialising with indent; falls back to json.dumps
    whenever a line is not found exactly once.
    """
    for key, value in wanted.items():
        if record.get(key) == value:
            continue
        needle = f"\n  {json.dumps(key)}: {json.dumps(record.get(key))}"
        if key not in record or text.count(needle) != 1:
            return json.dumps({**record, **wanted}, indent=2) + "\n"
        text = text.replace(needle, f"\n  {json.dumps(key)}: {json.dumps(value)}")
    return text


def _drop_cachedir_tag(prefix: Path, *, shipped: bool) -> None:
    tag = prefix / _CACHEDIR_TAG
    if not shipped and tag.is_file():
        tag.unlink()


def _failure(error: Exception, staging: Path, final: Path) -> InstallFailedError:
    """A rattler failure as data: its text on one line and what it says the cause is."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = "; ".join(lines) or type(error).__name__
    cause: InstallCause = read_rattler_text(text).install_failure or "rattler"
    return InstallFailedError(
        cause=cause,
        detail=text,
        final=final,
        staging=staging,
    )


def _os_failure(error: OSError, staging: Path, final: Path) -> InstallFailedError:
    cause: InstallCause = "os-disk-full" if error.errno == errno.ENOSPC else "os"
    return InstallFailedError(cause=cause, detail=str(error), final=final, staging=staging)


__all__ = ["Archive", "Mismatch", "OnLinked", "Prepared", "install_verified", "prepare"]
