"""Compare two snapshots: pair, classify, rank, and explain what the drift means.

- `envlock.diff.core`: `diff(a, b)` → `Drift` (changes, counts, findings);
- `envlock.diff.findings`: the finding codes, `find` (A → B) and `side_findings` (one
  environment); `envlock.diff.abi` decides the GPU-stack ones; `envlock.diff.record`
  holds the `Finding` record;
- `envlock.diff.names`: conda ↔ pip names, torch extensions, the critical packages.
"""

from __future__ import annotations

from envlock.diff.core import CHANGE_ORDER, Change, ChangeKind, Drift, diff
from envlock.diff.findings import find, side_findings
from envlock.diff.names import EXTENSIONS, import_name, is_critical, pair_key
from envlock.diff.record import SEVERITY_ORDER, Finding, Severity

__all__ = [
    "CHANGE_ORDER",
    "EXTENSIONS",
    "SEVERITY_ORDER",
    "Change",
    "ChangeKind",
    "Drift",
    "Finding",
    "Severity",
    "diff",
    "find",
    "import_name",
    "is_critical",
    "pair_key",
    "side_findings",
]
