"""Figures for `envlock create` (a script, not a test): run `python bench/bench_create.py`.

Prints, for the m3net recipe resolved against the demo mirror (linux-64):
- cold create: empty package cache, every archive fetched, verified, extracted, linked;
- warm create: the same into a new prefix with the cache filled (archives re-hashed,
  extracted files fully re-validated, then linked);
- `cp -al` of the created prefix (a plain hardlink copy of the same files) and the ratio
  warm / cp -al (goal: at most 3).
Each figure is the median of a few runs, measured in-process around plan + apply.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RUNS = 5


def _timed_create(lock: Path, prefix: Path, pkgs: Path) -> float:
    from envlock.create import apply_create, plan_create

    started = time.perf_counter()
    apply_create(plan_create(lock, platform="linux-64", prefix=prefix, pkgs_dir=pkgs))
    return time.perf_counter() - started


def main() -> int:
    from envlock.cli import run
    from envlock.mirror import build_mirror

    with tempfile.TemporaryDirectory(prefix="envlock-bench-") as tmp:
        work = Path(tmp)
        mirror = build_mirror(work / "mirror")
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
                    mirror.channel_alias,
                    "--json",
                ]
            )
        if code != 0:
            print(f"resolve failed with exit {code}:\n{quiet.getvalue()}", file=sys.stderr)
            return code
        lock = work / "locks" / "m3net"

        cold = []
        for i in range(RUNS):
            cold.append(_timed_create(lock, work / f"cold{i}", work / f"pkgs-cold{i}"))
        pkgs = work / "pkgs-cold0"
        warm = [_timed_create(lock, work / f"warm{i}", pkgs) for i in range(RUNS)]
        copy = []
        for i in range(RUNS):
            started = time.perf_counter()
            subprocess.run(["cp", "-al", str(work / "warm0"), str(work / f"cp{i}")], check=True)
            copy.append(time.perf_counter() - started)
        packages = len(list((work / "warm0" / "conda-meta").glob("*.json")))
        files = sum(1 for p in (work / "warm0").rglob("*") if p.is_file())
        shutil.rmtree(work / "mirror", ignore_errors=True)

    cold_s, warm_s, copy_s = (statistics.median(x) for x in (cold, warm, copy))
    print(f"m3net linux-64 from the demo mirror: {packages} packages, {files} files")
    print(f"cold create (empty cache), median of {RUNS}: {cold_s * 1000:8.1f} ms")
    print(f"warm create (filled cache), median of {RUNS}: {warm_s * 1000:8.1f} ms")
    print(f"cp -al of the created prefix, median of {RUNS}: {copy_s * 1000:8.1f} ms")
    print(f"warm create / cp -al: {warm_s / copy_s:.1f}x (goal <= 3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
