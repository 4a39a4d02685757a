"""Fetch package archives into envlock's package cache, verified against the lock.

py-rattler checks archive hashes only for http(s) downloads, so envlock fetches every
archive itself (envlock.net.download: file:// by copying, http(s) under the HTTP policy
of envlock.net.policy), hashes it while it streams, and only a verified file is renamed
into the cache. A cached archive is
verified again before each use (re-hashed, or trusted through its verified-stamp, see
`cached`); a stale one is fetched anew.

Where an archive is fetched from is a `Download` (see `download_for`): the lock's URL
with `${VAR}` placeholders expanded from the environment (envlock.net.download's
`download_from`), or the URL re-based onto a channel alias. Credentials (an alias's
`user:password@` or `/t/<TOKEN>`, or expanded placeholders) are used for the request
only: messages show `Download.shown` (masked, placeholders unexpanded), and nothing
envlock writes holds them. Files and folders made here get the modes `open()`/`mkdir`
give (0666/0777 less the umask), so a package cache can be shared with a group.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from envlock.atomic import replace_unsynced
from envlock.create.sharing import archive_lock, sweep_stale
from envlock.errors import BadInputError, WorldFailedError
from envlock.models import Package
from envlock.net.credentials import Declared, declared_by, placeholders
from envlock.net.download import Batch, Download, Fetched, OnBytes, download, download_from
from envlock.net.policy import HttpPolicy
from envlock.platforms import cache_root

CHUNK = 1 << 20
ARCHIVES = "archives"
# Verified-stamps live in <pkgs>/archives/.envlock-verified/<archive file name>.json.
STAMPS = ".envlock-verified"
STAMP_KEY = "_envlock_verified"
# A stamp is trusted only when the archive's mtime and ctime are at least this much older
# than the verification (git's "racy clean" rule): on a file system with coarse (1-2 s)
# timestamps, a same-size write in the same tick as the hashing would leave them unchanged.
RACY_NS = 2_000_000_000
# (path, stat key) of cached archives this process hashed and found not to be the locked
# file: `fetch` replaces them without hashing them a second time.
_REJECTED: set[tuple[str, tuple[int, ...]]] = set()


def rebased_url(package: Package, alias: str) -> str:
    """`<alias>/<channel name>/<subdir>/<file name>` for `package` (credentials kept)."""
    filename = require_filename(package)
    if not package.channel or not package.subdir:
        raise BadInputError(
            f"{filename}: the lock names no channel or subdir for this package, so it "
            "cannot be fetched through a channel alias; create without --channel-alias"
        )
    return f"{alias.rstrip('/')}/{package.channel}/{package.subdir}/{filename}"


def download_for(
    package: Package,
    alias: str | None = None,
    policy: HttpPolicy | None = None,
    declared: Declared | None = None,
) -> Download:
    """How to fetch `package`: from the lock's URL, or re-based onto `alias`, under
    `policy` (default: `HttpPolicy()`; the command reads the environment's once), no
    more bytes than the lock's size.

    `${NAME}` placeholders of the lock's URL are expanded from the environment only as
    far as `declared` (the lock's channels, see `declared_for`; default: none) allows;
    those of `alias` (the user's own) always. Credentials are sent as
    envlock.net.download.download_from says: a BadInputError naming the file says which
    variable is undeclared or unset, or why the URL's credentials cannot be sent.
    """
    if alias:
        # The alias is the user's own: its placeholders (and only those) are filled in.
        template = rebased_url(package, alias)
        declared = Declared(own=frozenset(placeholders(alias)))
    else:
        template = (package.url or "").split("#", 1)[0]
    return download_from(
        template,
        filename=require_filename(package),
        policy=policy,
        declared=declared,
        size=package.size,
    )


def declared_for(kind: str, lock: Path, packages: Sequence[Package]) -> Declared:
    """What the lock at `lock` (of `kind`, "conda-lock" or "explicit") declares for the
    `${NAME}` placeholders of `packages`' URLs: its channels' `used_env_vars` per host;
    nothing for an explicit file. The lock is read again only when a URL has one."""
    if not any("${" in (p.url or "") for p in packages):
        return Declared()
    if kind != "conda-lock":
        return Declared(explicit=True)
    from envlock.lock.condalock import read_lock

    return declared_by((c.url, c.used_env_vars) for c in read_lock(lock).channels)


@dataclass(frozen=True, kw_only=True, slots=True)
class Verified:
    """A package archive on local disk whose bytes match the lock's hash."""

    package: Package
    path: Path
    sha256: str
    md5: str
    size: int
    fetched: bool  # False when the cached copy was used
    # The archive's info/index.json (plus the stamp key), read when it was verified; None
    # when not known (fresh downloads): the installer reads the archive itself then.
    index_json: Path | None = None


def default_pkgs_dir() -> Path:
    """`ENVLOCK_PKGS_DIR`, else `pkgs` in envlock's cache folder
    (envlock.platforms.cache_root: `~/.cache/envlock/pkgs` on Linux)."""
    configured = os.environ.get("ENVLOCK_PKGS_DIR")
    if configured:
        return Path(configured).expanduser()
    return cache_root() / "pkgs"


def archive_path(pkgs_dir: Path, package: Package) -> Path:
    """Where `package`'s archive lives in the cache (`<pkgs>/archives/<file name>`)."""
    return pkgs_dir / ARCHIVES / require_filename(package)


def require_filename(package: Package) -> str:
    """The archive's file name, or a BadInputError naming the package."""
    filename = package.filename
    if not filename:
        raise BadInputError(
            f"{package.spec()}: the lock gives no URL for this package, so it cannot be "
            "fetched; re-run `envlock resolve` to write a complete lock"
        )
    return filename


def expected_hash(package: Package) -> tuple[str, str]:
    """("sha256" | "md5", hex) the archive must match; sha256 wins when both are known."""
    if package.sha256:
        return "sha256", package.sha256.lower()
    if package.md5:
        return "md5", package.md5.lower()
    raise BadInputError(
        f"{package.filename or package.spec()}: the lock records no sha256 or md5 for this "
        "package, and envlock installs nothing it cannot verify; re-run `envlock resolve` "
        "or add the hash to the lock"
    )


def hash_file(path: Path, on_bytes: OnBytes | None = None) -> tuple[str, str, int]:
    """(sha256, md5, size) of a file, read in chunks."""
    sha, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            sha.update(chunk)
            md5.update(chunk)
            size += len(chunk)
            if on_bytes:
                on_bytes(len(chunk))
    return sha.hexdigest(), md5.hexdigest(), size


def matches(package: Package, sha256: str, md5: str) -> bool:
    """True when the computed hashes agree with every hash the lock records."""
    if package.sha256 and package.sha256.lower() != sha256:
        return False
    return not (package.md5 and package.md5.lower() != md5)


def cached(pkgs_dir: Path, package: Package, on_bytes: OnBytes | None = None) -> Verified | None:
    """The cached archive of `package` if it exists and still matches the lock, else None.

    Hashing a multi-GB cache on every create is most of a warm create's time, so a
    successful verification leaves a verified-stamp: the hashes, the archive's
    info/index.json and the archive's (size, mtime_ns, ctime_ns, inode, device) taken
    before hashing. The stamp stands in for hashing only when all five are unchanged and
    the lock's hashes equal the stamp's. Why that catches a modified archive:
    - any write to the file's bytes sets both mtime and ctime to the current time;
    - restoring the mtime afterwards (`touch -d`, `os.utime`) sets ctime to the current
      time again, and no system call sets ctime to a chosen value (only changing the
      system clock would, a deliberate act by root);
    - replacing the file (rename over it, copy a new one in) changes the inode;
    - a write within the same timestamp tick as the hashing is caught by RACY_NS: a
      stamp taken less than RACY_NS after the file's last change is not trusted;
    - the stat is taken before hashing and compared again after, so a write during the
      hashing leaves no stamp.
    Not caught (as with git's index, conda and every stat-based cache): bytes changed
    under the file system (bit rot) and someone who can write the cache editing the stamp
    too. Windows reports creation time as st_ctime, so there no stamp is trusted.
    """
    path = archive_path(pkgs_dir, package)
    try:
        before = path.stat()
    except OSError:
        return None
    stamp_path = pkgs_dir / ARCHIVES / STAMPS / f"{path.name}.json"
    stamp = _trusted_stamp(stamp_path, before)
    if stamp is not None and matches(package, stamp["sha256"], stamp["md5"]):
        return Verified(package=package, path=path, sha256=stamp["sha256"], md5=stamp["md5"],
                        size=before.st_size, fetched=False, index_json=stamp_path)  # fmt: skip
    verified_at = time.time_ns()
    sha256, md5, size = hash_file(path, on_bytes)
    if not matches(package, sha256, md5):
        _REJECTED.add((str(path), tuple(_stat_key(before))))
        return None
    index = _write_stamp(stamp_path, path, before, verified_at, sha256, md5)
    return Verified(package=package, path=path, sha256=sha256, md5=md5, size=size, fetched=False,
                    index_json=index)  # fmt: skip


def stamp_state(pkgs_dir: Path, package: Package) -> Literal["verified", "stale", "unknown"]:
    """What the verified-stamp alone says about the cached archive, without hashing.

    "verified": a trusted stamp (see `cached`) whose hashes match the lock; "stale": a
    trusted stamp whose hashes differ from the lock's (the cached file is not the locked
    one and will be fetched again); "unknown": no archive, no stamp or an untrusted one
    (the archive is hashed before use).
    """
    path = archive_path(pkgs_dir, package)
    try:
        now = path.stat()
    except OSError:
        return "unknown"
    stamp = _trusted_stamp(pkgs_dir / ARCHIVES / STAMPS / f"{path.name}.json", now)
    if stamp is None:
        return "unknown"
    return "verified" if matches(package, stamp["sha256"], stamp["md5"]) else "stale"


def _stat_key(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


def _trusted_stamp(stamp_path: Path, now: os.stat_result) -> dict[str, Any] | None:
    """The stamp's facts when it may stand in for hashing (see `cached`), else None."""
    if os.name == "nt":
        return None
    try:
        data = json.loads(stamp_path.read_bytes())
        facts = data[STAMP_KEY]
        key, verified_at = facts["stat"], int(facts["verified_at_ns"])
        sha256, md5 = str(facts["sha256"]), str(facts["md5"])
    except (OSError, ValueError, TypeError, KeyError):
        return None
    if key != _stat_key(now):
        return None
    if verified_at - max(now.st_mtime_ns, now.st_ctime_ns) < RACY_NS:
        return None
    return {"sha256": sha256, "md5": md5}


def _read_index_json(path: Path) -> dict[str, Any]:
    """An archive's info/index.json, read as a stream that stops at that member.

    (tarfile's getmember would decompress the whole archive to list it first.) Raises
    ValueError or OSError when the archive holds no readable index.json.
    """
    import tarfile
    import zipfile

    import zstandard

    def first(stream: Any) -> dict[str, Any]:  # BZ2File or a zstd reader: binary streams
        with tarfile.open(fileobj=stream, mode="r|") as tar:
            for member in tar:
                if member.name == "info/index.json" and member.isfile():
                    handle = tar.extractfile(member)
                    data = json.loads(handle.read()) if handle else None
                    if isinstance(data, dict):
                        return data
                    break
        raise ValueError(f"{path.name}: no info/index.json object")

    try:
        if path.name.endswith(".tar.bz2"):
            import bz2

            with bz2.open(path, "rb") as bz2_stream:
                return first(bz2_stream)
        stem = path.name.removesuffix(".conda")
        with (
            zipfile.ZipFile(path) as archive,
            archive.open(f"info-{stem}.tar.zst") as raw,
            zstandard.ZstdDecompressor().stream_reader(raw) as zst_stream,
        ):
            return first(zst_stream)
    except (KeyError, tarfile.TarError, zipfile.BadZipFile, zstandard.ZstdError, EOFError) as error:
        raise ValueError(f"{path.name}: unreadable archive: {error}") from error


def _write_stamp(  # noqa: PLR0917 - private helper of `cached`
    stamp_path: Path,
    path: Path,
    before: os.stat_result,
    verified_at: int,
    sha256: str,
    md5: str,
) -> Path | None:
    """Record a verification (see `cached`); returns the stamp path, None when not written."""
    try:
        if _stat_key(path.stat()) != _stat_key(before):
            return None  # changed while it was hashed
        data = _read_index_json(path)
        data[STAMP_KEY] = {
            "stat": _stat_key(before),
            "verified_at_ns": verified_at,
            "sha256": sha256,
            "md5": md5,
        }
        stamp_path.parent.mkdir(parents=True, exist_ok=True)
        # Written to a temporary name and renamed, without fsync (envlock.atomic's fsync
        # per file doubled the first warm create): after a crash a stamp is either whole,
        # or empty/unparsable and so ignored (the archive is hashed again).
        replace_unsynced(stamp_path, json.dumps(data, sort_keys=True).encode())
    except (OSError, ValueError):
        return None  # an unreadable index or a read-only cache: verify by hashing next time
    return stamp_path


def fetch(
    pkgs_dir: Path,
    package: Package,
    *,
    source: Download | None = None,
    on_bytes: OnBytes | None = None,
    batch: Batch | None = None,
) -> Verified:
    """Download or copy `package`'s archive into the cache and verify it against the lock.

    `source` says where from and under which HTTP policy (default:
    `download_for(package)`, the lock's URL). The archive's lock (envlock.create.sharing)
    is held throughout: when another process fetched the archive meanwhile, its verified
    copy is used and nothing is downloaded. `batch` can cancel it from another thread
    (CancelledError). Raises WorldFailedError (exit 4) for a missing file, an HTTP error,
    a timeout (after the policy's retries) or a hash mismatch (naming the file, the hash
    the lock expects and the hash found); nothing unverified is left in the cache.
    """
    expected_hash(package)  # refuse a package the lock gives no hash for
    source = source or download_for(package)
    dest = archive_path(pkgs_dir, package)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shown = source.shown
    stop = batch.cancelled_now if batch is not None else (lambda: False)

    def check(fetched: Fetched) -> None:
        _check(package, {"sha256": fetched.sha256, "md5": fetched.md5}, dest.name, shown)

    with archive_lock(dest.parent, dest.name, stop=stop):
        now = _stat_or_none(dest)
        # Another process may have fetched it while this one waited (or since the plan
        # was made); a file `cached` found wanting in this process is not hashed again.
        rejected = now is not None and (str(dest), tuple(now)) in _REJECTED
        if now is not None and not rejected and (ready := cached(pkgs_dir, package)):
            return ready
        got = download(source, dest, check=check, on_bytes=on_bytes, batch=batch)
    return Verified(
        package=package, path=dest, sha256=got.sha256, md5=got.md5, size=got.size, fetched=True
    )


def _stat_or_none(path: Path) -> list[int] | None:
    try:
        return _stat_key(path.stat())
    except OSError:
        return None


def fetch_all(
    pkgs_dir: Path,
    todo: Sequence[tuple[Package, Download]],
    *,
    on_bytes: OnBytes | None = None,
    workers: int = 4,
) -> list[Verified]:
    """`fetch` every (package, source) of `todo`, `workers` at a time; the results in
    `todo`'s order. First sweeps what killed processes left in the cache
    (envlock.create.sharing.sweep_stale).

    When one fails (or Ctrl-C arrives), the others are cancelled and every temporary file
    of the batch is removed before the error propagates: the caller may leave through
    os._exit at once, and the cache holds only verified archives.
    """
    from concurrent.futures import ThreadPoolExecutor

    sweep_stale(pkgs_dir / ARCHIVES)
    if not todo:
        return []
    batch = Batch()
    pool = ThreadPoolExecutor(max_workers=workers)
    futures = [
        pool.submit(fetch, pkgs_dir, package, source=source, on_bytes=on_bytes, batch=batch)
        for package, source in todo
    ]
    try:
        return [future.result() for future in futures]
    except BaseException:
        batch.cancel()
        raise
    finally:
        # Queued downloads are dropped; running ones stop at their next chunk (their
        # files are gone already) and are not waited for.
        pool.shutdown(wait=False, cancel_futures=True)


def _check(package: Package, found: dict[str, str], filename: str, shown: str) -> None:
    for kind, want in (("sha256", package.sha256), ("md5", package.md5)):
        if want and want.lower() != found[kind]:
            raise WorldFailedError(
                f"{filename}: {kind} mismatch: the lock expects {want.lower()}, the archive "
                f"at {shown} has {found[kind]}. The file on the channel is not the one "
                "that was locked (tampered, re-uploaded or corrupted); nothing was installed. "
                "Check the channel, or re-resolve if the change is intended."
            )


__all__ = [
    "ARCHIVES",
    "Download",
    "OnBytes",
    "Verified",
    "archive_path",
    "cached",
    "declared_for",
    "default_pkgs_dir",
    "download_for",
    "expected_hash",
    "fetch",
    "fetch_all",
    "hash_file",
    "rebased_url",
    "stamp_state",
]
