"""Lazy public names for package `__init__` files.

A stage package names its public API in its `__init__`, but importing the package must
stay light (`envlock --help` and `resolve --check` never load rattler, conda_lock or
rich). `lazy_exports` gives such an `__init__` its module `__getattr__`: a name is
imported from its home module the first time it is asked for, then kept in the package.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` for `package` (its `__name__`): `homes` maps each public
    name to the submodule defining it (`{"read_lock": "condalock"}`). Unknown names raise
    AttributeError as Python's own lookup does."""
    namespace = sys.modules[package].__dict__

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module hook PEP 562 defines
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{home}"), name)
        namespace[name] = value  # later lookups skip __getattr__
        return value

    return __getattr__
