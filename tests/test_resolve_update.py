"""`envlock resolve --update`: without a lock it says so; when nothing moves it says what
stayed."""

from __future__ import annotations

from pathlib import Path

from envlock.mirror import Mirror
from tests.helpers import REPO, flat
from tests.helpers import resolve_on as resolve

CPU_DEMO = REPO / "recipes" / "cpu-demo.yml"


def test_update_without_a_lock_says_so(demo_mirror: Mirror, tmp_path: Path) -> None:
    ran = resolve(
        demo_mirror.channel_alias, str(CPU_DEMO), "-o", str(tmp_path), "--update", "numpy"
    )
    assert ran.exit_code == 2
    message = " ".join(ran.stderr.split())
    assert (
        f"--update numpy: there is no lock yet at {tmp_path / 'cpu-demo' / 'conda-lock.yml'}; "
        "resolve without --update first"
    ) in message
    assert "Errno" not in message


def test_update_that_moves_nothing_says_so(demo_mirror: Mirror, tmp_path: Path) -> None:
    args = ("-o", str(tmp_path), "-p", "linux-64")
    assert resolve(demo_mirror.channel_alias, str(CPU_DEMO), *args).exit_code == 0
    ran = resolve(demo_mirror.channel_alias, str(CPU_DEMO), *args, "--update", "numpy")
    assert ran.exit_code == 0, ran.stderr
    lock = (tmp_path / "cpu-demo" / "linux-64.lock").read_text()
    url = next(line for line in lock.splitlines() if "/numpy-" in line).split("#")[0]
    stem = url.rsplit("/", 1)[1].removesuffix(".conda").removesuffix(".tar.bz2")
    _, version, build = stem.rsplit("-", 2)
    assert (
        f"nothing moved: numpy stays at {version} {build} (linux-64): already what the "
        "solver picks for the recipe as it is"
    ) in flat(ran.stdout)
    ran = resolve(demo_mirror.channel_alias, str(CPU_DEMO), *args, "--update", "numpy", "--json")
    (recipe,) = ran.json()["recipes"]
    assert recipe["moved"] == []
    assert recipe["stayed"] == [
        {"platform": "linux-64", "name": "numpy", "current": f"{version} {build}"}
    ]
