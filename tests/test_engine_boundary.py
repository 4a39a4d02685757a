"""The engine stands alone: it imports rattler and the kernel, never another stage.

Read from the AST (every import, inside functions and TYPE_CHECKING blocks too), so a
lazy import cannot slip past. The packages' `__init__` files stay light: importing
envlock.engine, envlock.resolve and envlock.create does not load rattler.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

ENGINE = REPO / "envlock" / "engine"
# The kernel every stage may use, and the HTTP settings (envlock.net.policy).
ALLOWED = {
    "envlock",
    "envlock.errors",
    "envlock.models",
    "envlock.atomic",
    "envlock.platforms",
    "envlock.dates",
    "envlock.net.policy",
}
# engine/access.py splits channel credentials with envlock.net.channels until the
# network policy (envlock.net) owns credentials: the one exception, named here.
EXCEPTIONS = {"access.py": {"envlock.net.channels"}}


def _envlock_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "envlock")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.update({node.module} if node.module.split(".")[0] == "envlock" else set())
    return found


def test_the_engine_imports_no_other_stage() -> None:
    offenders = {}
    for path in sorted(ENGINE.glob("*.py")):
        allowed = ALLOWED | EXCEPTIONS.get(path.name, set())
        bad = {
            m
            for m in _envlock_imports(path)
            if m not in allowed and not m.startswith("envlock.engine")
        }
        if bad:
            offenders[path.name] = sorted(bad)
    assert offenders == {}


def test_the_stage_packages_import_without_rattler() -> None:
    code = (
        "import sys\n"
        "import envlock.engine, envlock.resolve, envlock.create\n"
        "from envlock.resolve import Options, unsatisfiable_message\n"
        "from envlock.engine import Request, Unsatisfiable, Archive\n"
        "from envlock.create import CreatePlan, plan_create\n"
        "print(sorted(m for m in ('rattler', 'conda_lock') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
