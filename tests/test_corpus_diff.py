"""The corpus tier: every published export, lock and explicit file parses and diffs.

For each export, a copy with known edits (one build, one version, one removal, one
addition, one conda→pip move) must report exactly those changes and nothing else.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from envlock.diff.core import diff
from envlock.snapshot import read_snapshot
from envlock.snapshot.locked import lock_platforms
from envlock.snapshot.versions import is_exact
from tests.helpers import CORPUS, invoke

pytestmark = pytest.mark.corpus

_DEP = re.compile(r"^(\s*)- ([A-Za-z0-9_.\-]+)=([^=\s]+)(?:=(\S+))?\s*$")
ADDED = "envlock-added-package"


def _files(folder: str) -> list[str]:
    """The corpus files of `folder`; without the corpus, one placeholder whose test the
    `corpus` fixture skips with the reason (an empty parameter set would say nothing)."""
    path = CORPUS / folder
    return sorted(p.name for p in path.iterdir()) if path.is_dir() else ["(corpus absent)"]


@pytest.mark.parametrize("name", _files("env-exports"))
def test_export_parses_and_is_identical_to_itself(corpus: Path, name: str) -> None:
    snap = read_snapshot(corpus / "env-exports" / name)
    assert snap.kind == "export"
    assert snap.packages
    assert diff(snap, snap).identical


@pytest.mark.parametrize("name", _files("lockfiles"))
def test_lock_parses_and_every_platform_is_identical_to_itself(corpus: Path, name: str) -> None:
    path = corpus / "lockfiles" / name
    for platform in lock_platforms(path):
        snap = read_snapshot(path, platform=platform)
        assert snap.kind == "lock"
        assert snap.platform == platform
        assert diff(snap, snap).identical


@pytest.mark.parametrize("name", _files("explicit"))
def test_explicit_parses_and_is_identical_to_itself(corpus: Path, name: str) -> None:
    snap = read_snapshot(corpus / "explicit" / name)
    assert snap.kind == "explicit"
    assert snap.packages
    assert diff(snap, snap).identical


def test_lock_and_its_explicit_render_are_identical(corpus: Path) -> None:
    lock = corpus / "lockfiles" / "Ethanator__hubmap-organ-segmentation__conda-lock.yml"
    explicit = corpus / "explicit" / "Ethanator__hubmap-organ-segmentation__conda-osx-64.lock"
    ran = invoke(["diff", str(lock), str(explicit), "--json"])  # platform taken from B
    assert ran.exit_code == 0, ran.stdout
    assert ran.json()["platform"] == "osx-64"


def _mutate(text: str) -> tuple[str, set[tuple[str, str]]]:
    """Apply the five edits to an export's text; return it and the changes expected."""
    snap_names = re.findall(r"^\s*- ([A-Za-z0-9_.\-]+)", text, re.MULTILINE)
    seen_twice = {n.lower() for n in snap_names if snap_names.count(n) > 1}
    lines = text.splitlines()
    candidates = []
    for index, line in enumerate(lines):
        match = _DEP.match(line)
        if match and is_exact(match.group(3)) and match.group(2).lower() not in seen_twice:
            candidates.append((index, match))
    has_builds = any(m.group(4) for _, m in candidates)
    if has_builds:
        candidates = [(i, m) for i, m in candidates if m.group(4)]
    pip_names = {
        re.sub(r"[-_.]+", "-", n).lower()
        for n in re.findall(r"^\s*- ([A-Za-z0-9_.\-]+)==", text, re.MULTILINE)
    }
    movable = [
        (i, m)
        for i, m in candidates
        if re.sub(r"[-_.]+", "-", m.group(2)).lower() not in pip_names
        and not m.group(2).startswith(("py", "torch", "_"))
    ]
    move_index, move = movable[len(movable) // 2]
    others = [(i, m) for i, m in candidates if i != move_index]
    (b_i, b_m), (v_i, v_m), (r_i, r_m) = others[0], others[1], others[2]
    indent = b_m.group(1)
    expected = {(v_m.group(2), "version"), (r_m.group(2), "removed"), (ADDED, "added")}
    expected.add((move.group(2), "manager"))
    if has_builds:
        lines[b_i] = f"{indent}- {b_m.group(2)}={b_m.group(3)}={b_m.group(4)}_x"
        expected.add((b_m.group(2), "build"))
    tail = f"={v_m.group(4)}" if v_m.group(4) else ""
    lines[v_i] = f"{indent}- {v_m.group(2)}={v_m.group(3)}.99{tail}"
    pip_line = f"{move.group(2)}=={move.group(3)}"
    lines[r_i] = lines[move_index] = "\0"
    pip_at = next((i for i, line in enumerate(lines) if line.strip() == "- pip:"), None)
    if pip_at is None:
        dep_at = next(i for i, line in enumerate(lines) if line.startswith("dependencies:"))
        lines[dep_at + 1 : dep_at + 1] = [f"{indent}- pip:", f"{indent}    - {pip_line}"]
    else:
        pip_indent = re.match(r"^\s*", lines[pip_at + 1]).group(0)  # type: ignore[union-attr]  # a pip: line is followed by its list
        lines.insert(pip_at + 1, f"{pip_indent}- {pip_line}")
    dep_at = next(i for i, line in enumerate(lines) if line.startswith("dependencies:"))
    lines.insert(dep_at + 1, f"{indent}- {ADDED}=1.0" + ("=h0_0" if has_builds else ""))
    return "\n".join(line for line in lines if line != "\0") + "\n", expected


def _pinned(version: str, *, specs: bool) -> bool:
    """An exact version, or (in a hand-written pin list) conda's `=1.2.3` as `1.2.3.*`."""
    return is_exact(version) or (specs and is_exact(version.removesuffix(".*")))


def _exports_with_pins() -> list[str]:
    """Exports whose conda lines all pin a version (loose spec files are left out)."""
    if not (CORPUS / "env-exports").is_dir():
        return _files("env-exports")  # the placeholder the `corpus` fixture skips
    out = []
    for name in _files("env-exports"):
        snap = read_snapshot(CORPUS / "env-exports" / name)
        conda = [p for p in snap.packages if p.manager == "conda"]
        if conda and all(_pinned(p.version, specs=snap.specs) for p in conda):
            out.append(name)
    return out


@pytest.mark.parametrize("name", _exports_with_pins())
def test_mutated_export_reports_exactly_the_edits(corpus: Path, tmp_path: Path, name: str) -> None:
    original = corpus / "env-exports" / name
    snap = read_snapshot(original)
    mutated_text, expected = _mutate(original.read_text(encoding="utf-8"))
    mutated = tmp_path / "mutated.yml"
    mutated.write_text(mutated_text, encoding="utf-8")
    drift = diff(snap, read_snapshot(mutated))
    assert {(c.name, c.change) for c in drift.changes} == expected
    assert len(expected) == (5 if snap.builds_known else 4)


def test_spec_environment_against_its_lock_counts_dependencies(corpus: Path) -> None:
    spec = corpus / "env-exports" / "EthanMarx__ztf-lfi-demo__environment.yaml"
    lock = corpus / "lockfiles" / "EthanMarx__ztf-lfi-demo__conda-lock.yml"
    ran = invoke(["diff", str(spec), str(lock), "--json"])
    assert ran.exit_code == 0
    doc = ran.json()
    assert (doc["identical"], doc["changes"], doc["platform"]) == (True, [], "linux-64")
    assert doc["a"]["specs"] is True
    assert doc["resolved_dependencies"] + doc["paired"] == len(
        read_snapshot(lock, platform="linux-64").packages
    )
    assert doc["resolved_dependencies"] > 250
    codes = {f["code"] for f in doc["findings"]}
    assert codes == {"duplicate-install", "mixed-cuda"}


def test_explicit_files_of_two_platforms_warn(corpus: Path) -> None:
    folder = corpus / "explicit"
    linux = folder / "Ethanator__hubmap-organ-segmentation__conda-linux-64.lock"
    osx = folder / "Ethanator__hubmap-organ-segmentation__conda-osx-64.lock"
    doc = invoke(["diff", str(linux), str(osx), "--json"]).json()
    assert (doc["platform"], doc["a"]["platform"], doc["b"]["platform"]) == (
        None,
        "linux-64",
        "osx-64",
    )
    assert "platform-mismatch" in {f["code"] for f in doc["findings"]}


def test_unrelated_environments_get_no_newer_everywhere_hint(corpus: Path) -> None:
    folder = corpus / "env-exports"
    a = read_snapshot(folder / "THUDM__GraphMAE__env.yml")
    b = read_snapshot(folder / "guanjq__targetdiff__environment.yaml")
    assert "newer-everywhere" not in {f.code for f in diff(a, b).findings}


def test_hand_written_pin_list_against_an_environment_is_a_spec_list(corpus: Path) -> None:
    # Midas's environment-cu117.yml pins 6 packages by hand (`name=version`, no builds,
    # no prefix): against an environment the other packages are resolved dependencies.
    pins = corpus / "env-exports" / "hcrisCopy__Midas___environment-cu117.yml"
    assert read_snapshot(pins).specs is True
    env = corpus / "env-exports" / "guanjq__targetdiff__environment.yaml"
    doc = invoke(["diff", str(pins), str(env), "--json"]).json()
    assert doc["a"]["specs"] is True
    assert not [c for c in doc["changes"] if c["change"] == "added"]
    assert doc["resolved_dependencies"] > 50
    # `conda env export --no-builds` writes `prefix:`: those stay full exports.
    se3 = read_snapshot(corpus / "env-exports" / "jasonkyuyim__se3_diffusion__se3.yml")
    assert (se3.builds_known, se3.specs) == (False, False)
