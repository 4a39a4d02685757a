"""The rattler adapter for installing: verified archives in, a linked prefix out.

envlock closes three gaps of py-rattler 0.28 here and in `envlock.create.cache`:
- rattler checks hashes only for http(s): every archive handed to it is a local copy
  that `envlock.create.cache` has already verified against the lock, referenced by file://.
- a failed install leaves a half-built prefix: rattler links into a fresh staging folder
  beside the target and patches `final` (via `alternative_target_prefix`) into text
  prefixes, entry points and shebangs, so the caller can rename it into place only once
  everything worked and delete it otherwise.
- an edited extracted cache entry is reused: the package cache is opened with
  `ValidationMode.full()`, so every extracted file is checked against its paths.json hash
  and a bad entry is extracted again from the verified archive.
After linking, each conda-meta record gets back the lock's URL and channel (rattler wrote
the local file:// URL it was given), so conda, mamba and `envlock diff` see the channel.
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

from envlock.create.cache import Verified
from envlock.create.staging import signals_held
from envlock.errors import BadInputError, EnvlockError, WorldFailedError, where
from envlock.lock.source import line_of
from envlock.net.channels import split_package_url
from envlock.net.credentials import scrub_url

if TYPE_CHECKING:
    from rattler import InstallerReporter, RepoDataRecord

    from envlock.engine.matching import Unmet

OnLinked = Callable[[str], None]

# rattler drops a cache-directory tag into the target; in a conda environment it would
# make backup tools skip the whole environment, so it is removed unless a package ships it.
_CACHEDIR_TAG = "CACHEDIR.TAG"


@dataclass(frozen=True, kw_only=True, slots=True)
class Prepared:
    """Verified archives with the records read from their own info/index.json."""

    archives: tuple[Verified, ...]
    records: tuple[Any, ...]  # rattler RepoDataRecords, in the order of `archives`


def prepare(archives: Sequence[Verified], *, lock: Path, final: Path) -> Prepared:
    """Read each verified archive's record and check the set against itself.

    Raises BadInputError (exit 2, where = `lock` and the package's line) when an archive
    is not the package the lock names, or when an archive's own depends/constrains are
    not met by the locked set (the lock was edited after it was resolved: say pytorch
    pointed at a CPU archive with `pytorch-mutex 1.0 cuda` still locked). Nothing is
    created on disk here. A broken archive is a WorldFailedError naming `final`.
    """
    # Signals held (then re-raised) so that none lands inside the event loop's machinery.
    with signals_held() as arrived:
        try:
            records = asyncio.run(_records(archives, lock))
        except Exception as error:  # rattler's own classes; _raise sorts them out
            _raise(error, final, final)
    if arrived:
        raise KeyboardInterrupt
    from envlock.engine.matching import unmet_depends

    unmet = unmet_depends(records)
    if unmet:
        raise _inconsistent(unmet, archives, lock)
    return Prepared(archives=tuple(archives), records=tuple(records))


async def _records(archives: Sequence[Verified], lock: Path) -> list[RepoDataRecord]:
    # Reading index.json from each archive is independent work: let rattler overlap it.
    return list(await asyncio.gather(*(_record(verified, lock) for verified in archives)))


def _inconsistent(unmet: Sequence[Unmet], archives: Sequence[Verified], lock: Path) -> EnvlockError:
    first = unmet[0]
    holds = (
        f"the lock holds {first.holds} instead"
        if first.holds is not None
        else "the lock holds no package of that name"
    )
    more = f" (and {len(unmet) - 1} more unmet)" if len(unmet) > 1 else ""
    name = first.package.split(" ", 1)[0]
    archive = next((v for v in archives if v.package.name.lower() == name), None)
    line = line_of(lock, archive.path.name) if archive is not None else None
    return BadInputError(
        f"the lock is inconsistent: {first.package} (its archive's info/index.json) "
        f"{'depends on' if first.kind == 'depends' else 'constrains'} `{first.spec}`, but "
        f"{holds}{more}. The lock was edited after it was resolved (its entries no longer "
        "match the archives they name); nothing was installed. Re-resolve it (envlock "
        "resolve RECIPE)",
        where=where(lock, line),
    )


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
    Raises WorldFailedError when rattler fails (disk full, a broken archive) and
    BadInputError when the lock is wrong in a way only linking shows; the caller removes
    `staging` on any failure.

    rattler runs in a thread of its own; a KeyboardInterrupt (Ctrl-C, or SIGTERM turned
    into one by the caller) is re-raised only after rattler has stopped writing into
    `staging`, so that the caller's removal of it is final. rattler is not cancelled:
    dropping its future would leave its blocking link tasks writing after it "ended".
    """
    failure: list[BaseException] = []

    def work() -> None:
        try:
            asyncio.run(_install(prepared, staging, final, platform, pkgs_dir, on_linked))
        except BaseException as error:  # handed to the calling thread, re-raised there
            failure.append(error)

    # Ctrl-C and SIGTERM are held back (recorded, not raised) while rattler works: an
    # exception raised inside a waiting lock can leave Python's thread bookkeeping
    # broken (a running thread seen as stopped), and the caller must not remove
    # `staging` before rattler has stopped writing into it.
    with signals_held() as arrived:
        thread = threading.Thread(target=work, name="envlock-link", daemon=True)
        thread.start()
        thread.join()
    if arrived:
        raise KeyboardInterrupt
    if failure:
        _raise(failure[0], staging, final)
    _drop_cachedir_tag(staging, shipped=_restore_urls(staging, prepared.archives))


def _raise(error: BaseException, staging: Path, final: Path) -> NoReturn:
    if isinstance(error, EnvlockError):
        raise error
    if isinstance(error, OSError):
        raise _os_failure(error, staging) from None
    if isinstance(error, Exception):
        # rattler raises its own exception classes (InstallerError, LinkError, IoError ...)
        # whose text is the useful part; they all mean the install did not happen.
        raise _failure(error, final) from None
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


async def _record(verified: Verified, lock: Path) -> RepoDataRecord:
    """A RepoDataRecord read from the verified archive's own info/index.json.

    Reading the archive (not the lock) gets `noarch: python` and the other link-time
    facts right; explicit files and conda-lock.yml do not record them.
    """
    from rattler import PackageRecord, RepoDataRecord

    package = verified.package
    if verified.index_json is not None:
        # The archive's index.json as read when envlock.create.cache verified it (its stamp):
        # the same facts as the archive, without decompressing it again.
        record = RepoDataRecord(
            PackageRecord.from_index_json(verified.index_json),
            verified.path.name,
            verified.path.as_uri(),
            verified.path.parent.as_uri(),  # replaced below
        )
    else:
        record = await RepoDataRecord.from_package_archive(verified.path)
    found = (record.name.normalized, str(record.version), str(record.build))
    wanted = (package.name.lower(), package.version, package.build or found[2])
    if found != wanted:
        raise BadInputError(
            f"{verified.path.name}: the lock names {'='.join(wanted)} but the verified archive "
            f"holds {'='.join(found)}; the lock is inconsistent, re-resolve it",
            where=where(lock, line_of(lock, verified.path.name)),
        )
    record.url = verified.path.resolve().as_uri()
    # Never a credential, not even in rattler's own messages (a hand-written lock may
    # hold one): the lock's URL without it, as _restore_urls writes it.
    record.channel = split_package_url(scrub_url(package.url))[0] if package.url else ""
    record.sha256 = bytes.fromhex(verified.sha256)
    record.md5 = bytes.fromhex(verified.md5)
    record.size = verified.size
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


def _restore_urls(prefix: Path, archives: Sequence[Verified]) -> bool:
    """Put the lock's URL and channel back into conda-meta (rattler saw file:// copies).

    Returns True when a package ships a top-level CACHEDIR.TAG (read in the same pass).
    """
    by_file = {v.path.name: v for v in archives}
    ships_tag = False
    for meta in sorted((prefix / "conda-meta").glob("*.json")):
        with meta.open("r+b") as fh:
            text = fh.read().decode("utf-8")
            record = json.loads(text)
            ships_tag = ships_tag or _CACHEDIR_TAG in record.get("files", [])
            verified = by_file.get(str(record.get("fn", "")))
            if verified is None or not verified.package.url:
                continue
            # The lock's URL, never a credential (placeholders such as ${TOKEN} are kept).
            url = scrub_url(verified.package.url.split("#", 1)[0])
            wanted = {
                "url": url,
                "channel": split_package_url(url)[0],
                "md5": verified.md5,
                "sha256": verified.sha256,
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


# rattler's words when an archive (already verified against the lock) cannot be unpacked.
_UNPACK_WORDS = ("bz2", "bzip2", "zstd", "zip", "archive", "extract", "unexpected end")


def _failure(error: Exception, final: Path) -> EnvlockError:
    """The envlock error for a rattler failure: "try again" only when a retry can help.

    A failure caused by the lock's content fails the same way every time: a noarch:
    python package without python in the lock (BadInputError, exit 2), or a locked
    archive that cannot be unpacked although its bytes are the ones the lock names.
    """
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = "; ".join(lines) or type(error).__name__
    lowered = text.lower()
    head = f"installing into {final} failed: {text}; nothing was left behind."
    if "no python version specified" in lowered:
        return BadInputError(
            f"{head} The lock lists noarch: python packages but no python, so it is "
            "incomplete and fails the same way every time: re-resolve it"
        )
    if _disk_full(text):
        return WorldFailedError(f"{head} Free some space and try again")
    if any(word in lowered for word in _UNPACK_WORDS):
        return WorldFailedError(
            f"{head} The archive matches the lock's hash, so the locked file itself cannot "
            "be unpacked and a retry fails the same way: fix the channel's file or "
            "re-resolve the lock"
        )
    return WorldFailedError(f"{head} Try again")


def _disk_full(text: str) -> bool:
    lowered = text.lower()
    return "no space left" in lowered or "disk full" in lowered or "os error 28" in lowered


def _os_failure(error: OSError, staging: Path) -> WorldFailedError:
    if error.errno == errno.ENOSPC:
        return WorldFailedError(
            f"the disk holding {staging.parent} is full; nothing was left behind. "
            "Free some space (or set ENVLOCK_PKGS_DIR to a larger disk) and try again"
        )
    return WorldFailedError(f"installing failed: {error}; nothing was left behind")


__all__ = ["OnLinked", "Prepared", "install_verified", "prepare"]
