"""Resolve, first half: recipe → per-platform requests, hashes and the lock's state (no solver).

`plan()` loads a recipe, expands it per platform and hashes each expansion (the input
hash); it reads the existing lock's metadata only, with PyYAML's C loader, so
`resolve --check` never imports rattler or conda_lock. envlock.resolve.apply carries a
plan out. The input hash and the lock metadata `--check` reads live in
envlock.lock.freshness.

A `stack.source: pip` recipe (PyTorch from wheels) is refused here, before solving: its
lock would lack PyTorch itself.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from envlock.errors import BadInputError
from envlock.lock.freshness import (
    LockHead,
    describe_changes,
    input_hash,
    read_lock_head,
    request_inputs,
)
from envlock.lock.source import LOCK_FILE
from envlock.models import SpecSet
from envlock.net.channels import DEFAULT_CHANNEL_ALIAS
from envlock.platforms import cache_root, check_platform

if TYPE_CHECKING:
    from envlock.net.policy import HttpPolicy
    from envlock.recipe.model import Recipe


@dataclass(frozen=True, kw_only=True, slots=True)
class Options:
    """What the command line asks of a resolve (defaults match `envlock resolve`)."""

    platforms: tuple[str, ...] = ()  # empty: the recipe's own
    out_dir: Path = Path("locks")
    channel_alias: str = DEFAULT_CHANNEL_ALIAS
    exclude_newer: dt.datetime | None = None  # overrides the recipe
    update: tuple[str, ...] = ()
    force: bool = False
    cache_dir: Path | None = None
    # Timeout and retries of repodata requests, read once by the command (None: defaults).
    policy: HttpPolicy | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Plan:
    """One recipe's resolve before any solving: the requests, hashes and the lock's state."""

    recipe: Recipe
    recipe_path: Path
    specsets: tuple[SpecSet, ...]
    hashes: Mapping[str, str]
    inputs: Mapping[str, Mapping[str, Any]]
    lock_dir: Path
    stale: tuple[str, ...]  # why the existing lock is not fresh; empty when fresh
    kept: Mapping[str, str] = field(default_factory=dict)  # other platforms' hashes to keep
    head: LockHead | None = None  # the existing lock's metadata, read once (None: no lock)

    @property
    def lock_path(self) -> Path:
        return self.lock_dir / LOCK_FILE

    @property
    def platforms(self) -> tuple[str, ...]:
        return tuple(s.platform for s in self.specsets)

    @property
    def pip_not_locked(self) -> tuple[str, ...]:
        """The pip requirement lines of every platform (options such as --find-links
        left out), in recipe order: what this lock does NOT pin."""
        lines = (line.strip() for s in self.specsets for line in s.pip)
        return tuple(dict.fromkeys(x for x in lines if x and not x.startswith("-")))


def plan(recipe_path: Path, options: Options) -> Plan:
    """Load and expand a recipe, hash each platform, and compare with the existing lock."""
    from envlock.recipe.reader import load_recipe

    return plan_recipe(load_recipe(recipe_path), Path(recipe_path), options)


def plan_recipe(recipe: Recipe, recipe_path: Path, options: Options) -> Plan:
    """`plan` for a recipe already loaded from `recipe_path`."""
    from envlock.stacks.expand import expand, require_conda_source

    require_conda_source(recipe)
    platforms = options.platforms or recipe.platforms
    specsets = []
    for platform in platforms:
        check_platform(platform)
        specset = expand(recipe, platform)
        if options.exclude_newer is not None:
            specset = dataclasses.replace(specset, exclude_newer=options.exclude_newer)
        specsets.append(specset)
    inputs = {s.platform: request_inputs(s) for s in specsets}
    hashes = {s.platform: input_hash(s) for s in specsets}
    lock_dir = options.out_dir / recipe.name
    head, unreadable = _existing_head(lock_dir / LOCK_FILE, force=options.force)
    stale: list[str] = [unreadable] if unreadable else []
    kept: dict[str, str] = {}
    if head is None:
        if not stale:
            stale.append(f"no lock yet at {lock_dir / LOCK_FILE}")
    else:
        if options.platforms:
            # `-p` resolves some platforms; the lock's others stay as they are.
            kept = {p: h for p, h in head.content_hash.items() if p not in hashes}
        elif set(head.platforms) != set(platforms):
            stale.append(
                f"platforms: the lock has {', '.join(head.platforms) or 'none'}, "
                f"the recipe asks for {', '.join(platforms)}"
            )
        for platform, digest in hashes.items():
            if head.content_hash.get(platform) == digest:
                if not (lock_dir / f"{platform}.lock").is_file():
                    stale.append(f"{platform}: {platform}.lock is missing")
                continue
            if platform not in head.content_hash:
                stale.append(f"{platform}: not in the lock")
                continue
            before = head.inputs.get(platform)
            changes = describe_changes(before, inputs[platform]) if before else []
            stale.append(
                f"{platform}: "
                + (
                    "; ".join(changes)
                    or "the request changed (lock made by another tool or version)"
                )
            )
    return Plan(
        recipe=recipe,
        recipe_path=Path(recipe_path),
        specsets=tuple(specsets),
        hashes=hashes,
        inputs=inputs,
        lock_dir=lock_dir,
        stale=tuple(stale),
        kept=kept,
        head=head,
    )


def _existing_head(path: Path, *, force: bool) -> tuple[LockHead | None, str | None]:
    """The lock's metadata (None: no lock). An unreadable lock is bad input, except
    under --force, which replaces it (as the message says): then the reason it is
    stale comes second."""
    try:
        return read_lock_head(path), None
    except BadInputError as error:
        if not force:
            raise
        return None, f"{path} is unreadable ({error.message}); --force replaces it"


def validate(plan_: Plan) -> None:
    """What only a real resolve checks (it imports rattler, so never under `--check`):
    every spec of the recipe parses as a conda matchspec (all bad ones listed)."""
    from envlock.recipe.reader import validate_specs

    validate_specs(plan_.recipe)


def default_cache_dir() -> Path:
    """`ENVLOCK_CACHE_DIR`, else envlock's cache folder (envlock.platforms.cache_root:
    `$XDG_CACHE_HOME/envlock` or `~/.cache/envlock` on Linux)."""
    if env := os.environ.get("ENVLOCK_CACHE_DIR"):
        return Path(env)
    return cache_root()


def check_unique_names(plans: Sequence[Plan]) -> None:
    """Exit 2 before any solving when two recipe files have one name: both would write
    the same lock folder, the second silently replacing the first."""
    seen: dict[str, Plan] = {}
    for item in plans:
        first = seen.setdefault(item.recipe.name, item)
        if first is item:
            continue
        a, b = (p.recipe.where("name") or str(p.recipe_path) for p in (first, item))
        raise BadInputError(
            f'two recipes are named "{item.recipe.name}": {a} and {b}; both would write '
            f"{item.lock_dir}, the second replacing the first. Give each recipe its own "
            "name, or resolve them one at a time into different -o folders",
            where=item.recipe.where("name") or str(item.recipe_path),
        )


__all__ = [
    "Options",
    "Plan",
    "check_unique_names",
    "default_cache_dir",
    "plan",
    "plan_recipe",
    "validate",
]
