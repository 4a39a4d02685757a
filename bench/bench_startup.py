"""Start-up benchmark (a script, not a test): `envlock resolve` as a whole process against
a bare py-rattler solve process of the same request.

    .venv/bin/python bench/bench_startup.py [--runs 15]

A small recipe (python 3.10, numpy, networkx; linux-64) is resolved against the offline
demo mirror (`envlock mirror`), in a fresh interpreter each time: `envlock resolve
RECIPE --force` through the console script (read, expand, solve, guard, write both
locks, print the summary table). The bare process imports rattler and solves the same expanded specs
against the same channels, platform, virtual packages and channel priority, with the
same repodata cache, and prints the package count. Both leave through `os._exit`, as
`envlock.cli.main` does after a solve. The figure is envlock's median wall time over
the bare process's (goal ≤ 1.5): what envlock adds on top of the solver for a request
that takes the solver a few milliseconds.

Runs are interleaved so that a change in machine load hits both alike; two warm-up runs
of each are not counted. Byte-code: both kinds of process keep compiled modules in a
private cache (PYTHONPYCACHEPREFIX) even when PYTHONDONTWRITEBYTECODE is set, as an
installed envlock has them; --no-bytecode measures with the environment as it is.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RECIPE = """envlock: 1
name: startup
platforms: [linux-64]
python: "3.10"
dependencies: [numpy, networkx]
"""

BARE = """
import asyncio, json, os, sys
import rattler
from rattler import (
    BuildString, ChannelPriority, Gateway, GenericVirtualPackage, MatchSpec, PackageName, Version
)
request = json.loads(sys.argv[1])

async def solve():
    return await rattler.solve(
        request["channels"],
        [MatchSpec(s) for s in request["specs"]],
        gateway=Gateway(cache_dir=request["cache"]),
        platforms=[request["platform"], "noarch"],
        virtual_packages=[
            GenericVirtualPackage(PackageName(n), Version(v), BuildString(b))
            for n, v, b in request["virtual_packages"]
        ],
        channel_priority=ChannelPriority.Strict,
        timestamp_policy="allow-missing",
    )

print(len(asyncio.run(solve())))
sys.stdout.flush()
os._exit(0)
"""


def child_env(work: Path, *, bytecode: bool) -> dict[str, str]:
    env = {**os.environ, "ENVLOCK_CACHE_DIR": str(work / "cache"), "NO_COLOR": "1"}
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    return env


def envlock_command() -> list[str]:
    """`envlock` as people run it, after the interpreter: the console script beside this
    interpreter (run by it, so that -X options apply), else `-m envlock`."""
    script = Path(sys.executable).with_name("envlock")
    return [str(script)] if script.is_file() else ["-m", "envlock"]


def bare_request(recipe: Path, alias: str, work: Path) -> dict[str, object]:
    """The expanded request of `recipe` for linux-64, as the bare process takes it."""
    from envlock.net.channels import channel_url
    from envlock.resolve.plan import Options, plan

    specset = plan(recipe, Options(platforms=("linux-64",), out_dir=work / "plan")).specsets[0]
    return {
        "channels": [channel_url(c, alias) for c in specset.channels],
        "specs": list(specset.specs),
        "platform": specset.platform,
        "virtual_packages": [[v.name, v.version, v.build] for v in specset.virtual_packages],
        "cache": str(work / "cache"),
    }


def import_costs(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Seconds of import work per top-level package in one run (`-X importtime`, self
    times summed by root: rich's own modules under `rich`, what they import under theirs)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *command],
        capture_output=True, text=True, check=True, env=env,
    )  # fmt: skip
    costs: dict[str, float] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "[us]" in line:
            continue
        self_us, _, name = line.removeprefix("import time:").split("|")
        root = name.strip().split(".")[0]
        costs[root] = costs.get(root, 0.0) + int(self_us) / 1e6
    return costs


def timed(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])} … failed ({done.returncode}):\n{done.stderr}")
    return took, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--no-bytecode", action="store_true", help="do not give the processes a byte-code cache"
    )
    args = parser.parse_args()
    from envlock.mirror import build_mirror

    with tempfile.TemporaryDirectory(prefix="envlock-bench-startup-") as tmp:
        work = Path(tmp)
        mirror = build_mirror(work / "mirror")
        recipe = work / "startup.yml"
        recipe.write_text(RECIPE)
        env = child_env(work, bytecode=not args.no_bytecode)
        resolve = [
            sys.executable,
            *envlock_command(),
            "resolve",
            str(recipe),
            "-o",
            str(work / "locks"),
        ]
        resolve += ["--channel-alias", mirror.channel_alias, "--force"]
        bare = [
            sys.executable,
            "-c",
            BARE,
            json.dumps(bare_request(recipe, mirror.channel_alias, work)),
        ]
        empty = [sys.executable, "-c", "pass"]

        # Same answer on both sides, or the comparison means nothing.
        _, document = timed([*resolve, "--json"], env)
        ours = json.loads(document)["recipes"][0]["platforms"][0]["package_count"]
        theirs = int(timed(bare, env)[1])
        if ours != theirs:
            raise SystemExit(f"envlock solved {ours} packages, the bare solve {theirs}")

        for _ in range(2):  # warm-up: byte-code compiled, OS file cache filled
            for command in (resolve, bare, empty):
                timed(command, env)
        envlock_runs, bare_runs, empty_runs = [], [], []
        for _ in range(args.runs):
            envlock_runs.append(timed(resolve, env)[0])
            bare_runs.append(timed(bare, env)[0])
            empty_runs.append(timed(empty, env)[0])
        envlock_s, bare_s = statistics.median(envlock_runs), statistics.median(bare_runs)
        empty_s = statistics.median(empty_runs)
        costs = import_costs(resolve[1:], env)

    print(f"request: python 3.10, numpy, networkx on linux-64 ({ours} packages), demo mirror")
    print(f"medians of {args.runs} interleaved runs (byte-code cache: {not args.no_bytecode}):")
    print(f"  empty interpreter          {empty_s * 1000:6.0f} ms")
    print(f"  bare rattler solve process {bare_s * 1000:6.0f} ms")
    print(f"  envlock resolve process    {envlock_s * 1000:6.0f} ms")
    print(f"start-up ratio: envlock / bare = {envlock_s / bare_s:.2f} (goal ≤ 1.5)")
    print("import work of one envlock run by package (-X importtime, which inflates it):")
    shown = ("envlock", "click", "rich", "ruamel", "yaml", "rattler", "asyncio")
    for root in shown:
        print(f"  {root:<8} {costs.get(root, 0.0) * 1000:5.1f} ms")
    rest = sum(v for k, v in costs.items() if k not in shown)
    print(f"  {'other':<8} {rest * 1000:5.1f} ms (the standard library, mostly)")
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
