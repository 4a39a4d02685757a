"""What an unsatisfiable `envlock resolve` says the channels offer: versions split at the
`exclude_newer` cutoff, the torch a PyTorch extension is built for, and a platform no
channel carries."""

from __future__ import annotations

from pathlib import Path

from envlock.mirror import Mirror
from tests.helpers import REPO, copy_replacing
from tests.helpers import resolve_on as resolve

CPU_DEMO = REPO / "recipes" / "cpu-demo.yml"
MAE = REPO / "recipes" / "mae.yml"
M3NET = REPO / "recipes" / "m3net.yml"


def test_offers_respect_exclude_newer(demo_mirror: Mirror, tmp_path: Path) -> None:
    ran = resolve(demo_mirror.channel_alias, str(MAE), "-o", str(tmp_path))
    assert ran.exit_code == 1
    lines = ran.stderr.splitlines()
    assert "No candidates were found for pytorch ==1.8.1 *cuda11.1*." in lines
    assert "the channels offer no pytorch published by 2021-12-31" in lines
    assert "pytorch 1.12.1 and newer exist but were published after the cutoff 2021-12-31" in lines
    assert "2.0.1" not in ran.stderr


def test_offers_split_at_the_cutoff(demo_mirror: Mirror, tmp_path: Path) -> None:
    recipe = copy_replacing(
        tmp_path, M3NET, 'exclude_newer: "2023-03-01"', 'exclude_newer: "2023-01-01"'
    )
    recipe = copy_replacing(tmp_path, recipe, "numpy <1.24", "numpy >=1.25")
    ran = resolve(demo_mirror.channel_alias, str(recipe), "-o", str(tmp_path), "-p", "osx-64")
    assert ran.exit_code == 1
    lines = ran.stderr.splitlines()
    offered = [x for x in lines if x.startswith("the channels offer numpy")]
    assert offered and offered[0].endswith("published by 2023-01-01"), lines
    later = [x for x in lines if x.startswith("numpy ") and "after the cutoff" in x]
    assert later == ["numpy 1.24.2 exists but was published after the cutoff 2023-01-01"], lines


def test_offers_of_torch_extensions_name_the_torch_they_are_built_for(
    demo_mirror: Mirror, tmp_path: Path
) -> None:
    recipe = tmp_path / "old.yml"
    recipe.write_text(
        'envlock: 1\nname: old\nplatforms: [linux-64]\npython: "3.8"\n'
        'stack:\n  pytorch: "1.12"\n  cuda: "11.6"\n  pyg: true\n'
    )
    ran = resolve(demo_mirror.channel_alias, str(recipe), "-o", str(tmp_path))
    assert ran.exit_code == 1, ran.stderr
    assert "  pyg 2.3.0: torch 1.13, 2.0; cuda 11.6, 11.7, 11.8, cpu; python 3.8, 3.10" in (
        ran.stderr.splitlines()
    )


def test_a_platform_no_channel_carries_is_named(demo_mirror: Mirror, tmp_path: Path) -> None:
    ran = resolve(
        demo_mirror.channel_alias, str(CPU_DEMO), "-o", str(tmp_path), "-p", "linux-aarch64"
    )
    assert ran.exit_code == 1
    assert (
        "none of the channels has linux-aarch64 repodata: pytorch, pyg, conda-forge (only "
        "their noarch packages were searched, and they do not satisfy it); check that the "
        "mirror or channel serves linux-aarch64, or resolve for a platform it carries"
    ) in ran.stderr.splitlines()
