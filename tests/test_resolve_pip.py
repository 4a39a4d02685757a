"""pip in recipes and environment files: pip lines resolved around and said to be not
locked, `stack.source: pip` refused before solving, conda-lock's bare `pip` dropped."""

from __future__ import annotations

from pathlib import Path

import pytest

from envlock.mirror import Mirror
from tests.helpers import REPO, copy_replacing, invoke, line_of
from tests.helpers import resolve_on as resolve

CPU_DEMO = REPO / "recipes" / "cpu-demo.yml"
M3NET = REPO / "recipes" / "m3net.yml"


def test_pip_lines_are_resolved_around_and_said_to_be_not_locked(
    demo_mirror: Mirror, tmp_path: Path
) -> None:
    env = tmp_path / "env.yml"
    env.write_text(
        "name: piped\nchannels: [conda-forge]\ndependencies:\n  - python=3.8\n  - numpy<1.24\n"
        "  - pip\n  - pip:\n    - --extra-index-url https://example.org/simple\n"
        "    - requests==2.31.0\n    - timm==0.4.12\n"
    )
    ran = resolve(demo_mirror.channel_alias, str(env), "-o", str(tmp_path), "-p", "linux-64",
                  "--json")  # fmt: skip
    assert ran.exit_code == 0, ran.stderr
    err = " ".join(ran.stderr.split())
    assert (
        "warning: piped: pip requirements are NOT locked (envlock has no pip layer yet): "
        f"requests==2.31.0, timm==0.4.12; {tmp_path / 'piped'} holds the conda packages only"
    ) in err
    assert (
        "pip: NOT locked (2): requests==2.31.0, timm==0.4.12 — install them yourself; "
        "the lock holds the conda packages only"
    ) in err
    (recipe,) = ran.json()["recipes"]
    assert recipe["pip_not_locked"] == ["requests==2.31.0", "timm==0.4.12"]
    assert recipe["status"] == "written"
    lock = (tmp_path / "piped" / "conda-lock.yml").read_text()
    assert "manager: pip" not in lock  # no faked pip entries
    assert "numpy" in lock


@pytest.mark.parametrize(
    ("source", "old", "new"),
    [
        (M3NET, "  cuda:", "  source: pip\n  cuda:"),  # the CUDA case
        (CPU_DEMO, "  cuda: cpu", "  cuda: cpu\n  source: pip"),  # the CPU case
    ],
)
def test_stack_source_pip_is_refused_before_solving(
    demo_mirror: Mirror, tmp_path: Path, source: Path, old: str, new: str
) -> None:
    recipe = copy_replacing(tmp_path, source, old, new)
    ran = resolve(demo_mirror.channel_alias, str(recipe), "-o", str(tmp_path / "out"), "--json")
    assert ran.exit_code == 2, ran.stderr
    doc = ran.json()
    assert doc["message"] == (
        "stack.source: pip: resolving PyTorch wheels arrives with the pip layer; "
        "use source: conda for now"
    )
    assert doc["where"] == f"{recipe}:{line_of(recipe, 'source: pip')}"
    assert not (tmp_path / "out").exists()


def test_check_drops_the_bare_pip_next_to_a_pinned_one(tmp_path: Path) -> None:
    env = tmp_path / "env.yml"
    env.write_text(
        "name: x\nchannels: [conda-forge]\ndependencies:\n  - python=3.8\n  - pip=22.3.1\n"
        "  - pip:\n    - timm==0.4.12\n"
    )
    ran = invoke(["check", str(env), "--json"])
    assert ran.exit_code == 0, ran.stderr
    assert ran.json()["platforms"]["linux-64"]["specs"] == ["python 3.8.*", "pip 22.3.1.*"]
    env.write_text(env.read_text().replace("  - pip=22.3.1\n", ""))
    ran = invoke(["check", str(env), "--json"])
    assert ran.json()["platforms"]["linux-64"]["specs"] == ["python 3.8.*", "pip"]
