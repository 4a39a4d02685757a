"""Resolve benchmarks (a script, not a test): prints the figures issue 3 asks for.

    .venv/bin/python bench/bench_resolve.py [--names 300] [--versions 100] [--big 100000]

1. 3-platform resolve time / 1-platform time on a generated channel (names x versions
   records per platform, every version depending on three others within a version window,
   top-level upper bounds forcing the solver off the newest versions). Platforms solve
   concurrently: on 2 cores 1.5 is the floor, serial work gives ~3; goal ≤ 2.0.
2. Warm `envlock resolve --check` wall time, interpreter start included (goal < 0.5 s).
3. envlock's resolve of one platform (plan, solve, guard, render, atomic write) divided
   by a bare py-rattler solve of the same specs, both with a fresh Gateway (goal ≤ 1.3).
4. A solve against a generated 100,000-record channel: wall time and peak RSS of a fresh
   process.
The generated channel is called `conda-forge` because every recipe ends with that base
channel. Figures are medians of a few runs (the machines are shared).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PLATFORMS = ("linux-64", "osx-64", "win-64")
SPECS = (
    "pkg00000 <=60",
    "pkg00007 <=70",
    "pkg00013",
    "pkg00021 >=30",
    "pkg00034 <=80",
    "pkg00055",
    "pkg00089 <=75",
    "pkg00144",
    "pkg00233 <=65",
    "pkg00010",
    "pkg00020",
    "pkg00030",
    "pkg00040",
    "pkg00050",
    "pkg00060",
    "pkg00070",
    "pkg00080",
    "pkg00090",
    "pkg00100",
    "pkg00110",
)


def generate_channel(
    root: Path, names: int, versions: int, subdirs: tuple[str, ...], cluster: int = 0
) -> int:
    """Write `root/<subdir>/repodata.json` (+ empty noarch); returns records per subdir.

    With `cluster`, packages depend only on names of their own group of `cluster` names,
    so a request reaches a realistic part of the channel; without, the whole channel.
    """
    for subdir in subdirs:
        packages: dict[str, dict[str, object]] = {}
        for i in range(names):
            for v in range(1, versions + 1):
                depends = []
                for k in (1, 2, 3):
                    if cluster:
                        j = i - i % cluster + (i * 7 + k * 13) % cluster
                    else:
                        j = (i * 7 + k * 13) % names
                    if j != i:
                        low = max(1, v - 4 - (i + k) % 5)
                        high = v + 4 + (i * k) % 5
                        depends.append(f"pkg{j:05d} >={low},<={high}")
                filename = f"pkg{i:05d}-{v}.0-h{i % 97:04x}_0.tar.bz2"
                packages[filename] = {
                    "name": f"pkg{i:05d}",
                    "version": f"{v}.0",
                    "build": f"h{i % 97:04x}_0",
                    "build_number": 0,
                    "depends": depends,
                    "subdir": subdir,
                    "timestamp": 1_600_000_000_000 + v * 1000,
                    "md5": f"{i:016x}{v:016x}",
                    "sha256": f"{i:032x}{v:032x}",
                    "size": 1000,
                }
        (root / subdir).mkdir(parents=True, exist_ok=True)
        (root / subdir / "repodata.json").write_text(
            json.dumps({"info": {"subdir": subdir}, "packages": packages, "packages.conda": {}})
        )
    (root / "noarch").mkdir(parents=True, exist_ok=True)
    (root / "noarch" / "repodata.json").write_text(
        json.dumps({"info": {"subdir": "noarch"}, "packages": {}, "packages.conda": {}})
    )
    return names * versions


def write_recipe(path: Path, platforms: tuple[str, ...]) -> Path:
    lines = ["envlock: 1", "name: bench", f"platforms: [{', '.join(platforms)}]"]
    lines += ["channels: [conda-forge]", "dependencies:"]
    lines += [f"  - {spec}" for spec in SPECS]
    path.write_text("\n".join(lines) + "\n")
    return path


def median_time(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bench_concurrency(recipe: Path, alias: str, work: Path, runs: int) -> tuple[float, float]:
    from envlock.resolve.plan import Options, plan
    from envlock.resolve.solver import solve_platforms

    three = plan(recipe, Options(out_dir=work / "locks"))
    one = plan(recipe, Options(platforms=("linux-64",), out_dir=work / "locks"))

    def solve(specsets: object) -> None:
        solve_platforms(specsets, channel_alias=alias, cache_dir=work / "cache")  # type: ignore[arg-type]  # a tuple of SpecSets

    solve(one.specsets)  # warm the OS file cache once
    # Alternate 1- and 3-platform runs so that a change in machine load between them
    # skews both sides alike; the load average says whether the reading was quiet.
    ones: list[float] = []
    threes: list[float] = []
    cpu3 = 0.0
    for _ in range(runs):
        started = time.perf_counter()
        solve(one.specsets)
        ones.append(time.perf_counter() - started)
        cpu, started = time.process_time(), time.perf_counter()
        solve(three.specsets)
        threes.append(time.perf_counter() - started)
        cpu3 += time.process_time() - cpu
    t1, t3 = statistics.median(ones), statistics.median(threes)
    cpu3 /= runs
    print(f"   3 platforms: {cpu3:.2f} s CPU in {t3:.2f} s wall ({cpu3 / t3:.2f} cores busy)")
    print(f"   load average (1 min) at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"   peak RSS of this process so far: {_peak_mb():.0f} MB")
    return t1, t3


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_check(recipe: Path, alias: str, work: Path, runs: int) -> float:
    out = work / "check-locks"
    base = [sys.executable, "-m", "envlock", "resolve", str(recipe), "-o", str(out)]
    subprocess.run([*base, "--channel-alias", alias], check=True, capture_output=True)
    subprocess.run([*base, "--check"], check=True, capture_output=True)  # warm
    return median_time(
        lambda: subprocess.run([*base, "--check"], check=True, capture_output=True), runs
    )


def bench_overhead(recipe: Path, alias: str, work: Path, runs: int) -> tuple[float, float]:
    import rattler
    from rattler import (
        BuildString,
        Gateway,
        GenericVirtualPackage,
        MatchSpec,
        PackageName,
        Version,
    )

    from envlock.net.channels import channel_url
    from envlock.resolve.apply import apply
    from envlock.resolve.plan import Options, plan

    options = Options(
        platforms=("linux-64",), out_dir=work / "overhead", channel_alias=alias, force=True,
        cache_dir=work / "cache",
    )  # fmt: skip

    def envlock_resolve() -> None:
        apply(plan(recipe, options), options)

    specset = plan(recipe, options).specsets[0]

    async def bare() -> None:
        await rattler.solve(
            [channel_url(c, alias) for c in specset.channels],
            [MatchSpec(s) for s in specset.specs],
            gateway=Gateway(cache_dir=work / "cache"),
            platforms=["linux-64", "noarch"],
            virtual_packages=[
                GenericVirtualPackage(PackageName(v.name), Version(v.version), BuildString(v.build))
                for v in specset.virtual_packages
            ],
        )

    envlock_resolve()
    asyncio.run(bare())
    ours = theirs = 0.0
    ours_runs, theirs_runs = [], []
    for _ in range(runs):  # interleaved, so machine load hits both alike
        ours_runs.append(median_time(envlock_resolve, 1))
        theirs_runs.append(median_time(lambda: asyncio.run(bare()), 1))
    ours, theirs = statistics.median(ours_runs), statistics.median(theirs_runs)
    return ours, theirs


BIG_SCRIPT = """
import resource, sys, time
from pathlib import Path
from envlock.resolve.solver import solve_platforms
from envlock.models import SpecSet
specs = tuple(sys.argv[3:])
s = SpecSet(platform="linux-64", specs=specs, channels=("conda-forge",))
t = time.perf_counter()
solved = solve_platforms([s], channel_alias=sys.argv[1], cache_dir=Path(sys.argv[2]))
took = time.perf_counter() - t
# VmHWM is this process's own peak (ru_maxrss can carry the parent's across fork+exec)
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")]
peak_kb = int(hwm[0].split()[1]) if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(took, len(solved["linux-64"].packages), peak_kb)
"""


def bench_big(work: Path, records: int) -> tuple[float, int, float]:
    versions = 100  # the top-level specs need versions up to 80
    names = max(300, records // versions)
    root = work / "big" / "conda-forge"
    generate_channel(root, names, versions, ("linux-64",), cluster=10)
    done = subprocess.run(
        [sys.executable, "-c", BIG_SCRIPT, (work / "big").as_uri(), str(work / "cache"), *SPECS],
        check=False, capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"the {records}-record solve failed:\n{done.stderr}")
    took, count, rss_kb = done.stdout.split()
    return float(took), int(count), int(rss_kb) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--names", type=int, default=300)
    parser.add_argument("--versions", type=int, default=100)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only-big", action="store_true", help="run figure 4 only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="envlock-bench-") as tmp:
        work = Path(tmp)
        if args.only_big:
            took, count, rss = bench_big(work, args.big)
            print(f"4. {args.big} records: solve {took:.2f} s ({count} packages), RSS {rss:.0f} MB")
            return
        per = generate_channel(
            work / "mirror" / "conda-forge", args.names, args.versions, PLATFORMS
        )
        alias = (work / "mirror").as_uri()
        recipe = write_recipe(work / "bench.yml", PLATFORMS)
        print(f"generated channel: {per} records per platform x {len(PLATFORMS)} platforms")

        t1, t3 = bench_concurrency(recipe, alias, work, args.runs)
        print(f"1. 3 platforms {t3:.2f} s / 1 platform {t1:.2f} s = {t3 / t1:.2f} (goal ≤ 2.0)")

        check = bench_check(recipe, alias, work, max(5, args.runs))
        print(f"2. warm resolve --check, interpreter start included: {check:.3f} s (goal < 0.5)")

        ours, theirs = bench_overhead(recipe, alias, work, args.runs)
        print(
            f"3. envlock resolve 1 platform {ours:.2f} s / bare rattler solve {theirs:.2f} s "
            f"= {ours / theirs:.2f} (goal ≤ 1.3)"
        )

        took, count, rss = bench_big(work, args.big)
        print(
            f"4. {args.big} records: solve {took:.2f} s ({count} packages), "
            f"peak RSS {rss:.0f} MB (fresh process)"
        )


if __name__ == "__main__":
    main()
