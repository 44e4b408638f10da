"""Small immutable records for what a run observed."""

from __future__ import annotations

from dataclasses import dataclass, field

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
    error: dict[str, str] | None = None
    example: str | None = None
    snippet: str | None = None
    skip_reason: str | None = None
    deprecations: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    measurements: list[dict[str, object]] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
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
