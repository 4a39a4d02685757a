"""Benchmark `envlock diff` and `envlock export` (a script, not a test; prints figures).

    .venv/bin/python bench/bench_diff.py [--runs 5]

1. Two generated 5,000-package `conda env export` files (4,500 conda + 500 pip, about
   5 % of them changed) diffed by a fresh `python -m envlock diff A B --json` process,
   interpreter start included. Goal: under 1 s.
2. `python -m envlock export PREFIX -o FILE` of a generated 1,000-package prefix
   (conda-meta JSON records with file lists, plus 100 pip dist-info folders).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONDA_COUNT = 4_500
PIP_COUNT = 500
PREFIX_CONDA = 900
PREFIX_PIP = 100


def _export(path: Path, *, drift: bool) -> None:
    lines = ["name: bench", "channels:", "  - pytorch", "  - conda-forge", "dependencies:"]
    for i in range(CONDA_COUNT):
        version = f"1.{i % 50}.{i % 7}"
        build = f"py38h{i:07x}_0"
        if drift and i % 20 == 0:
            version += ".1"
        elif drift and i % 20 == 1:
            build = f"py38h{i:07x}_1"
        lines.append(f"  - pkg-{i:05d}={version}={build}")
    lines.append("  - pytorch=1.13.1=py3.8_cuda11.7_cudnn8.5.0_0")
    lines.append("  - pip:")
    for i in range(PIP_COUNT):
        version = f"2.{i % 30}.0" + (".post1" if drift and i % 25 == 0 else "")
        lines.append(f"      - wheel-{i:04d}=={version}")
    lines.append("prefix: /envs/bench")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _prefix(root: Path) -> None:
    meta = root / "conda-meta"
    meta.mkdir(parents=True)
    site = root / "lib" / "python3.8" / "site-packages"
    site.mkdir(parents=True)
    for i in range(PREFIX_CONDA):
        name, version, build = f"pkg-{i:05d}", f"1.{i % 50}.0", f"py38h{i:07x}_0"
        files = [f"lib/python3.8/site-packages/pkg_{i:05d}/mod{j}.py" for j in range(20)]
        files.append(f"lib/python3.8/site-packages/pkg_{i:05d}-{version}.dist-info/METADATA")
        record = {
            "name": name,
            "version": version,
            "build": build,
            "build_number": 0,
            "channel": "https://conda.anaconda.org/conda-forge/linux-64",
            "subdir": "linux-64",
            "url": f"https://conda.anaconda.org/conda-forge/linux-64/{name}-{version}-{build}.conda",
            "md5": "0" * 32,
            "sha256": "1" * 64,
            "depends": ["python >=3.8,<3.9.0a0"],
            "files": files,
        }
        (meta / f"{name}-{version}-{build}.json").write_text(json.dumps(record), "utf-8")
        info = site / f"pkg_{i:05d}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Name: {name}\nVersion: {version}\n\n", "utf-8")
    for i in range(PREFIX_PIP):
        info = site / f"wheel_{i:04d}-2.{i}.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Name: wheel-{i:04d}\nVersion: 2.{i}.0\n\n", "utf-8")


def _time(args: list[str], runs: int, ok: tuple[int, ...]) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(args, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode not in ok:
            raise SystemExit(f"{' '.join(args)} failed ({done.returncode}): {done.stderr}")
    return times


def _report(label: str, times: list[float]) -> None:
    print(
        f"{label}: median {statistics.median(times):.3f} s, "
        f"min {min(times):.3f} s, max {max(times):.3f} s ({len(times)} runs)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="envlock-bench-") as tmp:
        root = Path(tmp)
        a, b = root / "a.yml", root / "b.yml"
        _export(a, drift=False)
        _export(b, drift=True)
        baseline = _time([python, "-c", "pass"], runs, (0,))
        _report("python -c pass (interpreter start)", baseline)
        diffs = _time([python, "-m", "envlock", "diff", str(a), str(b), "--json"], runs, (1,))
        _report(f"envlock diff --json, 2 x {CONDA_COUNT + PIP_COUNT + 1} packages", diffs)
        table = _time([python, "-m", "envlock", "diff", str(a), str(b)], runs, (1,))
        _report("envlock diff (rich table)", table)
        prefix = root / "prefix"
        _prefix(prefix)
        out = root / "export.yml"
        export = _time([python, "-m", "envlock", "export", str(prefix), "-o", str(out)], runs, (0,))
        _report(f"envlock export, {PREFIX_CONDA} conda + {PREFIX_PIP} pip packages", export)
        verdict = "meets" if statistics.median(diffs) < 1.0 else "MISSES"
        print(f"diff goal (< 1 s including interpreter start): {verdict}")


if __name__ == "__main__":
    main()
