"""What `envlock check` found: a recipe and its expansion per platform, unsolved."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from envlock.models import SpecSet
from envlock.net.credentials import mask
from envlock.recipe.model import Recipe


@dataclass(frozen=True, kw_only=True, slots=True)
class CheckResult:
    """A recipe as read from `path` and its expansions, one per platform asked for."""

    path: Path
    recipe: Recipe
    expansions: tuple[SpecSet, ...]

    def to_dict(self) -> dict[str, Any]:
        """The payload of the `envlock_check` document.

        Keys: recipe (the path as given), name, kind, exclude_newer (ISO text or None) and
        platforms (platform -> `SpecSet.to_dict()`, specs and channels with their
        credentials masked, as they are shown).
        """
        cutoff = self.recipe.exclude_newer
        return {
            "recipe": str(self.path),
            "name": self.recipe.name,
            "kind": self.recipe.kind,
            "exclude_newer": cutoff.isoformat() if cutoff else None,
            "platforms": {s.platform: _masked(s) for s in self.expansions},
        }


def _masked(spec_set: SpecSet) -> dict[str, Any]:
    document = spec_set.to_dict()
    document["specs"] = [mask(s) for s in spec_set.specs]
    document["channels"] = [mask(c) for c in spec_set.channels]
    return document
