"""The offline demo mirror: real-world package records built into local conda channels.

`build_mirror(dest)` writes the pytorch, nvidia, pyg and conda-forge channels (tiny but
valid packages, indexed by rattler) that the tests and the README demo solve against.
"""

from __future__ import annotations

from envlock.mirror.build import Mirror, build_mirror
from envlock.mirror.catalog import CHANNELS, SUBDIRS, CatalogRecord, catalog_sha256, demo_catalog

__all__ = [
    "CHANNELS",
    "SUBDIRS",
    "CatalogRecord",
    "Mirror",
    "build_mirror",
    "catalog_sha256",
    "demo_catalog",
]
