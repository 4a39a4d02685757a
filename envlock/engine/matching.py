"""Match specs against locked packages with rattler's own matchspec semantics.

Two questions `create` asks before it links anything:
- `unmet_depends`: do the verified archives' *own* dependencies (their info/index.json,
  not the lock's `dependencies:` lists, which an edit may leave behind) hold for the
  locked set? A lock whose pytorch entry was pointed at the CPU archive while
  `pytorch-mutex 1.0 cuda` stayed locked fails here.
- `unmet_request`: does the locked set still satisfy the request it was resolved for
  (the specs envlock resolve keeps in the lock's metadata)?
Virtual packages (`__cuda`, `__glibc`, ...) are the machine's, not the lock's: ignored.
Channels in specs (`pytorch::pytorch`) are ignored: a mirror may serve the same files.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from envlock.models import Package

if TYPE_CHECKING:
    from rattler import MatchSpec, PackageRecord


@dataclass(frozen=True, kw_only=True, slots=True)
class Unmet:
    """One dependency (or constraint, or requested spec) the locked set does not satisfy.

    `package` is the package that asks (`pytorch 1.13.0 py3.10_cpu_0`), "" for a spec of
    the request; `holds` is what the lock holds under that name instead (None: nothing).
    """

    package: str
    spec: str
    kind: str  # "depends", "constrains" or "request"
    holds: str | None


def _label(record: PackageRecord) -> str:
    return f"{record.name.normalized} {record.version} {record.build}"


def _spec(text: str) -> MatchSpec | None:
    from rattler import MatchSpec
    from rattler.exceptions import InvalidMatchSpecError

    try:
        return MatchSpec(text)
    except (InvalidMatchSpecError, ValueError, TypeError):
        return None


def _name(spec: MatchSpec) -> str:
    return str(spec.name.normalized).lower()


def unmet_depends(records: Iterable[PackageRecord]) -> list[Unmet]:
    """Every depends/constrains entry of `records` that the same set does not satisfy.

    A dependency is met when a record of that name is present and matches it (name,
    version, build); a constraint when no record of that name is present or it matches.
    """
    by_name = {record.name.normalized: record for record in records}
    unmet: list[Unmet] = []
    for record in sorted(by_name.values(), key=_label):
        for kind, specs in (("depends", record.depends), ("constrains", record.constrains)):
            for text in specs:
                spec = _spec(text)
                if spec is None or _name(spec).startswith("__"):
                    continue
                other = by_name.get(_name(spec))
                if other is None and kind == "constrains":
                    continue
                if other is None or not spec.matches(other):
                    unmet.append(
                        Unmet(
                            package=_label(record),
                            spec=text,
                            kind=kind,
                            holds=_label(other) if other is not None else None,
                        )
                    )
    return unmet


def unmet_request(specs: Sequence[str], packages: Iterable[Package], platform: str) -> list[Unmet]:
    """Every requested conda spec (`pytorch 1.13.* *cuda11.7*`) the locked `packages`
    do not satisfy; specs rattler cannot parse and virtual packages are skipped."""
    from rattler import PackageRecord
    from rattler.package import BuildString

    by_name = {p.name.lower(): p for p in packages if p.manager == "conda"}
    unmet: list[Unmet] = []
    for text in specs:
        spec = _spec(text)
        if spec is None or _name(spec).startswith("__"):
            continue
        package = by_name.get(_name(spec))
        if package is None:
            unmet.append(Unmet(package="", spec=text, kind="request", holds=None))
            continue
        try:
            record = PackageRecord(
                package.name,
                package.version,
                BuildString(package.build or ""),
                package.build_number or 0,
                package.subdir or platform,
            )
        except Exception:  # noqa: S112 - a version rattler cannot parse is not ours to judge
            continue
        if not spec.matches(record):
            unmet.append(Unmet(package="", spec=text, kind="request", holds=_label(record)))
    return unmet


__all__ = ["Unmet", "unmet_depends", "unmet_request"]
