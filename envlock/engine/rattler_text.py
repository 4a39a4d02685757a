"""What py-rattler 0.28 says only in English, read in one place.

rattler's Python exceptions have one class per subsystem (`SolverError`, `GatewayError`,
`InstallerError`, ...), not one per cause, and carry no structured fields. Whatever the
engine needs to know beyond the class and beyond what `Gateway.query` answers (which
requested names a conflict involves, which channel lacks which subdir, why an install
failed) is only in the message text. Every reading of that text is `read_rattler_text`:
when a rattler release rewords a message, this is the one function to change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

InstallFailure = Literal["no-python", "disk-full", "unpack"]

# `No candidates were found for pytorch 1.5.*`, `├─ pytorch 1.13.* cannot be installed`
_NAME_IN_MESSAGE = re.compile(r"(?<![\w.\-])([a-z0-9][a-z0-9_.\-]*)(?=[ ,:]|$)", re.MULTILINE)
# `could not find subdir 'noarch' in channel 'file:///m/defaults/'`
_MISSING_SUBDIR = re.compile(r"could not find subdir '([^']+)' in channel '([^']+)'")
_SOLVER_LEAD = "Cannot solve the request because of: "
# rattler's words when an archive (already verified against the lock) cannot be unpacked.
_UNPACK_WORDS = ("bz2", "bzip2", "zstd", "zip", "archive", "extract", "unexpected end")


@dataclass(frozen=True, kw_only=True, slots=True)
class RattlerText:
    """What one rattler message says, as far as envlock reads it.

    `explanation`: the message without the solver's fixed lead-in, for display.
    `words`: every word that could be a package name (a superset; intersect it with the
    names you asked about). `missing_subdir`: (subdir, channel URL) a channel lacks.
    `install_failure`: why linking failed, when the text says so.
    """

    explanation: str
    words: frozenset[str]
    missing_subdir: tuple[str, str] | None
    install_failure: InstallFailure | None


def read_rattler_text(text: str) -> RattlerText:
    """Read a rattler exception's message (`str(error)`) into `RattlerText`."""
    stripped = text.strip()
    found = _MISSING_SUBDIR.search(stripped)
    lowered = stripped.lower()
    failure: InstallFailure | None = None
    if "no python version specified" in lowered:
        failure = "no-python"
    elif "no space left" in lowered or "disk full" in lowered or "os error 28" in lowered:
        failure = "disk-full"
    elif any(word in lowered for word in _UNPACK_WORDS):
        failure = "unpack"
    return RattlerText(
        explanation=stripped.removeprefix(_SOLVER_LEAD).strip(),
        words=frozenset(_NAME_IN_MESSAGE.findall(stripped)),
        missing_subdir=(found.group(1), found.group(2)) if found else None,
        install_failure=failure,
    )


__all__ = ["InstallFailure", "RattlerText", "read_rattler_text"]
