"""Line-oriented snapshots: the `conda list` table and pip freeze / requirements files."""

from __future__ import annotations

import re
from pathlib import Path

from packaging.utils import canonicalize_name

from envlock.errors import BadInputError, where
from envlock.limits import excerpt
from envlock.models import Package
from envlock.net.channels import channel_name
from envlock.snapshot.model import Snapshot
from envlock.snapshot.specs import parse_pip_line
from envlock.snapshot.versions import is_exact

_LIST_HEADER = re.compile(r"^#\s*Name\s+Version\s+Build", re.IGNORECASE)
_PREFIX_HEADER = re.compile(r"^#\s*packages in environment at (.+?):?\s*$")


def looks_like_conda_list(lines: list[str]) -> bool:
    """True when a `# Name Version Build Channel` header or 3 to 4 column rows lead the file."""
    for raw in lines:
        line = raw.strip()
        if _LIST_HEADER.match(line) or _PREFIX_HEADER.match(line):
            return True
        if not line or line.startswith("#"):
            continue
        columns = line.split()
        return 3 <= len(columns) <= 4 and not any(c in line for c in "=@<>;")
    return False


def read_conda_list(path: Path, lines: list[str]) -> Snapshot:
    """The table `conda list` prints: name, version, build and (not for defaults) channel.

    `pypi` in the channel column marks a pip-installed package; a blank column means the
    package came from `defaults`.
    """
    packages: list[Package] = []
    prefix: str | None = None
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        header = _PREFIX_HEADER.match(line)
        if header:
            prefix = header.group(1)
            continue
        if not line or line.startswith("#"):
            continue
        columns = line.split()
        if not 3 <= len(columns) <= 4:
            raise BadInputError(
                f"expected `name version build [channel]` columns as `conda list` prints "
                f"them, got {excerpt(line)!r}",
                where=where(path, number),
            )
        name, version, build = columns[:3]
        channel = columns[3] if len(columns) == 4 else "defaults"
        if channel == "pypi":
            packages.append(
                Package(name=str(canonicalize_name(name)), version=version, manager="pip")
            )
        else:
            packages.append(
                Package(
                    name=name.lower(),
                    version=version,
                    build=build,
                    channel=channel_name(channel),
                )
            )
    channels = tuple(dict.fromkeys(p.channel for p in packages if p.channel))
    return Snapshot(
        source=str(path),
        kind="conda-list",
        platform=None,
        name=Path(prefix).name if prefix else None,
        channels=channels,
        packages=tuple(packages),
        builds_known=True,
        channels_known=True,
        prefix=prefix,
    )


def read_pip(path: Path, lines: list[str]) -> Snapshot:
    """A pip freeze or requirements file; option lines (`--find-links …`) are skipped."""
    packages: list[Package] = []
    for number, raw in enumerate(lines, start=1):
        try:
            package = parse_pip_line(raw)
        except ValueError as error:
            raise BadInputError(
                f"{error}; this file was read as pip freeze / requirements because it is "
                "not YAML, @EXPLICIT or a `conda list` table",
                where=where(path, number),
            ) from None
        if package is not None:
            packages.append(package)
    if not packages:
        raise BadInputError(
            "this file lists no packages (only comments or pip options), so it is no "
            "snapshot: pass a pip freeze, an export, a lock, an explicit file or "
            "`conda list` output",
            where=str(path),
        )
    return Snapshot(
        source=str(path),
        kind="pip",
        platform=None,
        name=None,
        channels=(),
        packages=tuple(packages),
        builds_known=False,
        channels_known=False,
        specs=any(p.url is None and not is_exact(p.version) for p in packages),
    )
