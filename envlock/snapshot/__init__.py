"""Read any environment snapshot into one model, detecting its kind from the content.

Kinds (CONTRACTS.md "Snapshot kinds"): `export` and `micromamba-export` (YAML with
`dependencies`), `recipe` (YAML with `stack`, `python` or `envlock`), `lock`
(conda-lock.yml), `explicit` (@EXPLICIT), `conda-list` (the `conda list` table), `pip`
(freeze / requirements) and `prefix` (a folder with conda-meta/). The file name never
decides: a `requirements.yml` holding a `conda list` table is read as one.

Public names: `read_snapshot`, `read_pair`, `detect_kind` and the `Snapshot` model here;
`export_prefix` / `render_export` (envlock.snapshot.export) and the prefix reader's
`scan_prefix` / `read_prefix` / `is_prefix` / `PrefixContents` are loaded on first use,
so importing the package stays light.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from envlock.errors import BadInputError
from envlock.lazy import lazy_exports
from envlock.limits import MAX_SNAPSHOT_BYTES, read_text
from envlock.snapshot.model import Snapshot, SnapshotKind

if TYPE_CHECKING:
    from envlock.snapshot.export import export_prefix, render_export
    from envlock.snapshot.prefix import PrefixContents, is_prefix, read_prefix, scan_prefix

__all__ = [
    "PrefixContents",
    "Snapshot",
    "SnapshotKind",
    "detect_kind",
    "export_prefix",
    "is_prefix",
    "read_pair",
    "read_prefix",
    "read_snapshot",
    "render_export",
    "scan_prefix",
]

_HOMES = {
    **dict.fromkeys(("export_prefix", "render_export"), "export"),
    **dict.fromkeys(("PrefixContents", "is_prefix", "read_prefix", "scan_prefix"), "prefix"),
}


__getattr__ = lazy_exports(__name__, _HOMES)


_EXPLICIT = re.compile(r"^@EXPLICIT\s*$", re.MULTILINE)
_LOCK_PACKAGE = re.compile(r"^package:\s*$", re.MULTILINE)
_LOCK_METADATA = re.compile(r"^metadata:\s*$", re.MULTILINE)
_YAML_KEY = re.compile(r"^(?:---\s*$|[A-Za-z_][\w\-]*:(?:\s|$))")


_NOT_TEXT = (
    "this is not a text file (it holds bytes that are not UTF-8 text), so it is no "
    "snapshot: pass an export, lock, explicit file, `conda list` output or pip freeze"
)


def _read_text(path: Path) -> str:
    """The file's text, at most `MAX_SNAPSHOT_BYTES` (a lock's limit too), a byte-order
    mark dropped."""
    try:
        text = read_text(
            path,
            limit=MAX_SNAPSHOT_BYTES,
            what="a snapshot (export, lock, explicit file, `conda list` output or pip freeze)",
        )
    except FileNotFoundError:
        raise BadInputError(
            "no such file or folder: pass an export, lock, explicit file, `conda list` "
            "output, pip freeze or an environment prefix",
            where=str(path),
        ) from None
    except UnicodeDecodeError:
        raise BadInputError(_NOT_TEXT, where=str(path)) from None
    except OSError as error:
        raise BadInputError(f"cannot read this file: {error}", where=str(path)) from None
    if not text.strip():
        raise BadInputError(
            "the file is empty: pass an export, lock, explicit file, `conda list` output or "
            "pip freeze that lists the environment's packages",
            where=str(path),
        )
    if "\x00" in text:
        raise BadInputError(_NOT_TEXT, where=str(path))
    return text


def detect_kind(path: Path, text: str | None = None) -> SnapshotKind:
    """The snapshot kind of `path`, judged from what it holds."""
    from envlock.snapshot.prefix import is_prefix
    from envlock.snapshot.tables import looks_like_conda_list

    if path.is_dir():
        if is_prefix(path):
            return "prefix"
        raise BadInputError(
            "this folder has no conda-meta/, so it is not an environment prefix",
            where=str(path),
        )
    text = _read_text(path) if text is None else text
    if _EXPLICIT.search(text):
        return "explicit"
    if _LOCK_PACKAGE.search(text) and _LOCK_METADATA.search(text):
        return "lock"
    first = _first_content_line(text)
    if first is not None and _YAML_KEY.match(first):
        return "export"  # refined to recipe / micromamba-export once the YAML is read
    if looks_like_conda_list(text.splitlines()):
        return "conda-list"
    return "pip"


def read_snapshot(
    path: Path, *, platform: str | None = None, prefer: str | None = None
) -> Snapshot:
    """Read `path` as whatever snapshot it holds; `platform` picks a lock's platform, and
    without it a lock takes `prefer` (the other side's platform) when it holds it.

    Raises BadInputError (exit 2) naming file:line when the content cannot be read.
    """
    from envlock.snapshot.locked import read_explicit_snapshot, read_lock_snapshot
    from envlock.snapshot.prefix import read_prefix

    if path.is_dir():
        detect_kind(path)
        return read_prefix(path)
    text = _read_text(path)
    kind = detect_kind(path, text)
    if kind == "explicit":
        return read_explicit_snapshot(path)
    if kind == "lock":
        return read_lock_snapshot(path, platform=platform, prefer=prefer)
    if kind == "export":
        return _read_yaml(path, text, platform=platform)
    from envlock.snapshot.tables import read_conda_list, read_pip

    if kind == "conda-list":
        return read_conda_list(path, text.splitlines())
    return read_pip(path, text.splitlines())


def read_pair(a: Path, b: Path, *, platform: str | None = None) -> tuple[Snapshot, Snapshot]:
    """Read both sides of a diff; a lock without `--platform` takes the other side's.

    Diffing a multi-platform lock against an osx-64 explicit file compares osx-64, not
    the host's platform. A recipe is expanded for `--platform`, else the other side's
    platform, else the recipe's first.
    """
    kinds = [None if p.is_dir() else detect_kind(p) for p in (a, b)]
    if platform is not None or kinds.count("lock") != 1:
        left, right = read_snapshot(a, platform=platform), read_snapshot(b, platform=platform)
    else:
        lock_index = kinds.index("lock")
        paths = (a, b)
        other = read_snapshot(paths[1 - lock_index])
        locked = read_snapshot(paths[lock_index], prefer=other.platform)
        left, right = (locked, other) if lock_index == 0 else (other, locked)
    if platform is None:  # a recipe is expanded for the platform of the other side
        if left.kind == "recipe" and _other_platform(left, right):
            left = read_snapshot(a, platform=right.platform)
        elif right.kind == "recipe" and _other_platform(right, left):
            right = read_snapshot(b, platform=left.platform)
    return left, right


def _other_platform(recipe: Snapshot, other: Snapshot) -> bool:
    """The other side is an environment that names a platform the recipe was not read for."""
    return other.kind != "recipe" and bool(other.platform) and other.platform != recipe.platform


def _read_yaml(path: Path, text: str, *, platform: str | None) -> Snapshot:
    from envlock.snapshot.recipe_side import read_recipe_snapshot
    from envlock.snapshot.yamlenv import RECIPE_KEYS, load_yaml, read_env_yaml

    data = load_yaml(path, text)
    if not isinstance(data, dict):
        raise BadInputError(
            "expected a YAML mapping with `dependencies` (a conda env export) or a "
            "conda-lock `package` list",
            where=str(path),
        )
    if any(key in data for key in RECIPE_KEYS):
        return read_recipe_snapshot(path, text, platform=platform)
    if "dependencies" not in data:
        raise BadInputError(
            "this YAML has no `dependencies`, `package` or recipe keys, so it is no "
            f"snapshot envlock reads (top-level keys: {', '.join(map(str, data)) or 'none'})",
            where=str(path),
        )
    return read_env_yaml(path, text, data)


def _first_content_line(text: str) -> str | None:
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return line
    return None
