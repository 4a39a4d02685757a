"""The one adapter around py-rattler: solving, installing, indexing, matching specs.

Nothing outside this package imports rattler, and this package imports nothing from
envlock's stages: it takes and returns plain records (envlock.models, the records
below) and paths. Its names load lazily (on first use), so importing `envlock.engine`
does not load the rattler extension.

- solving: `Request` → `Solved` or `Unsatisfiable` (`Offer`s) — envlock.engine.solve;
  failures as data: `RepodataUnavailableError`, `MissingChannelError`, `InstallFailedError`
- installing: `Archive` → `Prepared` → a linked prefix — envlock.engine.install
- matching: `Unmet`, `unmet_depends`, `unmet_request`, `spec_problems`
- versions: `sorted_versions` (rattler's order); channels: `index_channel`
- S3: `s3_streamer` (an s3:// object through rattler's S3 middleware) — envlock.engine.s3
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from envlock.lazy import lazy_exports

if TYPE_CHECKING:
    from envlock.engine.candidates import Offer, Unsatisfiable
    from envlock.engine.failures import (
        InstallFailedError,
        MissingChannelError,
        RepodataUnavailableError,
    )
    from envlock.engine.index import index_channel
    from envlock.engine.install import Archive, Mismatch, Prepared, install_verified, prepare
    from envlock.engine.matching import Unmet, unmet_depends, unmet_request
    from envlock.engine.rattler_text import RattlerText, read_rattler_text
    from envlock.engine.request import Request
    from envlock.engine.s3 import s3_streamer
    from envlock.engine.solve import Solved, solve_requests
    from envlock.engine.specs import spec_problems
    from envlock.engine.versions import sorted_versions

_HOMES = {
    "Archive": "install",
    "InstallFailedError": "failures",
    "Mismatch": "install",
    "MissingChannelError": "failures",
    "Offer": "candidates",
    "Prepared": "install",
    "RattlerText": "rattler_text",
    "RepodataUnavailableError": "failures",
    "Request": "request",
    "Solved": "solve",
    "Unmet": "matching",
    "Unsatisfiable": "candidates",
    "index_channel": "index",
    "install_verified": "install",
    "prepare": "install",
    "read_rattler_text": "rattler_text",
    "s3_streamer": "s3",
    "solve_requests": "solve",
    "sorted_versions": "versions",
    "spec_problems": "specs",
    "unmet_depends": "matching",
    "unmet_request": "matching",
}


__getattr__ = lazy_exports(__name__, _HOMES)


__all__ = [
    "Archive",
    "InstallFailedError",
    "Mismatch",
    "MissingChannelError",
    "Offer",
    "Prepared",
    "RattlerText",
    "RepodataUnavailableError",
    "Request",
    "Solved",
    "Unmet",
    "Unsatisfiable",
    "index_channel",
    "install_verified",
    "prepare",
    "read_rattler_text",
    "s3_streamer",
    "solve_requests",
    "sorted_versions",
    "spec_problems",
    "unmet_depends",
    "unmet_request",
]
