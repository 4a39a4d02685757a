"""Version strings as snapshots hold them: exact versions, constraints, ordering.

Exports written with `--from-history` and spec files carry constraints (`3.9.*`, `>=1.2`,
or nothing) instead of versions. The diff compares an exact version against a constraint
by asking whether it satisfies it, and orders exact versions with a conda-like key.
Which recorded versions are exact is `envlock.specnames.is_exact` (re-exported here).
"""

from __future__ import annotations

import fnmatch
import operator
import re
from collections.abc import Callable

from envlock.specnames import is_exact

_ATOM = re.compile(r"\d+|[a-z]+")
_TERM = re.compile(r"^(==|!=|>=|<=|~=|>|<|=)?\s*(.*)$")

__all__ = ["is_exact", "newer", "public", "same_version", "satisfies", "version_key"]

# One atom of a version key: (rank, number, text). Pre-release words sort before
# numbers, `post` after them, so 1.0dev < 1.0 < 1.0post1 (conda's order in brief).
Atom = tuple[int, int, str]


def public(version: str) -> str:
    """The version without a pip local label: `1.13.1+cu117` → `1.13.1`."""
    return version.split("+", 1)[0]


def _local(version: str) -> str:
    return version.partition("+")[2].lower()


def version_key(version: str) -> tuple[Atom, ...]:
    """A sort key that orders versions the way conda and pip mostly agree on."""
    text = version.lower().strip()
    if "!" in text:
        epoch, _, text = text.partition("!")
        head: list[Atom] = [(1, int(epoch) if epoch.isdigit() else 0, "")]
    else:
        head = [(1, 0, "")]
    text = public(text)
    atoms: list[Atom] = []
    for part in re.split(r"[._\-]", text):
        for atom in _ATOM.findall(part):
            if atom.isdigit():
                atoms.append((1, int(atom), ""))
            elif atom in ("post", "rev", "r"):
                atoms.append((2, 0, atom))
            else:
                atoms.append((0, 0, atom))
    while atoms and atoms[-1] == (1, 0, ""):
        atoms.pop()  # 1.0 == 1.0.0
    return (*head, *atoms)


def same_version(a: str, b: str, *, across_managers: bool = False) -> bool:
    """Whether two recorded versions name the same release.

    Two constraints compare as text; an exact version against a constraint asks whether
    it satisfies it. Across conda and pip the pip local label (`+cu117`) is ignored:
    conda's `pytorch 1.13.1` and pip's `torch 1.13.1+cu117` are one release.
    """
    if across_managers:
        a, b = public(a), public(b)
    exact_a, exact_b = is_exact(a), is_exact(b)
    if exact_a and exact_b:
        return a == b or (version_key(a) == version_key(b) and _local(a) == _local(b))
    if not exact_a and not exact_b:
        return a.replace(" ", "") == b.replace(" ", "")
    constraint, version = (b, a) if exact_a else (a, b)
    return satisfies(version, constraint)


def satisfies(version: str, constraint: str) -> bool:
    """Whether exact `version` satisfies a conda/pip constraint (`3.9.*`, `>=1.2,<2`)."""
    constraint = constraint.replace(" ", "")
    if not constraint:
        return True
    return any(
        all(_term(version, term) for term in alternative.split(",") if term)
        for alternative in constraint.split("|")
    )


_COMPARE: dict[str, Callable[[tuple[Atom, ...], tuple[Atom, ...]], bool]] = {
    "": operator.eq,
    "==": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}


def _term(version: str, term: str) -> bool:
    match = _TERM.match(term)
    op, wanted = (match.group(1) or "", match.group(2)) if match else ("", term)
    if op in ("", "=", "==") and "*" in wanted:
        if wanted.endswith(".*") and "*" not in wanted[:-2]:
            base = wanted[:-2]
            return version == base or version.startswith(base + ".")
        return fnmatch.fnmatchcase(version, wanted)
    if op == "=":
        return version == wanted or version.startswith(wanted + ".")
    if op == "~=":  # at least X.Y, and the same X
        prefix = wanted.rsplit(".", 1)[0]
        at_least = version_key(version) >= version_key(wanted)
        return at_least and (version == prefix or version.startswith(prefix + "."))
    return _COMPARE[op](version_key(version), version_key(wanted))


def newer(a: str, b: str) -> bool:
    """True when exact version `b` sorts after exact version `a`."""
    return version_key(b) > version_key(a)
