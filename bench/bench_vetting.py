"""Figures for vetting archives' paths (a script, not a test): `python bench/bench_vetting.py`.

Vetting (envlock.create.vetting) reads every tar member name and link target of an
archive once per archive content (a full decompression), then keeps the verdict under
`<pkgs>/archives/.envlock-vetted/<sha256>.json`; every later create reads only the info
files. This prints, for one large generated package in both formats (FILES files,
about MB megabytes unpacked, some symbolic links):

- hash: sha256 + md5 of the archive, as envlock verifies it (envlock.create.cache);
- first vetting: every member read (tarfile streaming) and checked;
- decompression alone: what extracting the archive costs before any file is written
  (rattler pays it on the first create anyway);
- rattler stream: the same member scan with py-rattler's own streaming reader, for scale;
- later creates: the info files alone read and checked, the verdict record in hand.

Each figure is the median of RUNS runs, with the first vetting's ratio to hashing.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.helpers.hostile import Member

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

FILES = 8000
MB = 60
RUNS = 3


def _members() -> list[Member]:
    from tests.helpers.hostile import file, symlink

    rng = random.Random(9)
    words = [
        bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz_ ") for _ in range(8)) for _ in range(512)
    ]
    size = MB * (1 << 20) // FILES
    members: list[Member] = []
    for i in range(FILES):
        body = b" ".join(rng.choice(words) for _ in range(size // 9))
        members.append(file(f"lib/big/mod{i // 100}/f{i}.py", body))
        if i % 50 == 0:
            members.append(symlink(f"lib/big/mod{i // 100}/link{i}.py", f"f{i}.py"))
    return members


def _median(work: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def _rattler_scan(path: Path) -> int:
    from rattler.package_streaming import PackageArchive

    archive = await PackageArchive.from_path(path)
    count = 0
    async for _entry in archive.stream("pkg"):
        count += 1
    return count


def _decompress(path: Path) -> None:
    """Read the whole payload decompressed, as extraction must (no tar parsing)."""
    import bz2
    import zipfile

    import zstandard

    if path.name.endswith(".tar.bz2"):
        with bz2.open(path) as stream:
            while stream.read(1 << 20):
                pass
        return
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.endswith(".tar.zst"):
                with (
                    archive.open(name) as raw,
                    zstandard.ZstdDecompressor().stream_reader(raw) as z,
                ):
                    while z.read(1 << 20):
                        pass


def _measure(path: Path, members: int) -> None:
    from envlock.create.cache import hash_file
    from envlock.engine.archive_listing import read_listing
    from envlock.engine.paths_check import info_problem, members_problem

    hashing = _median(lambda: hash_file(path))
    first = _median(lambda: members_problem("big", read_listing(path).members))
    later = _median(lambda: info_problem("big", read_listing(path, members=False)))
    rattler = _median(lambda: asyncio.run(_rattler_scan(path)))
    unpack = _median(lambda: _decompress(path))
    print(f"{path.name}: {members} members, {path.stat().st_size / 1e6:.1f} MB archive")
    print(f"  hash (sha256 + md5)           {hashing * 1000:8.1f} ms")
    print(f"  first vetting (all members)   {first * 1000:8.1f} ms  "
          f"= {first / hashing:.1f} x hashing")  # fmt: skip
    print(f"  decompression alone           {unpack * 1000:8.1f} ms  "
          f"(first vetting = {first / unpack:.2f} x it)")  # fmt: skip
    print(f"  rattler stream, same scan     {rattler * 1000:8.1f} ms")
    print(f"  later creates (info only)     {later * 1000:8.1f} ms")


def main() -> None:
    from tests.helpers.hostile import hostile_package

    members = _members()
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in (".tar.bz2", ".conda"):
            package = hostile_package(Path(tmp), "bigpkg", members, fmt=fmt)
            path = Path(tmp) / "linux-64" / f"bigpkg-1.0-0{fmt}"
            assert hashlib.sha256(path.read_bytes()).hexdigest() == package.sha256
            _measure(path, len(members))


if __name__ == "__main__":
    main()
