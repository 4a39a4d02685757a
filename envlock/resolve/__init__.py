"""Resolve: a recipe → exact per-platform locks. Plan (no solver), then apply.

- envlock.resolve.plan: `Options`, `Plan`, `plan()` / `plan_recipe()` (what `--check` needs,
  without rattler or conda_lock)
- envlock.resolve.apply: `apply()`, `resolve()`, `RecipeResult` (solve, guard, write)
- envlock.resolve.solver: `solve_platforms` (SpecSets through the engine, "no" raised)
- envlock.resolve.unsatisfiable: the words of an unsatisfiable request
- envlock.resolve.guard, envlock.resolve.report: the CUDA guard, what moved

Names load lazily (on first use), so `resolve --check` stays light. `plan` and `apply`
name the modules here; their functions are `envlock.resolve.plan.plan` and
`envlock.resolve.apply.apply`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from envlock.lazy import lazy_exports

if TYPE_CHECKING:
    from envlock.resolve.apply import PlatformResult, RecipeResult, check, failed, resolve
    from envlock.resolve.plan import Options, Plan, default_cache_dir, plan_recipe, validate
    from envlock.resolve.solver import solve_platforms, solve_specsets
    from envlock.resolve.unsatisfiable import unsatisfiable_message

_HOMES = {
    "Options": "plan",
    "Plan": "plan",
    "PlatformResult": "apply",
    "RecipeResult": "apply",
    "check": "apply",
    "default_cache_dir": "plan",
    "failed": "apply",
    "plan_recipe": "plan",
    "resolve": "apply",
    "solve_platforms": "solver",
    "solve_specsets": "solver",
    "unsatisfiable_message": "unsatisfiable",
    "validate": "plan",
}


__getattr__ = lazy_exports(__name__, _HOMES)


__all__ = [
    "Options",
    "Plan",
    "PlatformResult",
    "RecipeResult",
    "check",
    "default_cache_dir",
    "failed",
    "plan_recipe",
    "resolve",
    "solve_platforms",
    "solve_specsets",
    "unsatisfiable_message",
    "validate",
]
