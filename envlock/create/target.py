"""Where `create` puts an environment, and when it may replace what is there.

Without `-p`, environments go to `envs_dir()`: `ENVLOCK_ENVS_DIR`; else conda's envs
directory when conda is configured (the first of `CONDA_ENVS_PATH`, `envs_dirs` in
~/.condarc, `$CONDA_ROOT/envs` or `$MAMBA_ROOT_PREFIX/envs`, the root of an active
`CONDA_PREFIX`), so that `conda activate NAME` finds it; else `~/.envlock/envs`.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from envlock.errors import BadInputError


def check_env_name(name: str) -> None:
    """BadInputError unless `name` is a plain environment name (no path)."""
    if not name or name in (".", "..") or "/" in name or os.sep in name:
        raise BadInputError(f"{name!r} is not an environment name; use -p PATH for a path")


def check_target(target: Path, *, force: bool) -> bool:
    """May `create` build at `target`? True when an existing environment will be replaced.

    An absent target or an empty folder is free. Anything else that is not a conda
    environment (a folder with conda-meta/) is refused with or without `force`; an
    existing environment needs `force`. Refusals are BadInputError (exit 2), nothing
    touched. The parent must be (or become) a writable folder.
    """
    if not target.exists() and not target.is_symlink():
        _check_parent(target)
        return False
    if target.is_dir() and not target.is_symlink() and not any(target.iterdir()):
        _check_parent(target)
        return False
    if target.is_symlink() or not target.is_dir():
        kind = "a symbolic link" if target.is_symlink() else "a file"
        raise BadInputError(
            f"{target} is {kind}, not a conda environment; envlock will not replace it, "
            "even with --force. Choose another -p/-n"
        )
    if not (target / "conda-meta").is_dir():
        raise BadInputError(
            f"{target} is a folder that is not a conda environment (no conda-meta/); "
            "envlock will not replace it, even with --force, and nothing in it was "
            "touched. Choose another -p/-n (a new or empty folder)"
        )
    if not force:
        raise BadInputError(
            f"{target} already exists; nothing was changed. Pass --force to replace it (the "
            "old environment is kept aside until the new one is complete), or choose "
            "another -p/-n"
        )
    _check_parent(target)
    return True


def check_apart_from_cache(target: Path, pkgs_dir: Path) -> None:
    """BadInputError (exit 2) when the environment would live inside the package cache,
    or the package cache inside it (the same folder included).

    Either way one would destroy the other: a cache sweep could delete the environment's
    files, and replacing or removing the environment would delete the cache (whose
    archives other environments are linked from). Paths are compared with symbolic links
    resolved, so a link cannot hide the overlap.
    """
    env = Path(os.path.realpath(target))
    cache = Path(os.path.realpath(pkgs_dir))
    if env == cache or cache in env.parents:
        place = "is the package cache" if env == cache else f"is inside the package cache {cache}"
        raise BadInputError(
            f"{target} {place}; an environment there could be deleted with the cache's "
            "files, and nothing was changed. Choose a -p/-n outside it, or point "
            "ENVLOCK_PKGS_DIR at another folder"
        )
    if env in cache.parents:
        raise BadInputError(
            f"{target} holds the package cache {pkgs_dir}; replacing or removing the "
            "environment would delete the cache, and nothing was changed. Choose a -p/-n "
            "that does not contain it, or point ENVLOCK_PKGS_DIR at another folder"
        )


def _check_parent(target: Path) -> None:
    """BadInputError unless the environment can be made in `target`'s parent folder.

    The nearest existing ancestor must be a folder envlock may write in (the staging
    folder is made beside the target, and missing folders are created).
    """
    probe = target.parent
    while not probe.exists() and probe != probe.parent:
        if probe.is_symlink():  # a dangling symbolic link
            break
        probe = probe.parent
    if not probe.is_dir():
        raise BadInputError(
            f"cannot create {target}: {probe} is not a folder. Choose another -p/-n "
            "(or another ENVLOCK_ENVS_DIR)"
        )
    if not os.access(probe, os.W_OK | os.X_OK):
        raise BadInputError(
            f"cannot create {target}: no permission to write in {probe}. Choose another "
            "-p/-n (or another ENVLOCK_ENVS_DIR)"
        )


def envs_dir() -> tuple[Path, str]:
    """(envs directory, the rule that chose it); see the module docstring for the order."""
    configured = os.environ.get("ENVLOCK_ENVS_DIR")
    if configured:
        return Path(configured).expanduser(), "ENVLOCK_ENVS_DIR"
    conda_envs = os.environ.get("CONDA_ENVS_PATH") or os.environ.get("CONDA_ENVS_DIRS")
    if conda_envs:
        first = next((p for p in conda_envs.split(os.pathsep) if p), None)
        if first:
            return Path(first).expanduser(), "CONDA_ENVS_PATH"
    from_rc = _condarc_envs_dir()
    if from_rc is not None:
        return from_rc, "~/.condarc envs_dirs"
    for variable in ("CONDA_ROOT", "MAMBA_ROOT_PREFIX"):
        root = os.environ.get(variable)
        if root:
            return Path(root).expanduser() / "envs", f"${variable}/envs"
    active = os.environ.get("CONDA_PREFIX")
    if active:
        path = Path(active)
        base = path.parent.parent if path.parent.name == "envs" else path
        if (base / "conda-meta").is_dir():
            return base / "envs", "root of $CONDA_PREFIX"
    return Path.home() / ".envlock" / "envs", "~/.envlock/envs (no conda configured)"


def _condarc_envs_dir() -> Path | None:
    rc = Path.home() / ".condarc"
    if not rc.is_file():
        return None
    import yaml

    from envlock.lock.condalock import safe_loader

    try:
        data = yaml.load(rc.read_text(encoding="utf-8"), Loader=safe_loader())  # noqa: S506 - safe loader
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    dirs = data.get("envs_dirs") if isinstance(data, dict) else None
    if isinstance(dirs, list) and dirs and isinstance(dirs[0], str):
        return Path(os.path.expandvars(dirs[0])).expanduser()
    return None


def free_bytes(target: Path) -> int | None:
    """Free bytes on the disk that holds (or will hold) `target`; None when unknown."""
    probe = target
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        return shutil.disk_usage(probe).free
    except OSError:
        return None
