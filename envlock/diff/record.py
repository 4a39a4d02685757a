"""The finding record that `envlock.diff.abi` and `envlock.diff.findings` return (its codes:
envlock.diff.findings). Its own module, because findings imports abi."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER: tuple[Severity, ...] = ("error", "warning", "info")


@dataclass(frozen=True, kw_only=True, slots=True)
class Finding:
    """One explained problem; `packages` names what it is about."""

    severity: Severity
    code: str
    message: str
    packages: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "packages": list(self.packages),
        }
