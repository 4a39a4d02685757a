"""The shape of the code, read from its source: which package may import which.

- the core (everything but commands/, ui/, cli.py and __main__.py) never imports
  envlock.ui, envlock.commands, click or rich;
- only engine/ imports rattler, only recipe/envfile.py imports conda_lock;
- each stage imports only the stages before it in the data flow (`STAGE_MAY_IMPORT`), and
  the kernel modules import no stage;
- engine/ imports only the kernel, envlock.engine.* and envlock.net.policy (the
  `HttpPolicy` record); credentials reach it as plain data (rattler's auth entries per
  host), and its failures leave it as data, worded by the stages that call it;
- only net/ opens sockets (mirror/, the demo channels' builder, aside);
- no module is longer than 500 lines;
- a package's `__init__` imports no heavy library, so `envlock --help` stays fast;
- no test module imports from another (shared code is in conftest.py and tests/helpers).

Rules that today's code still breaks in places carry an explicit allow-list
(`KNOWN_OFFENDERS`); `test_every_known_offender_still_offends` fails once an entry is
fixed, so the list only shrinks.
"""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO

PACKAGE = REPO / "envlock"
GLUE = {"cli.py", "__main__.py"}
MAX_LINES = 500
KERNEL = (
    "errors", "models", "atomic", "platforms", "dates", "specnames", "lazy", "limits", "urls",
)  # fmt: skip
ENGINE_MAY_IMPORT = (
    "envlock",  # the root package itself: `from envlock import __version__`
    *(f"envlock.{name}" for name in KERNEL),
    "envlock.engine",
    "envlock.net.policy",  # the one HTTP policy: timeouts and retries for rattler's client
)
# Which stage package may import which: the data flow of DESIGN.md, one direction only
# (recipe → stacks → resolve → lock → create → snapshot → diff). The kernel (KERNEL) is
# open to all and imports no stage; ui/ and commands/ sit on top and may import any stage.
STAGE_MAY_IMPORT: dict[str, frozenset[str]] = {
    "net": frozenset(),
    "engine": frozenset({"net"}),  # narrowed further by ENGINE_MAY_IMPORT
    "recipe": frozenset({"engine"}),  # matchspecs checked with the solver's own parser
    "stacks": frozenset({"recipe", "net"}),
    "lock": frozenset({"engine", "net"}),  # a lock's completeness, matched with rattler
    "resolve": frozenset({"recipe", "stacks", "lock", "engine", "net"}),
    "create": frozenset({"lock", "engine", "net"}),
    # create: the origin file (channel order) that create leaves in a prefix
    "snapshot": frozenset({"recipe", "stacks", "lock", "create", "net"}),
    "diff": frozenset({"snapshot", "stacks", "net"}),
    "mirror": frozenset({"engine"}),  # the demo channels, indexed with rattler
}
# Modules whose import means network access; the names on the right open no connection.
NETWORK = ("socket", "ssl", "http.client", "http.server", "urllib.request", "urllib3",
           "requests", "httpx", "aiohttp")  # fmt: skip
HARMLESS = {"socket.gethostname", "urllib.request.url2pathname", "urllib.request.pathname2url"}
HEAVY = ("rattler", "conda_lock", "ruamel", "rich", "click")

# Tolerated offences, each naming its rule ("longer than 500 lines": {"envlock/x.py"}):
# none today. An entry must still offend (test_every_known_offender_still_offends), so it
# leaves with its fix and the list cannot rot.
KNOWN_OFFENDERS: dict[str, set[str]] = {}


# ---------------------------------------------------------------- reading the source


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _rel(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def _module_name(path: Path, root: Path = REPO) -> str:
    return ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")


@functools.cache
def _imports(path: Path, root: Path = REPO) -> frozenset[tuple[str, str | None]]:
    """(module, name) for every import anywhere in `path`, deferred ones included:
    `import a.b` gives ("a.b", None), `from a import b` gives ("a", "b"); relative
    imports are made absolute (`root` holds the top package)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_name(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: set[tuple[str, str | None]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.update((module, alias.name) for alias in node.names)
    return frozenset(found)


def _attribute_uses(path: Path, module: str) -> set[str]:
    """The names used as `module.NAME` in `path` (for `import socket`; `socket.gethostname`)."""
    uses: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute):
            parts, value = [node.attr], node.value
            while isinstance(value, ast.Attribute):
                parts.append(value.attr)
                value = value.value
            if isinstance(value, ast.Name):
                dotted = ".".join([value.id, *reversed(parts)])
                if dotted.startswith(module + "."):
                    uses.add(dotted[len(module) + 1 :].split(".")[0])
    return uses


def _within(module: str, roots: tuple[str, ...] | str) -> bool:
    roots = (roots,) if isinstance(roots, str) else roots
    return any(module == root or module.startswith(root + ".") for root in roots)


def _imported_modules(path: Path) -> set[str]:
    """Every module `path` imports; `from a import b` counts a.b instead of a when that is
    a module of envlock (`from envlock.net import policy` imports envlock.net.policy)."""
    out = set()
    for module, name in _imports(path):
        candidate = f"{module}.{name}" if name and _within(module, "envlock") else module
        relative = REPO / Path(*candidate.split("."))
        is_module = relative.with_suffix(".py").is_file() or relative.is_dir()
        out.add(candidate if is_module else module)
    return out


def _imported_roots(path: Path) -> set[str]:
    return {module.split(".")[0] for module, _ in _imports(path)}


def _is_core(path: Path) -> bool:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] not in ("commands", "ui") and path.name not in GLUE


# ---------------------------------------------------------------- the rules


def _core_offences() -> set[str]:
    return {
        f"{_rel(p)} -> {module}"
        for p in _modules()
        if _is_core(p)
        for module in _imported_modules(p)
        if _within(module, ("click", "rich", "envlock.ui", "envlock.commands"))
    }


def _engine_offences() -> set[str]:
    return {
        f"{_rel(p)} -> {module}"
        for p in _modules()
        if p.relative_to(PACKAGE).parts[0] == "engine"
        for module in _imported_modules(p)
        if _within(module, "envlock") and not _is_allowed_in_engine(module)
    }


def _is_allowed_in_engine(module: str) -> bool:
    # `envlock` itself is allowed, not every package below it
    return module == "envlock" or _within(module, ENGINE_MAY_IMPORT[1:])


def _stage_offences() -> set[str]:
    offences = set()
    for p in _modules():
        parts = p.relative_to(PACKAGE).parts
        here = parts[0].removesuffix(".py")
        if here in ("ui", "commands", "cli", "__main__"):
            continue
        allowed = frozenset() if len(parts) == 1 else STAGE_MAY_IMPORT.get(here)
        assert allowed is not None, f"{_rel(p)}: a new package needs a row in STAGE_MAY_IMPORT"
        for module in _imported_modules(p):
            names = module.split(".")
            if names[0] != "envlock" or len(names) < 2 or names[1] in (here, *KERNEL):
                continue
            if names[1] not in allowed:
                offences.add(f"{_rel(p)} -> {module}")
    return offences


def _socket_offences() -> set[str]:
    offences = set()
    for p in _modules():
        if p.relative_to(PACKAGE).parts[0] in ("net", "mirror"):
            continue
        for module, name in _imports(p):
            network = next((n for n in NETWORK if _within(module, n)), None)
            if network is None:
                continue
            used = {name} if name else _attribute_uses(p, module) or {"*"}
            if any(f"{module}.{u}" not in HARMLESS for u in used):
                offences.add(f"{_rel(p)} -> {network}")
    return offences


def _size_offences() -> set[str]:
    return {
        _rel(p) for p in _modules() if len(p.read_text(encoding="utf-8").splitlines()) > MAX_LINES
    }


RULES = {
    "core imports click, rich, ui or commands": _core_offences,
    "engine imports another stage": _engine_offences,
    "a stage imports against the data flow": _stage_offences,
    "opens sockets outside net/": _socket_offences,
    "longer than 500 lines": _size_offences,
}


@pytest.mark.parametrize("rule", sorted(RULES))
def test_no_new_offence(rule: str) -> None:
    new = RULES[rule]() - KNOWN_OFFENDERS.get(rule, set())
    assert sorted(new) == [], f"{rule}: {sorted(new)}"


def test_every_known_offender_still_offends() -> None:
    fixed = {
        rule: sorted(known - RULES[rule]()) for rule, known in KNOWN_OFFENDERS.items() if known
    }
    assert {rule: f for rule, f in fixed.items() if f} == {}, (
        "fixed: remove these entries from KNOWN_OFFENDERS in tests/test_architecture.py"
    )


def test_only_the_engine_package_imports_rattler() -> None:
    offenders = [
        _rel(p)
        for p in _modules()
        if "rattler" in _imported_roots(p) and p.relative_to(PACKAGE).parts[0] != "engine"
    ]
    assert offenders == []


def test_only_the_environment_file_adapter_imports_conda_lock() -> None:
    offenders = [
        _rel(p)
        for p in _modules()
        if "conda_lock" in _imported_roots(p) and _rel(p) != "envlock/recipe/envfile.py"
    ]
    assert offenders == []


def test_the_rules_see_what_they_look_for(tmp_path: Path) -> None:
    """The readers above, on a module written for the purpose (in tmp_path, outside the
    package): deferred imports, relative imports, `import socket` used only for its name."""
    fake = tmp_path / "envlock" / "create" / "x.py"
    fake.parent.mkdir(parents=True)
    fake.write_text(
        "import socket\nfrom ..ui import output\n\n"
        "def f():\n    import rich.console\n    from urllib.request import urlopen\n"
        "    return socket.gethostname(), urlopen\n"
    )
    imports = _imports(fake, tmp_path)
    assert ("envlock.ui", "output") in imports
    assert ("rich.console", None) in imports
    assert ("urllib.request", "urlopen") in imports
    assert _attribute_uses(fake, "socket") == {"gethostname"}
    assert "socket.gethostname" in HARMLESS
    assert _within("envlock.net.policy", ENGINE_MAY_IMPORT[1:])
    assert not _is_allowed_in_engine("envlock.create.cache")
    assert _is_allowed_in_engine("envlock")


# ---------------------------------------------------------------- at import time


def _run_blocked(modules: list[str], blocked: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    """Import `modules` in a fresh interpreter where importing any of `blocked` fails."""
    code = (
        "import sys, importlib\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name.split('.')[0] in {blocked!r}:\n"
        "            raise ImportError('blocked: ' + name)\n"
        "        return None\n"
        "sys.meta_path.insert(0, Block())\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
        "print('ok', len(sys.modules))\n"
    )
    return subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True)


def test_core_modules_import_with_click_and_rich_blocked() -> None:
    modules = [_module_name(p) for p in _modules() if _is_core(p)]
    done = _run_blocked(modules, ("click", "rich"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok")


def test_package_inits_import_no_heavy_library() -> None:
    packages = sorted(_module_name(p) for p in PACKAGE.glob("*/__init__.py"))
    assert "envlock.recipe" in packages
    failed = {}
    for package in packages:
        done = _run_blocked([package], HEAVY)
        if done.returncode != 0:
            failed[package] = done.stderr.strip().splitlines()[-1]
    assert failed == {}


# ---------------------------------------------------------------- the tests themselves


def test_no_test_module_imports_another() -> None:
    offenders = [
        f"{_rel(p)} -> {module}"
        for p in sorted((REPO / "tests").rglob("*.py"))
        for module, name in _imports(p)
        if _within(module, "tests")
        and any(part.startswith("test_") for part in [*module.split("."), name or ""])
    ]
    assert offenders == []
