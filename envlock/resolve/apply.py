"""Resolve, second half: a plan carried out. Solve, guard, then write every lock file at once.

`apply()` solves every platform that needs it (concurrently, through
envlock.resolve.solver and the engine), runs the CUDA guard and only then writes
`DIR/<name>/conda-lock.yml` and every `DIR/<name>/<platform>.lock` together
(envlock.atomic.write_many): a failure at any step leaves the old lock byte-identical.
`resolve()` plans every recipe (envlock.resolve.plan) before it solves any.

pip lines are not locked yet (envlock has no pip layer): the conda part is resolved and
every result names the pip requirements it leaves out (`pip_not_locked`), so nobody
mistakes the lock for the whole environment.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from envlock.errors import AnswerIsNoError, BadInputError, EnvlockError
from envlock.lock.freshness import INPUTS_PREFIX, canonical
from envlock.models import Package
from envlock.net.channels import channel_name, merge_orders
from envlock.net.credentials import mask
from envlock.platforms import KNOWN_PLATFORMS
from envlock.resolve.plan import (
    Options,
    Plan,
    check_unique_names,
    default_cache_dir,
    plan_recipe,
    validate,
)
from envlock.resolve.report import Highlight, Move, Stay, highlights, moves, stays

if TYPE_CHECKING:
    from envlock.recipe.model import Recipe

Status = Literal["written", "unchanged", "fresh", "stale", "failed"]


@dataclass(frozen=True, kw_only=True, slots=True)
class PlatformResult:
    """What resolve produced (or found) for one platform."""

    platform: str
    input_hash: str
    packages: tuple[Package, ...] = ()
    seconds: float | None = None
    notes: tuple[str, ...] = ()
    highlights: tuple[Highlight, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class RecipeResult:
    """The outcome for one recipe (`status: failed` carries the error, with several recipes)."""

    name: str | None  # None when the recipe could not be read
    source: str
    lock_dir: Path | None
    status: Status
    platforms: tuple[PlatformResult, ...] = ()
    stale: tuple[str, ...] = ()
    moved: tuple[Move, ...] = ()
    stayed: tuple[Stay, ...] = ()  # packages named in --update that did not move
    files: tuple[Path, ...] = ()
    pip_not_locked: tuple[str, ...] = ()
    error: EnvlockError | None = None

    def to_dict(self) -> dict[str, Any]:
        """The recipe's part of the `envlock_resolve` JSON document."""
        error = self.error
        return {
            "name": self.name,
            "source": self.source,
            "lock_dir": str(self.lock_dir) if self.lock_dir else None,
            "status": self.status,
            "error": (error.to_dict() if error else None),
            "pip_not_locked": list(self.pip_not_locked),
            "stale": list(self.stale),
            "files": [str(p) for p in self.files],
            "moved": [dataclasses.asdict(m) for m in self.moved],
            "stayed": [dataclasses.asdict(m) for m in self.stayed],
            "platforms": [
                {
                    "platform": p.platform,
                    "input_hash": p.input_hash,
                    "package_count": len(p.packages) if p.packages else None,
                    "solve_seconds": round(p.seconds, 3) if p.seconds is not None else None,
                    "notes": list(p.notes),
                    "highlights": [dataclasses.asdict(h) for h in p.highlights],
                }
                for p in self.platforms
            ],
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class ResolveRun:
    """One `envlock resolve` run: every recipe's result, in the order given, with the
    channel alias used and the run's exit code (the caller decides it from the results)."""

    exit_code: int
    channel_alias: str
    recipes: Sequence[RecipeResult]

    def to_dict(self) -> dict[str, Any]:
        """The payload of the `envlock_resolve` document: exit_code, channel_alias (its
        credentials masked) and recipes (each `RecipeResult.to_dict()`)."""
        return {
            "exit_code": self.exit_code,
            "channel_alias": mask(self.channel_alias),
            "recipes": [r.to_dict() for r in self.recipes],
        }


def check(plan_: Plan) -> RecipeResult:
    """`--check`: fresh (status "fresh") or stale (status "stale", reasons); writes nothing."""
    return _result(plan_, "stale" if plan_.stale else "fresh", stale=plan_.stale)


def apply(plan_: Plan, options: Options) -> RecipeResult:
    """Solve (unless the lock is fresh), guard, and write every lock file at once."""
    from envlock import atomic
    from envlock.lock.condalock import read_lock
    from envlock.resolve import guard
    from envlock.resolve.solver import solve_platforms

    if not plan_.stale and not options.force and not options.update:
        return _result(plan_, "unchanged")
    if options.update and not plan_.lock_path.exists():
        raise BadInputError(
            f"--update {', '.join(options.update)}: there is no lock yet at "
            f"{plan_.lock_path}; resolve without --update first"
        )
    old = read_lock(plan_.lock_path) if (options.update or plan_.kept) else None
    if options.update and old is not None:
        _check_update_names(options.update, old.packages, plan_.lock_path)
    try:
        solved = solve_platforms(
            plan_.specsets,
            channel_alias=options.channel_alias,
            cache_dir=options.cache_dir or default_cache_dir(),
            policy=options.policy,
            locked=old.packages if (old and options.update) else None,
            update=options.update,
        )
        packages = {p: solved[p].packages for p in plan_.platforms}
        guard.check(plan_.specsets, packages)
    except (AnswerIsNoError, BadInputError) as error:
        error.where = error.where or plan_.recipe.where()  # name the recipe in the answer
        raise
    if old is not None:
        for platform in plan_.kept:
            packages.setdefault(platform, old.packages.get(platform, ()))
    files = _render(plan_, packages, old_inputs=_kept_inputs(plan_))
    head = plan_.head
    atomic.write_many(files)
    for dropped in set(head.platforms if head else ()) - set(packages):
        # the recipe no longer targets it: its explicit file would be a stale lock.
        # Only names envlock writes: the metadata is file content, never a path to follow.
        if dropped in KNOWN_PLATFORMS:
            (plan_.lock_dir / f"{dropped}.lock").unlink(missing_ok=True)
    moved = moves(old.packages if old else {}, packages, plan_.platforms) if options.update else ()
    stayed = stays(packages, plan_.platforms, options.update, moved)
    return _result(
        plan_,
        "written",
        solved={p: (s.packages, s.seconds) for p, s in solved.items()},
        moved=moved,
        stayed=stayed,
        files=tuple(files),
    )


def _kept_inputs(plan_: Plan) -> dict[str, Mapping[str, Any]]:
    if not plan_.kept or plan_.head is None:
        return {}
    return {p: v for p, v in plan_.head.inputs.items() if p in plan_.kept}


def _check_update_names(
    names: Sequence[str], locked: Mapping[str, Sequence[Package]], path: Path
) -> None:
    have = {p.name for pkgs in locked.values() for p in pkgs}
    missing = [n for n in names if n not in have]
    if missing:
        raise BadInputError(
            f"--update {', '.join(missing)}: not in the lock; --update moves packages the "
            "lock already has (add new ones to the recipe instead)",
            where=str(path),
        )


def _render(
    plan_: Plan,
    packages: Mapping[str, tuple[Package, ...]],
    *,
    old_inputs: Mapping[str, Mapping[str, Any]],
) -> dict[Path, str]:
    from envlock.lock.condalock import Lock, LockChannel, render_lock
    from envlock.lock.explicit import render_explicit

    hashes = {**plan_.kept, **plan_.hashes}
    channels = lock_channels(plan_)
    lock = Lock(
        platforms=tuple(sorted(hashes)),
        channels=tuple(LockChannel(url=c) for c in channels),
        content_hash=hashes,
        sources=(recipe_source(plan_),),
        packages=packages,
        custom_metadata={
            f"{INPUTS_PREFIX}{p}": canonical(v) for p, v in {**old_inputs, **plan_.inputs}.items()
        },
    )
    files: dict[Path, str] = {plan_.lock_path: render_lock(lock)}
    for platform in plan_.platforms:
        files[plan_.lock_dir / f"{platform}.lock"] = render_explicit(
            platform, packages[platform], input_hash=plan_.hashes[platform]
        )
    return files


def lock_channels(plan_: Plan) -> tuple[str, ...]:
    """`metadata.channels`: one order that keeps every platform's priority order.

    Each platform solved now gives its SpecSet's channels; each kept platform (`-p`)
    the channels of its stored request, else the old lock's list. They are merged in
    platform-name order, ties going to the recipe's own `channels` order, so the bytes
    do not depend on how `platforms` is ordered in the recipe.
    """
    orders: dict[str, list[str]] = {
        s.platform: [channel_name(c) for c in s.channels] for s in plan_.specsets
    }
    head = plan_.head
    for platform in plan_.kept:
        stored = head.inputs.get(platform, {}).get("channels") if head else None
        if isinstance(stored, list):
            orders[platform] = [channel_name(str(c)) for c in stored]
        elif head is not None:
            orders[platform] = list(head.channels)
    prefer = [channel_name(c) for c in plan_.recipe.channels]
    return merge_orders([orders[p] for p in sorted(orders)], prefer=prefer)


def recipe_source(plan_: Plan) -> str:
    """The recipe as `metadata.sources` and the header name it: relative to the lock
    folder, in POSIX form (as conda-lock does), so that the bytes do not depend on how
    the recipe path was typed."""
    path = plan_.recipe.source_path
    if path is None:
        return plan_.recipe.name
    try:
        return Path(os.path.relpath(path, plan_.lock_dir)).as_posix()
    except ValueError:  # another drive (Windows): no relative path exists
        return path.absolute().as_posix()


def _result(
    plan_: Plan,
    status: Status,
    *,
    stale: tuple[str, ...] = (),
    solved: Mapping[str, tuple[tuple[Package, ...], float]] | None = None,
    moved: tuple[Move, ...] = (),
    stayed: tuple[Stay, ...] = (),
    files: tuple[Path, ...] = (),
) -> RecipeResult:
    rows = []
    for specset in plan_.specsets:
        packages, seconds = (solved or {}).get(specset.platform, ((), None))
        rows.append(
            PlatformResult(
                platform=specset.platform,
                input_hash=plan_.hashes[specset.platform],
                packages=packages,
                seconds=seconds,
                notes=specset.notes,
                highlights=highlights(packages),
            )
        )
    recipe = plan_.recipe
    return RecipeResult(
        name=recipe.name,
        source=str(recipe.source_path) if recipe.source_path else recipe.name,
        lock_dir=plan_.lock_dir,
        status=status,
        platforms=tuple(rows),
        stale=stale,
        moved=moved,
        stayed=stayed,
        files=files,
        pip_not_locked=plan_.pip_not_locked,
    )


def failed(
    source: Path, error: EnvlockError, plan_: Plan | None = None, *, name: str | None = None
) -> RecipeResult:
    """The result of a recipe that could not be resolved (one of several); `name` is the
    recipe's name when it was read although planning failed (None: never read)."""
    name = plan_.recipe.name if plan_ else name
    return RecipeResult(
        name=name,
        source=str(source),
        lock_dir=plan_.lock_dir if plan_ else None,
        status="failed",
        pip_not_locked=plan_.pip_not_locked if plan_ else (),
        error=error,
    )


def resolve(
    recipe_paths: Sequence[Path],
    options: Options,
    *,
    check_only: bool = False,
    solving: Callable[[Plan], AbstractContextManager[object]] | None = None,
) -> list[RecipeResult]:
    """Plan (and validate) every recipe before any solving, then check or apply each.

    One recipe: its error is raised. Several: every recipe is processed and a failing
    one becomes a `status: failed` result carrying its error.
    `solving(plan)` wraps each apply (a progress spinner).
    """
    from envlock.recipe.reader import load_recipe, peek_name

    unique: dict[Path, Path] = {}  # one file named twice is resolved once
    for given in recipe_paths:
        unique.setdefault(Path(given).resolve(), Path(given))
    single = len(unique) == 1
    planned: list[Plan | RecipeResult] = []  # a plan, or the failure of planning
    for path in unique.values():
        recipe: Recipe | None = None
        try:
            recipe = load_recipe(Path(path))
            ready = plan_recipe(recipe, Path(path), options)
            if not check_only:
                validate(ready)
        except EnvlockError as error:
            if single:
                raise
            name = recipe.name if recipe else peek_name(Path(path))
            planned.append(failed(Path(path), error, name=name))
            continue
        planned.append(ready)
    check_unique_names([p for p in planned if isinstance(p, Plan)])
    results: list[RecipeResult] = []
    for item in planned:
        if isinstance(item, RecipeResult):
            results.append(item)
        elif check_only:
            results.append(check(item))
        else:
            try:
                with solving(item) if solving else contextlib.nullcontext():
                    results.append(apply(item, options))
            except EnvlockError as error:
                if single:
                    raise
                results.append(failed(Path(item.recipe_path), error, item))
    return results
