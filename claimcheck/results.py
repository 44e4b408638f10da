"""Small immutable records for what a run observed."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional

AS_WRITTEN = "as-written"
REPLACEMENT = "replacement"
ROLES = (AS_WRITTEN, REPLACEMENT)


@dataclass(frozen=True)
class CheckResult:
    """One check (one pytest item) bound to one claim."""

    nodeid: str
    claim: str
    role: str
    outcome: str  # passed, failed, skipped, error (the pytest words)
    verdict: str
    duration_s: float
    error: Optional[Dict[str, str]] = None
    example: Optional[str] = None
    snippet: Optional[str] = None
    skip_reason: Optional[str] = None
    deprecations: List[Dict[str, str]] = field(default_factory=list)
    warnings: List[Dict[str, str]] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    measurements: List[Dict[str, object]] = field(default_factory=list)

    def to_json(self) -> Dict[str, object]:
        data = {
            "nodeid": self.nodeid,
            "role": self.role,
            "outcome": self.outcome,
            "verdict": self.verdict,
            "duration_s": round(self.duration_s, 4),
        }
        for name in ("error", "example", "snippet", "skip_reason"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        for name in ("deprecations", "warnings", "notes", "measurements"):
            if getattr(self, name):
                data[name] = list(getattr(self, name))
        return data
