"""Recipes: reading what a paper's environment should hold, with errors at file:line.

Public names, each loaded from its module on first use (`from envlock.recipe import
load_recipe`), so that importing the package costs nothing. Modules: `model` (the frozen
`Recipe` and `Stack`), `reader` (`load_recipe`, `validate_specs`, `peek_name`), `schema`
(one check per key), `yamlparse` (YAML text to data, errors with hints), `envfile` (a
plain environment.yml through conda-lock's own parser).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from envlock.lazy import lazy_exports

if TYPE_CHECKING:
    from envlock.recipe.model import Recipe, RecipeKind, Stack, StackSource
    from envlock.recipe.reader import load_recipe, peek_name, validate_specs
    from envlock.recipe.yamlparse import key_line, parse_yaml

_HOMES = {
    **dict.fromkeys(("Recipe", "RecipeKind", "Stack", "StackSource"), "model"),
    **dict.fromkeys(("load_recipe", "peek_name", "validate_specs"), "reader"),
    **dict.fromkeys(("key_line", "parse_yaml"), "yamlparse"),
}

__all__ = [
    "Recipe",
    "RecipeKind",
    "Stack",
    "StackSource",
    "key_line",
    "load_recipe",
    "parse_yaml",
    "peek_name",
    "validate_specs",
]


__getattr__ = lazy_exports(__name__, _HOMES)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
