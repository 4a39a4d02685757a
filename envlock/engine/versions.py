"""Conda version order, rattler's: one comparator for every stage that sorts versions."""

from __future__ import annotations

from collections.abc import Iterable


def sorted_versions(versions: Iterable[str], *, newest_first: bool = False) -> list[str]:
    """`versions` (unique) in rattler's conda version order, oldest first by default.

    Raises ValueError for a string rattler cannot read as a version.
    """
    from rattler.exceptions import InvalidVersionError
    from rattler.version import Version

    try:
        return sorted(set(versions), key=Version, reverse=newest_first)
    except InvalidVersionError as error:
        raise ValueError(str(error)) from None


__all__ = ["sorted_versions"]
