"""Compare two snapshots: pair packages, classify every difference, rank, explain.

`diff(a, b)` returns a plain `Drift`; rendering (rich table, Markdown, JSON) lives in
`envlock.ui.diff` and the command in `envlock.commands.diff`. No solver, no network.

Pairing: by (manager, name) first; a conda package and a pip package left without a
partner pair through `envlock.diff.names.pair_key` (`pytorch` ↔ `torch`). Classification: the
first of removed, added, version, build, channel, manager that applies; `aspects` lists
every aspect that differs. An aspect one side does not record is not compared: builds
against a `--no-builds` export, channels against an export without `channel::`, and
builds or channels across managers.

Specs against an environment: when one side only states specs (`Snapshot.specs`: a
`--from-history` export, a recipe) and the other is an installed or locked environment,
the environment's packages that no spec names are the dependencies the specs resolved
to. They are counted (`resolved_dependencies`), not listed as added/removed; a spec the
environment lacks or does not satisfy is still a change; a pip spec met by a conda
package is met (pip skips an installed requirement), a conda spec met only by pip is not.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Literal

from envlock.diff.findings import Finding, find
from envlock.diff.names import is_critical, pair_key
from envlock.models import Package
from envlock.net.channels import channel_name
from envlock.snapshot.model import Snapshot
from envlock.snapshot.versions import same_version

ChangeKind = Literal["removed", "added", "version", "build", "channel", "manager"]
CHANGE_ORDER: tuple[ChangeKind, ...] = (
    "removed",
    "added",
    "version",
    "build",
    "channel",
    "manager",
)

# Channel names that all mean Anaconda's `defaults` (exports list mirrors of it by URL).
_DEFAULTS = frozenset(
    {"defaults", "main", "pkgs/main", "free", "pkgs/free", "r", "pkgs/r", "msys2", "pkgs/msys2"}
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Change:
    """One package that differs; `a`/`b` are None for an added/removed package."""

    name: str
    change: ChangeKind
    aspects: tuple[str, ...]
    critical: bool
    a: Package | None
    b: Package | None

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "change": self.change,
            "aspects": list(self.aspects),
            "critical": self.critical,
            "a": _side(self.a),
            "b": _side(self.b),
        }


@dataclass(frozen=True, kw_only=True, slots=True)
class Drift:
    """Everything `envlock diff` reports about A → B."""

    a: Snapshot
    b: Snapshot
    platform: str | None
    builds_compared: bool
    channels_compared: bool
    changes: tuple[Change, ...]
    findings: tuple[Finding, ...]
    paired: int
    resolved_dependencies: int = 0
    specs_side: Literal["a", "b"] | None = None
    critical_paired: int = 0
    critical_only: bool = False
    not_shown: int = 0

    @property
    def identical(self) -> bool:
        """Nothing differs in what was compared (findings do not count)."""
        return not self.changes

    @property
    def platforms_differ(self) -> bool:
        """Both sides know their platform and the two are not the same."""
        return bool(self.a.platform and self.b.platform and self.a.platform != self.b.platform)

    @property
    def compared(self) -> tuple[str, ...]:
        """The aspects that were compared, for the header of every rendering."""
        aspects = ["presence", "version"]
        if self.builds_compared:
            aspects.append("build")
        if self.channels_compared:
            aspects.append("channel")
        aspects.append("manager")
        return tuple(aspects)

    def only_critical(self) -> Drift:
        """The same drift restricted to critical packages (`--critical-only`).

        `not_shown` counts the differences in other packages that were left out.
        """
        critical = tuple(c for c in self.changes if c.critical)
        return dataclasses.replace(
            self,
            changes=critical,
            critical_only=True,
            not_shown=len(self.changes) - len(critical),
        )

    def to_dict(self) -> dict[str, object]:
        """The payload of the `diff --json` document (`ui.result.Envelope` adds the version key)."""
        return {
            "a": self.a.to_dict(),
            "b": self.b.to_dict(),
            "platform": self.platform,
            "identical": self.identical,
            "builds_compared": self.builds_compared,
            "channels_compared": self.channels_compared,
            "paired": self.paired,
            "resolved_dependencies": self.resolved_dependencies,
            "changes": [c.to_dict() for c in self.changes],
            "findings": [f.to_dict() for f in self.findings],
            "critical_only": self.critical_only,
            "not_shown": self.not_shown,
        }


def diff(a: Snapshot, b: Snapshot) -> Drift:
    """Pair, classify and rank the packages of `a` and `b`; add findings."""
    builds = a.builds_known and b.builds_known
    channels = a.channels_known and b.channels_known
    left, right = _index(a.packages), _index(b.packages)
    pairs: list[tuple[Package, Package]] = []
    for key, pa in left.items():
        pb = right.get(key)
        if pb is not None:
            pairs.append((pa, pb))
    lonely_a = {k: p for k, p in left.items() if k not in right}
    lonely_b = {k: p for k, p in right.items() if k not in left}
    by_pair_key: dict[tuple[str, str], tuple[str, str]] = {
        (p.manager, pair_key(p.name, p.manager)): k for k, p in lonely_b.items()
    }
    for key, pa in list(lonely_a.items()):
        other = "pip" if pa.manager == "conda" else "conda"
        partner = by_pair_key.get((other, pair_key(pa.name, pa.manager)))
        if partner is not None and partner in lonely_b:
            pairs.append((pa, lonely_b.pop(partner)))
            del lonely_a[key]

    # A spec file against an environment: the environment's unnamed packages are the
    # dependencies the specs resolved to, not changes.
    specs_side: Literal["a", "b"] | None = None
    resolved = 0
    if a.specs and not b.specs:
        specs_side, resolved = "a", len(lonely_b)
        lonely_b = {}
    elif b.specs and not a.specs:
        specs_side, resolved = "b", len(lonely_a)
        lonely_a = {}
    changes = [_removed(p) for p in lonely_a.values()]
    changes += [_added(p) for p in lonely_b.values()]
    for pa, pb in pairs:
        change = _compare(pa, pb, builds=builds, channels=channels)
        if change is not None and not _pip_spec_met_by_conda(change, specs_side):
            changes.append(change)
    changes.sort(key=lambda c: (not c.critical, CHANGE_ORDER.index(c.change), c.name))
    return Drift(
        a=a,
        b=b,
        platform=_platform(a, b),
        builds_compared=builds,
        channels_compared=channels,
        changes=tuple(changes),
        findings=find(a, b, pairs),
        paired=len(pairs),
        resolved_dependencies=resolved,
        specs_side=specs_side,
        critical_paired=sum(is_critical(pa.name) or is_critical(pb.name) for pa, pb in pairs),
    )


def _pip_spec_met_by_conda(change: Change, specs_side: str | None) -> bool:
    """A pip spec that a conda package satisfies is met: pip (and conda-lock) skip a
    requirement that is already installed. A conda spec met only by pip is not."""
    if specs_side is None or change.aspects != ("manager",) or not change.a or not change.b:
        return False
    spec, installed = (change.a, change.b) if specs_side == "a" else (change.b, change.a)
    return spec.manager == "pip" and installed.manager == "conda"


def _platform(a: Snapshot, b: Snapshot) -> str | None:
    """The platform compared: the one both (or either) side names; None when they differ."""
    if a.platform and b.platform and a.platform != b.platform:
        return None
    return a.platform or b.platform


def channel_key(channel: str) -> str:
    """The name two channels compare by: URL, `name` and `name::` alike; defaults as one."""
    name = channel_name(channel)
    return "defaults" if name in _DEFAULTS else name


def same_build(a: str, b: str) -> bool:
    """Two builds match: equal, or one is a spec's glob (`*cuda11.7*`) the other fits."""
    if a == b:
        return True
    if "*" in a and "*" not in b:
        return fnmatchcase(b, a)
    if "*" in b and "*" not in a:
        return fnmatchcase(a, b)
    return False


def _index(packages: tuple[Package, ...]) -> dict[tuple[str, str], Package]:
    """Packages by (manager, name); a name listed twice keeps its first entry."""
    index: dict[tuple[str, str], Package] = {}
    for package in packages:
        index.setdefault((package.manager, package.name.lower()), package)
    return index


def _compare(pa: Package, pb: Package, *, builds: bool, channels: bool) -> Change | None:
    across = pa.manager != pb.manager
    aspects: list[str] = []
    if not same_version(pa.version, pb.version, across_managers=across):
        aspects.append("version")
    if across:
        aspects.append("manager")
    else:
        if builds and pa.build and pb.build and not same_build(pa.build, pb.build):
            aspects.append("build")
        if (
            channels
            and pa.channel
            and pb.channel
            and channel_key(pa.channel) != channel_key(pb.channel)
        ):
            aspects.append("channel")
    if not aspects:
        return None
    kind = next(k for k in CHANGE_ORDER if k in aspects)
    return Change(
        name=pa.name,
        change=kind,
        aspects=tuple(a for a in CHANGE_ORDER if a in aspects),
        critical=is_critical(pa.name) or is_critical(pb.name),
        a=pa,
        b=pb,
    )


def _removed(package: Package) -> Change:
    return Change(
        name=package.name,
        change="removed",
        aspects=(),
        critical=is_critical(package.name),
        a=package,
        b=None,
    )


def _added(package: Package) -> Change:
    return Change(
        name=package.name,
        change="added",
        aspects=(),
        critical=is_critical(package.name),
        a=None,
        b=package,
    )


def _side(package: Package | None) -> dict[str, object] | None:
    if package is None:
        return None
    return {
        "manager": package.manager,
        "version": package.version,
        "build": package.build,
        "channel": package.channel,
    }
