"""Figures for `envlock create` (a script, not a test): run `python bench/bench_create.py`.

Two scenarios, both m3net resolved for linux-64 against a mirror built in a temp folder:
- `demo`: the demo mirror as shipped (69 tiny stand-in packages, ~140 files). Linking is
  almost free here, so the figure is envlock's and rattler's fixed per-package overhead.
- `realistic`: the same catalog, but each package carries a file count like the real one
  (pytorch ~4,000, python ~3,000, numpy ~800, mkl/ffmpeg/... a few hundred, others 20-200;
  ~16,000 files of 0.2-8 KiB). The payload is padded by swapping the mirror's `payload`
  function inside this process only; the demo mirror's own output is untouched.

For each scenario it prints
- cold create: empty package cache, every archive fetched, verified, extracted, linked;
- warm create: the same into a new prefix with the cache filled (archives verified,
  extracted files fully re-validated against paths.json, then linked). The warm runs start
  after the archives are older than envlock's "racy" window (see envlock.create.cache), i.e. the
  steady state of a cache filled earlier; `first warm` is the run right after the cold one;
- `cp -al` of the created prefix (a plain hardlink copy of the same files) and the ratio
  warm / cp -al (goal: at most 3).
Each figure is the median of a few runs, measured in-process around plan + apply.

The realistic files are small, so this measures per-file work, not bytes: with real
archives (GBs for m3net) re-hashing archives and re-validating extracted files costs time
in proportion to bytes; the `hash throughput` line lets you estimate that.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RUNS = 5
# Files per package in the realistic scenario (names not listed: 20-200 by name hash).
REAL_FILES = {
    "pytorch": 4000,
    "python": 3000,
    "numpy": 800,
    "mkl": 300,
    "ffmpeg": 400,
    "matplotlib-base": 700,
    "pillow": 250,
    "torchvision": 350,
    "pyg": 600,
    "openssl": 250,
    "tk": 600,
    "ncurses": 300,
    "libcublas": 60,
}


def _count(name: str) -> int:
    if name in REAL_FILES:
        return REAL_FILES[name]
    return 20 + int(hashlib.sha256(name.encode()).hexdigest(), 16) % 181


def _realistic_payload(
    original: Callable[..., dict[str, bytes]], padded: set[str]
) -> Callable[..., dict[str, bytes]]:
    """The mirror's payload, padded with many files for the archives named in `padded`."""

    def payload(record: object) -> dict[str, bytes]:
        files = dict(original(record))
        if str(getattr(record, "filename", "")) not in padded:
            return files
        name = str(getattr(record, "name", ""))
        noarch = getattr(record, "noarch", None) == "python"
        base = f"site-packages/{name.replace('-', '_')}" if noarch else f"lib/{name}"
        seed = hashlib.sha256(name.encode()).digest()
        for i in range(_count(name)):
            size = 200 + (seed[i % 32] * 31 + i * 97) % 8000
            line = f"# {name} file {i}\n".encode()
            files[f"{base}/sub{i % 16:02d}/f{i:05d}.py"] = (line * (size // len(line) + 1))[:size]
        return files

    return payload


def _timed_create(lock: Path, prefix: Path, pkgs: Path) -> float:
    from envlock.create.apply import apply_create
    from envlock.create.plan import plan_create

    started = time.perf_counter()
    apply_create(plan_create(lock, platform="linux-64", prefix=prefix, pkgs_dir=pkgs))
    return time.perf_counter() - started


def _resolve(work: Path, alias: str) -> Path | None:
    from envlock.cli import run

    quiet = io.StringIO()
    with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
        code = run(
            [
                "resolve",
                str(REPO / "recipes" / "m3net.yml"),
                "-p",
                "linux-64",
                "-o",
                str(work / "locks"),
                "--channel-alias",
                alias,
                "--json",
            ]
        )
    if code != 0:
        print(f"resolve failed with exit {code}:\n{quiet.getvalue()}", file=sys.stderr)
        return None
    return work / "locks" / "m3net"


def scenario(label: str, work: Path, *, padded: set[str] | None) -> set[str] | None:
    """Run one scenario; returns the archive names of the lock (None on failure).

    With `padded`, the mirror holds only linux-64 and noarch records, and the archives
    named in `padded` (the demo lock's) carry realistic file counts.
    """
    from envlock.create import cache as fetch
    from envlock.mirror import archive, build_mirror
    from envlock.mirror.catalog import demo_catalog

    original = archive.payload
    records = None
    if padded is not None:
        archive.payload = _realistic_payload(original, padded)
        records = [r for r in demo_catalog() if r.subdir in ("linux-64", "noarch")]
    try:
        started = time.perf_counter()
        mirror = build_mirror(work / "mirror", records)
        built = time.perf_counter() - started
    finally:
        archive.payload = original
    lock = _resolve(work, mirror.channel_alias)
    if lock is None:
        return None

    cold = [_timed_create(lock, work / f"cold{i}", work / f"pkgs-cold{i}") for i in range(RUNS)]
    pkgs = work / "pkgs-cold0"
    first_warm = _timed_create(lock, work / "warm-first", pkgs)
    # steady state: the cached archives are older than the racy window
    time.sleep(max(0.0, fetch.RACY_NS / 1e9 - (time.perf_counter() - started) + built))
    _timed_create(lock, work / "warm-restamp", pkgs)
    warm = [_timed_create(lock, work / f"warm{i}", pkgs) for i in range(RUNS)]
    copy = []
    for i in range(RUNS):
        begun = time.perf_counter()
        subprocess.run(["cp", "-al", str(work / "warm0"), str(work / f"cp{i}")], check=True)
        copy.append(time.perf_counter() - begun)
    packages = len(list((work / "warm0" / "conda-meta").glob("*.json")))
    files = sum(1 for p in (work / "warm0").rglob("*") if p.is_file())
    archive_bytes = sum(p.stat().st_size for p in (pkgs / "archives").glob("*.*"))

    cold_s, warm_s, copy_s = (statistics.median(x) for x in (cold, warm, copy))
    print(f"[{label}] m3net linux-64: {packages} packages, {files} files, "
          f"{archive_bytes / 1e6:.1f} MB of archives (mirror built in {built:.1f} s)")  # fmt: skip
    print(f"  cold create (empty cache), median of {RUNS}:  {cold_s * 1000:8.1f} ms")
    print(f"  first warm create (just after cold):   {first_warm * 1000:8.1f} ms")
    print(f"  warm create (filled cache), median of {RUNS}: {warm_s * 1000:8.1f} ms")
    print(f"  cp -al of the created prefix, median of {RUNS}: {copy_s * 1000:8.1f} ms")
    print(f"  warm create / cp -al: {warm_s / copy_s:.1f}x (goal <= 3)")
    return {p.name for p in (pkgs / "archives").glob("*.*") if p.suffix in (".bz2", ".conda")}


def hash_throughput() -> float:
    """MB/s of envlock's archive hash (sha256 + md5 in one pass) on this machine."""
    data = b"\x5a" * (64 << 20)
    sha, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
    started = time.perf_counter()
    for offset in range(0, len(data), 1 << 20):
        chunk = data[offset : offset + (1 << 20)]
        sha.update(chunk)
        md5.update(chunk)
    return len(data) / 1e6 / (time.perf_counter() - started)


def main() -> int:
    padded: set[str] | None = None
    for label in ("demo", "realistic"):
        with tempfile.TemporaryDirectory(prefix=f"envlock-bench-{label}-") as tmp:
            names = scenario(label, Path(tmp), padded=padded)
            if names is None:
                return 1
            padded = names
            shutil.rmtree(Path(tmp) / "mirror", ignore_errors=True)
    print(f"hash throughput (sha256+md5): {hash_throughput():.0f} MB/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
