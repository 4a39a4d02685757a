"""The shape of the code: the core stays free of click/rich, one adapter per engine."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "envlock"
GLUE = {"cli.py", "__main__.py"}


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def _core_modules() -> list[str]:
    names = []
    for path in _modules():
        rel = path.relative_to(REPO)
        if rel.parts[1] in ("commands", "ui") or path.name in GLUE:
            continue
        names.append(".".join(rel.with_suffix("").parts).removesuffix(".__init__"))
    return names


def test_core_modules_import_with_click_and_rich_blocked() -> None:
    modules = _core_modules()
    code = (
        "import sys, importlib\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('click', 'rich'):\n"
        "            raise ImportError('blocked: ' + name)\n"
        "        return None\n"
        "sys.meta_path.insert(0, Block())\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
        "print('ok', len(sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok")


def test_only_the_engine_package_imports_rattler() -> None:
    offenders = [
        str(p.relative_to(REPO))
        for p in _modules()
        if "rattler" in _imported_roots(p) and p.parent.name != "engine"
    ]
    assert offenders == []


def test_only_the_environment_file_adapter_imports_conda_lock() -> None:
    offenders = [
        str(p.relative_to(REPO))
        for p in _modules()
        if "conda_lock" in _imported_roots(p) and p.name != "envfile.py"
    ]
    assert offenders == []


def test_no_module_grows_past_a_readable_size() -> None:
    too_long = {
        str(p.relative_to(REPO)): n
        for p in _modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600
    }
    assert too_long == {}
