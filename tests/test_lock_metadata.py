"""What `envlock resolve` writes into a lock's metadata and reads back: channel order kept
across platforms and `-p`, a corrupt lock replaced with `--force` only, metadata that
names paths, and sources that do not depend on how the recipe path was typed."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from envlock.mirror import Mirror
from tests.helpers import REPO, invoke
from tests.helpers import resolve_on as resolve

M3NET = REPO / "recipes" / "m3net.yml"

ORDER = ["pytorch", "nvidia", "pyg", "conda-forge"]


def metadata(lock_dir: Path) -> dict[str, object]:
    data = yaml.safe_load((lock_dir / "conda-lock.yml").read_text())
    meta: dict[str, object] = data["metadata"]
    return meta


def channel_urls(lock_dir: Path) -> list[str]:
    channels = metadata(lock_dir)["channels"]
    assert isinstance(channels, list)
    return [c["url"] for c in channels]


def recipe(folder: Path, platforms: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "m3net.yml"
    path.write_text(M3NET.read_text().replace("[linux-64, osx-64, win-64]", platforms))
    return path


# ---------------------------------------------------------------- channel order


def test_channel_order_keeps_every_platforms_priority(demo_mirror: Mirror, tmp_path: Path) -> None:
    """osx (no nvidia) listed first used to give pytorch, pyg, conda-forge, nvidia."""
    first = recipe(tmp_path / "a", "[osx-64, linux-64]")
    second = recipe(tmp_path / "b", "[linux-64, osx-64]")
    for path in (first, second):
        ran = resolve(demo_mirror.channel_alias, str(path), "-o", str(path.parent / "locks"))
        assert ran.exit_code == 0, ran.stderr
    a, b = tmp_path / "a" / "locks" / "m3net", tmp_path / "b" / "locks" / "m3net"
    assert channel_urls(a) == ORDER
    for name in ("conda-lock.yml", "linux-64.lock", "osx-64.lock"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_one_platform_resolved_keeps_the_others_channels(
    demo_mirror: Mirror, tmp_path: Path
) -> None:
    args = [str(M3NET), "-o", str(tmp_path)]
    assert resolve(demo_mirror.channel_alias, *args).exit_code == 0
    assert channel_urls(tmp_path / "m3net") == ORDER
    ran = resolve(demo_mirror.channel_alias, *args, "-p", "osx-64", "--force")
    assert ran.exit_code == 0, ran.stderr
    assert channel_urls(tmp_path / "m3net") == ORDER  # linux/win packages still need nvidia
    assert invoke(["resolve", *args, "--check"]).exit_code == 0


# ---------------------------------------------------------------- corrupt or hostile metadata


CORRUPT = "metadata: [unclosed\n"


def test_a_corrupt_lock_is_replaced_with_force_only(demo_mirror: Mirror, tmp_path: Path) -> None:
    lock = tmp_path / "m3net" / "conda-lock.yml"
    lock.parent.mkdir()
    lock.write_text(CORRUPT)
    args = [str(M3NET), "-o", str(tmp_path), "-p", "osx-64"]
    refused = resolve(demo_mirror.channel_alias, *args)
    assert refused.exit_code == 2
    assert "delete it or resolve with --force" in refused.stderr
    assert invoke(["resolve", *args, "--check"]).exit_code == 2
    assert lock.read_text() == CORRUPT

    forced = resolve(demo_mirror.channel_alias, *args, "--force", "--json")
    assert forced.exit_code == 0, forced.stderr
    assert forced.json()["recipes"][0]["status"] == "written"
    assert metadata(tmp_path / "m3net")["platforms"] == ["osx-64"]
    assert invoke(["resolve", *args, "--check"]).exit_code == 0


def test_lock_metadata_never_names_a_file_to_delete(demo_mirror: Mirror, tmp_path: Path) -> None:
    out = tmp_path / "locks"
    victim = tmp_path / "victim.lock"  # out/m3net/../../victim.lock
    victim.write_text("keep me\n")
    args = [str(M3NET), "-o", str(out), "-p", "osx-64"]
    assert resolve(demo_mirror.channel_alias, *args).exit_code == 0
    lock = out / "m3net" / "conda-lock.yml"
    text = lock.read_text()
    assert "  platforms:\n  - osx-64\n" in text
    lock.write_text(text.replace("  - osx-64\n", "  - osx-64\n  - ../../victim\n", 1))

    refused = resolve(demo_mirror.channel_alias, *args)
    assert refused.exit_code == 2
    assert "metadata names the platform '../../victim', which is not a conda platform" in (
        " ".join(refused.stderr.split())
    )
    forced = resolve(demo_mirror.channel_alias, *args, "--force")
    assert forced.exit_code == 0, forced.stderr
    assert victim.read_text() == "keep me\n"
    assert metadata(out / "m3net")["platforms"] == ["osx-64"]


# ---------------------------------------------------------------- sources


def test_the_lock_does_not_depend_on_how_the_recipe_path_was_typed(
    demo_mirror: Mirror, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = recipe(tmp_path, "[osx-64]")
    monkeypatch.chdir(tmp_path)
    typed = {"absolute": str(path), "relative": "m3net.yml", "dotted": "./sub/../m3net.yml"}
    (tmp_path / "sub").mkdir()
    texts = {}
    for how, given in typed.items():
        ran = resolve(demo_mirror.channel_alias, given, "-o", f"out-{how}")
        assert ran.exit_code == 0, ran.stderr
        texts[how] = (tmp_path / f"out-{how}" / "m3net" / "conda-lock.yml").read_text()
    assert texts["absolute"] == texts["relative"] == texts["dotted"]
    assert metadata(tmp_path / "out-relative" / "m3net")["sources"] == ["../../m3net.yml"]
    assert "#     envlock resolve ../../m3net.yml\n" in texts["relative"]
