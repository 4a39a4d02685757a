"""The stages chained: a recipe resolved, its lock created by name, the environment diffed
against the lock: identical."""

from __future__ import annotations

from pathlib import Path

import pytest

from envlock.mirror import Mirror
from tests.helpers import invoke

pytestmark = pytest.mark.usefixtures("isolated")


def test_resolved_m3net_created_then_diffed_is_identical(
    tmp_path: Path, demo_mirror: Mirror
) -> None:
    recipe = Path(__file__).resolve().parent.parent / "recipes" / "m3net.yml"
    alias = ["--channel-alias", demo_mirror.channel_alias]
    ran = invoke(["resolve", str(recipe), "-p", "linux-64", "-o", "locks", *alias])
    assert ran.exit_code == 0, ran.stderr
    ran = invoke(["create", "m3net", "--json"])  # NAME → locks/m3net/, env named m3net
    assert ran.exit_code == 0, ran.stderr
    prefix = Path(ran.json()["prefix"])
    assert prefix == tmp_path / "envs" / "m3net"
    ran = invoke(["diff", "locks/m3net/conda-lock.yml", str(prefix), "--json"])
    assert ran.exit_code == 0, ran.stdout
    assert ran.json()["identical"] is True
    assert ran.json()["channels_compared"] is True
