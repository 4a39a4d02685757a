"""Locks: the conda-lock.yml format, explicit files, freshness and where locks live.

Public names, each loaded from its module on first use (`from envlock.lock import
read_lock`), so that importing the package costs nothing: `resolve --check` reads a lock's
head without loading the full reader. Modules: `condalock` (the unified conda-lock.yml,
read and written), `explicit` (@EXPLICIT files), `filenames` (package file names and URLs),
`freshness` (the input hash and a lock's head), `source` (finding and naming a lock, and
refusing an empty one), `duplicates` (a package named twice is refused), `yamltext` (the
YAML scalar rules both formats share).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from envlock.lazy import lazy_exports

if TYPE_CHECKING:
    from envlock.lock.condalock import (
        LOCK_VERSION,
        Lock,
        LockChannel,
        depends_to_mapping,
        mapping_to_depends,
        read_lock,
        render_lock,
        write_lock,
    )
    from envlock.lock.explicit import (
        EXPLICIT_MARKER,
        ExplicitFile,
        read_explicit,
        render_explicit,
        toposort,
    )
    from envlock.lock.filenames import (
        package_from_url,
        parse_package_filename,
        split_hash_fragment,
    )
    from envlock.lock.freshness import (
        INPUTS_PREFIX,
        LockHead,
        describe_changes,
        input_hash,
        read_lock_head,
        request_inputs,
    )
    from envlock.lock.source import (
        LOCK_FILE,
        LOCKS_DIR,
        LockKind,
        check_complete,
        check_not_empty,
        check_request,
        locate_lock,
        lock_name,
        read_packages,
    )

_HOMES = {
    **dict.fromkeys(
        (
            "LOCK_VERSION",
            "Lock",
            "LockChannel",
            "depends_to_mapping",
            "mapping_to_depends",
            "read_lock",
            "render_lock",
            "write_lock",
        ),
        "condalock",
    ),
    **dict.fromkeys(
        ("EXPLICIT_MARKER", "ExplicitFile", "read_explicit", "render_explicit", "toposort"),
        "explicit",
    ),
    **dict.fromkeys(
        (
            "package_from_url",
            "parse_package_filename",
            "split_hash_fragment",
        ),
        "filenames",
    ),
    **dict.fromkeys(
        (
            "INPUTS_PREFIX",
            "LockHead",
            "describe_changes",
            "input_hash",
            "read_lock_head",
            "request_inputs",
        ),
        "freshness",
    ),
    **dict.fromkeys(
        (
            "LOCKS_DIR",
            "LOCK_FILE",
            "LockKind",
            "check_complete",
            "check_not_empty",
            "check_request",
            "locate_lock",
            "lock_name",
            "read_packages",
        ),
        "source",
    ),
}

__all__ = [
    "EXPLICIT_MARKER",
    "INPUTS_PREFIX",
    "LOCKS_DIR",
    "LOCK_FILE",
    "LOCK_VERSION",
    "ExplicitFile",
    "Lock",
    "LockChannel",
    "LockHead",
    "LockKind",
    "check_complete",
    "check_not_empty",
    "check_request",
    "depends_to_mapping",
    "describe_changes",
    "input_hash",
    "locate_lock",
    "lock_name",
    "mapping_to_depends",
    "package_from_url",
    "parse_package_filename",
    "read_explicit",
    "read_lock",
    "read_lock_head",
    "read_packages",
    "render_explicit",
    "render_lock",
    "request_inputs",
    "split_hash_fragment",
    "toposort",
    "write_lock",
]


__getattr__ = lazy_exports(__name__, _HOMES)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
