"""The recipe model: what `load_recipe` returns and every later stage reads.

`Recipe` is a validated recipe (format 1, CONTRACTS.md) or a plain environment.yml (kind
"environment", whose `channels` are the full ordered list); `Stack` is the ML stack a
recipe names. Both are frozen plain data with the lines their keys came from, so later
errors can still name file:line (`Recipe.where`). No YAML library is imported here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from envlock.errors import where
from envlock.models import ChannelPriority
from envlock.specnames import major_minor

__all__ = ["Recipe", "RecipeKind", "Stack", "StackSource"]

RecipeKind = Literal["recipe", "environment"]
StackSource = Literal["conda", "pip"]


@dataclass(frozen=True, kw_only=True, slots=True)
class Stack:
    """The ML stack a recipe names: PyTorch version, CUDA version or "cpu", companions.

    `torchvision`, `torchaudio` and `pyg` are False (not wanted), True (the companion
    version from the stack table) or a version string.
    """

    pytorch: str
    cuda: str = "cpu"
    source: StackSource = "conda"
    torchvision: bool | str = False
    torchaudio: bool | str = False
    pyg: bool | str = False

    @property
    def torch_minor(self) -> str:
        """ "1.13" for "1.13" and "1.13.1"."""
        return major_minor(self.pytorch)

    @property
    def wants_cuda(self) -> bool:
        return self.cuda != "cpu"

    def to_dict(self) -> dict[str, object]:
        return {
            "pytorch": self.pytorch,
            "cuda": self.cuda,
            "source": self.source,
            "torchvision": self.torchvision,
            "torchaudio": self.torchaudio,
            "pyg": self.pyg,
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class Recipe:
    """A validated recipe or environment.yml.

    `lines` maps dotted keys (`python`, `stack.cuda`) to 1-based lines for later errors
    (`Recipe.where("stack.cuda")`). An environment.yml may select lines per platform:
    `platform_dependencies` / `platform_pip` then hold each platform's own list, read
    through `dependencies_for` / `pip_for`.
    """

    name: str
    description: str | None = None
    platforms: tuple[str, ...] = ("linux-64",)
    python: str | None = None
    stack: Stack | None = None
    channels: tuple[str, ...] = ()
    channel_priority: ChannelPriority = "strict"
    dependencies: tuple[str, ...] = ()
    pins: tuple[str, ...] = ()
    pip: tuple[str, ...] = ()
    exclude_newer: dt.datetime | None = None
    source_path: Path | None = None
    kind: RecipeKind = "recipe"
    lines: tuple[tuple[str, int], ...] = ()
    platform_dependencies: tuple[tuple[str, tuple[str, ...]], ...] = ()
    platform_pip: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def where(self, key: str | None = None) -> str | None:
        """`file:line` of a dotted key (or of the file), None for an in-memory recipe."""
        if self.source_path is None:
            return None
        lines = dict(self.lines)
        while key and key not in lines:
            key = key.rpartition(".")[0]  # stack.cuda absent: point at stack
        return where(self.source_path, lines.get(key) if key else None)

    def dependencies_for(self, platform: str) -> tuple[str, ...]:
        """The conda specs this file asks for on `platform` (selectors applied)."""
        return dict(self.platform_dependencies).get(platform, self.dependencies)

    def pip_for(self, platform: str) -> tuple[str, ...]:
        """The pip lines this file asks for on `platform` (selectors applied)."""
        return dict(self.platform_pip).get(platform, self.pip)

    def to_dict(self) -> dict[str, object]:
        """The recipe as plain data (keys in format order, platform lists left out)."""
        return {
            "name": self.name,
            "kind": self.kind,
            "description": self.description,
            "platforms": list(self.platforms),
            "python": self.python,
            "stack": self.stack.to_dict() if self.stack else None,
            "channels": list(self.channels),
            "channel_priority": self.channel_priority,
            "dependencies": list(self.dependencies),
            "pins": list(self.pins),
            "pip": list(self.pip),
            "exclude_newer": self.exclude_newer.isoformat() if self.exclude_newer else None,
            "source_path": str(self.source_path) if self.source_path else None,
        }
