"""Write a prefix as `conda env export` does, with no conda: byte for byte deterministic.

    name: m3net
    channels:
      - pytorch
      - conda-forge
    dependencies:
      - _libgcc_mutex=0.1=conda_forge
      - pytorch=1.13.1=py3.8_cuda11.7_cudnn8.5.0_0
      - pip:
          - timm==0.4.12
    prefix: /home/me/envs/m3net

Channels are in priority order when envlock created the prefix (its origin file keeps the
lock's order), else in the order the sorted packages first name them. Dependencies are
sorted by name; the `pip:` sub-list holds the distributions whose files no conda-meta
record owns (see `envlock.snapshot.prefix`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from envlock.snapshot.prefix import PrefixContents, scan_prefix


@dataclass(frozen=True, kw_only=True, slots=True)
class ExportResult:
    """One export: the prefix read, where the text went (None: stdout) and what it holds."""

    prefix: Path
    output: Path | None
    contents: PrefixContents
    text: str
    no_builds: bool

    def to_dict(self) -> dict[str, Any]:
        """The payload of the `envlock_export` document: where from and to, and what it holds.

        Keys: prefix (resolved), output, name, channels, conda (name, version, build (None
        under --no-builds), channel), pip (name, version) and yaml (the exported text).
        """
        return {
            "prefix": str(self.prefix.resolve()),
            "output": str(self.output) if self.output is not None else None,
            "name": self.prefix.resolve().name,
            "channels": list(self.contents.channels),
            "conda": [
                {
                    "name": p.name,
                    "version": p.version,
                    "build": None if self.no_builds else p.build,
                    "channel": p.channel,
                }
                for p in self.contents.conda
            ],
            "pip": [{"name": p.name, "version": p.version} for p in self.contents.pip],
            "yaml": self.text,
        }


def export_prefix(prefix: Path, *, no_builds: bool) -> str:
    """The `conda env export` text of `prefix` (`--no-builds`: `name=version` lines)."""
    return render_export(scan_prefix(prefix), no_builds=no_builds)


def render_export(contents: PrefixContents, *, no_builds: bool) -> str:
    """Render already-scanned prefix contents (see `export_prefix`)."""
    prefix = contents.prefix.resolve()
    lines = [f"name: {_scalar(prefix.name)}"]
    if contents.channels:
        lines.append("channels:")
        lines += [f"  - {_scalar(c)}" for c in contents.channels]
    else:
        lines.append("channels: []")
    if contents.conda or contents.pip:
        lines.append("dependencies:")
    else:
        lines.append("dependencies: []")
    for package in contents.conda:
        build = "" if no_builds or not package.build else f"={package.build}"
        lines.append(f"  - {package.name}={package.version}{build}")
    if contents.pip:
        lines.append("  - pip:")
        lines += [f"      - {p.name}=={p.version}" for p in contents.pip]
    lines.append(f"prefix: {_scalar(str(prefix))}")
    return "\n".join(lines) + "\n"


def _scalar(value: str) -> str:
    """`value` as a YAML scalar: plain when it reads back as the same string, else quoted."""
    try:
        plain = yaml.load(value, Loader=yaml.CSafeLoader) == value and "\n" not in value
    except yaml.YAMLError:
        plain = False
    return value if plain else json.dumps(value)
