"""The summary table `envlock resolve` prints: builds are never cut, at any width."""

from __future__ import annotations

from pathlib import Path

import pytest

from envlock.mirror import Mirror
from tests.helpers import REPO
from tests.helpers import resolve_on as resolve

M3NET = REPO / "recipes" / "m3net.yml"


def _column(stdout: str, index: int) -> str:
    rows = [line.split("│")[1:-1] for line in stdout.splitlines() if line.startswith("│")]
    return "".join(r[index].strip() for r in rows if len(r) > index)


@pytest.mark.parametrize("columns", ["40", "200"])
def test_the_summary_never_cuts_the_build(
    demo_mirror: Mirror, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, columns: str
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    ran = resolve(demo_mirror.channel_alias, str(M3NET), "-o", str(tmp_path), "-p", "linux-64")
    assert ran.exit_code == 0, ran.stderr
    assert "…" not in ran.stdout.split("wrote")[0]
    builds = _column(ran.stdout, 2 if columns == "40" else 3)
    assert "py3.8_cuda11.7_cudnn8.5.0_0" in builds
    assert "py38_torch_1.13.0_cu117" in builds
    widths = {len(line) for line in ran.stdout.splitlines() if line.startswith(("│", "┏"))}
    assert max(widths) <= int(columns)
