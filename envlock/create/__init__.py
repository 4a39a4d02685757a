"""Create: a lock replayed into a verified environment, nothing lost on failure.

- envlock.create.plan: `CreatePlan`, `plan_create()` (what will happen; changes nothing)
- envlock.create.apply: `apply_create()`, `CreateResult`, `Progress` (fetch, verify, link,
  move into place)
- envlock.create.link: verified archives through the engine, signals held
- envlock.create.cache, .staging, .target, .origin: the package cache, staging folders,
  where environments go, the origin file

Names load lazily (on first use), so importing the package stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from envlock.lazy import lazy_exports

if TYPE_CHECKING:
    from envlock.create.apply import CreateResult, Progress, apply_create, check_space, interrupted
    from envlock.create.origin import Origin, read_origin, write_origin
    from envlock.create.plan import CreatePlan, Phase, PlannedPackage, plan_create
    from envlock.create.target import envs_dir

_HOMES = {
    "CreatePlan": "plan",
    "CreateResult": "apply",
    "Origin": "origin",
    "Phase": "plan",
    "PlannedPackage": "plan",
    "Progress": "apply",
    "apply_create": "apply",
    "check_space": "apply",
    "envs_dir": "target",
    "interrupted": "apply",
    "plan_create": "plan",
    "read_origin": "origin",
    "write_origin": "origin",
}


__getattr__ = lazy_exports(__name__, _HOMES)


__all__ = [
    "CreatePlan",
    "CreateResult",
    "Origin",
    "Phase",
    "PlannedPackage",
    "Progress",
    "apply_create",
    "check_space",
    "envs_dir",
    "interrupted",
    "plan_create",
    "read_origin",
    "write_origin",
]
