"""The report model: what a run observed, as frozen records every consumer shares.

The plugin builds a `RunReport`; the renderers, the merge, the expectations,
bisect and the command line take one. `to_json()` writes the shape that
`report.schema.json` describes (key order included, so a report regenerates
byte for byte); `RunReport.from_json()` reads one back after the schema has
accepted it (see `claimcheck.reading`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Mapping, Sequence

from .verdicts import HOLDS, VERDICTS

SCHEMA_VERSION = 1
MATRIX_SCHEMA_VERSION = 1

AS_WRITTEN = "as-written"
REPLACEMENT = "replacement"
ROLES = (AS_WRITTEN, REPLACEMENT)

Json = Dict[str, Any]


def _set(data: Json, key: str, value: Any) -> None:
    """Write an optional field only when it says something (the schema's optional keys)."""
    if value is not None and value != () and value != []:
        data[key] = list(value) if isinstance(value, tuple) else value


@dataclass(frozen=True)
class WarningRecord:
    """A warning a check's call raised: its class name and text."""

    category: str
    message: str

    def to_json(self) -> Json:
        return {"category": self.category, "message": self.message}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WarningRecord:
        return cls(data["category"], data["message"])


@dataclass(frozen=True)
class Measurement:
    """A figure measured in a run, always with its unit; a timing also has IQR and rounds."""

    name: str
    value: Any
    unit: str
    detail: str | None = None
    iqr: float | None = None
    rounds: int | None = None

    def to_json(self) -> Json:
        data: Json = {"name": self.name, "value": self.value, "unit": self.unit}
        for key in ("detail", "iqr", "rounds"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Measurement:
        return cls(data["name"], data["value"], data["unit"], data.get("detail"), data.get("iqr"), data.get("rounds"))


@dataclass(frozen=True)
class ErrorInfo:
    """Why a check failed: the exception's type and text, and the call under test where known."""

    type: str
    message: str
    call: str | None = None

    def to_json(self) -> Json:
        data: Json = {"type": self.type, "message": self.message}
        if self.call is not None:
            data["call"] = self.call
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ErrorInfo:
        return cls(data["type"], data["message"], data.get("call"))


@dataclass(frozen=True)
class Check:
    """One check (one pytest item) of one claim, and what it observed."""

    nodeid: str
    claim: str
    role: str
    outcome: str  # passed, failed, skipped, error (the pytest words)
    verdict: str
    duration_s: float
    error: ErrorInfo | None = None
    example: str | None = None
    snippet: str | None = None
    skip_reason: str | None = None
    deprecations: tuple[WarningRecord, ...] = ()
    warnings: tuple[WarningRecord, ...] = ()
    notes: tuple[str, ...] = ()
    measurements: tuple[Measurement, ...] = ()
    crashed: bool = False  # the process running it died: the run that holds it is partial

    @property
    def params(self) -> str | None:
        """The parametrization in the node id (`float32-view`), if any."""
        return self.nodeid[self.nodeid.index("[") + 1 : -1] if self.nodeid.endswith("]") else None

    def to_json(self) -> Json:
        data: Json = {
            "nodeid": self.nodeid,
            "role": self.role,
            "outcome": self.outcome,
            "verdict": self.verdict,
            "duration_s": round(self.duration_s, 4),
        }
        _set(data, "error", self.error.to_json() if self.error else None)
        _set(data, "example", self.example)
        _set(data, "snippet", self.snippet)
        _set(data, "skip_reason", self.skip_reason)
        _set(data, "deprecations", [w.to_json() for w in self.deprecations])
        _set(data, "warnings", [w.to_json() for w in self.warnings])
        _set(data, "notes", self.notes)
        _set(data, "measurements", [m.to_json() for m in self.measurements])
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any], claim: str) -> Check:
        error = data.get("error")
        return cls(
            data["nodeid"],
            claim,
            data["role"],
            data["outcome"],
            data["verdict"],
            float(data["duration_s"]),
            error=ErrorInfo.from_json(error) if error else None,
            example=data.get("example"),
            snippet=data.get("snippet"),
            skip_reason=data.get("skip_reason"),
            deprecations=tuple(WarningRecord.from_json(w) for w in data.get("deprecations", ())),
            warnings=tuple(WarningRecord.from_json(w) for w in data.get("warnings", ())),
            notes=tuple(data.get("notes", ())),
            measurements=tuple(Measurement.from_json(m) for m in data.get("measurements", ())),
            crashed=error is not None and error.get("type") == "crash",
        )


@dataclass(frozen=True)
class Replacement:
    """The modern idiom recorded for an outdated claim, with its own verdict."""

    idiom: str
    verdict: str
    summary: str
    checks: tuple[Check, ...]

    def to_json(self) -> Json:
        return {
            "idiom": self.idiom,
            "verdict": self.verdict,
            "summary": self.summary,
            "checks": [c.to_json() for c in self.checks],
        }


@dataclass(frozen=True)
class ClaimResult:
    """One claim of the document and its verdict in one environment."""

    id: str
    section: str
    topic: str | None
    lines: tuple[int, ...]
    url: str
    quote: str
    wording: str
    verdict: str
    summary: str
    checks: tuple[Check, ...]
    replacement: Replacement | None = None
    note: str | None = None

    @property
    def all_checks(self) -> tuple[Check, ...]:
        return self.checks + (self.replacement.checks if self.replacement else ())

    def to_json(self) -> Json:
        data: Json = {
            "id": self.id,
            "section": self.section,
            "topic": self.topic,
            "lines": list(self.lines),
            "url": self.url,
            "quote": self.quote,
            "wording": self.wording,
            "verdict": self.verdict,
            "summary": self.summary,
            "checks": [c.to_json() for c in self.checks],
            "replacement": self.replacement.to_json() if self.replacement else None,
        }
        if self.note:
            # after "replacement": the order reports have always had
            data["note"] = self.note
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ClaimResult:
        replacement = data.get("replacement")
        return cls(
            data["id"],
            data["section"],
            data.get("topic"),
            tuple(data["lines"]),
            data["url"],
            data["quote"],
            data["wording"],
            data["verdict"],
            data["summary"],
            tuple(Check.from_json(c, data["id"]) for c in data["checks"]),
            Replacement(
                replacement["idiom"],
                replacement["verdict"],
                replacement["summary"],
                tuple(Check.from_json(c, data["id"]) for c in replacement["checks"]),
            )
            if replacement
            else None,
            data.get("note"),
        )


@dataclass(frozen=True)
class DocumentInfo:
    """The document the claims come from, pinned by commit and hash."""

    title: str
    url: str
    commit: str
    sha256: str

    def line_url(self, line: int) -> str:
        return f"{self.url}#L{line}"


@dataclass(frozen=True)
class Suite:
    """The claims suite that made a report: its registry's hash and the document's sections."""

    name: str
    version: str
    registry_sha256: str
    document: DocumentInfo
    sections: tuple[str, ...]

    def to_json(self) -> Json:
        d = self.document
        return {
            "name": self.name,
            "version": self.version,
            "registry_sha256": self.registry_sha256,
            "document": {"title": d.title, "url": d.url, "commit": d.commit, "sha256": d.sha256},
            "sections": list(self.sections),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Suite:
        d = data["document"]
        document = DocumentInfo(d["title"], d["url"], d["commit"], d["sha256"])
        return cls(data["name"], data["version"], data["registry_sha256"], document, tuple(data["sections"]))


@dataclass(frozen=True)
class Environment:
    """Where a run happened: Python, machine, packages, and the library under test (`subject`)."""

    name: str
    python: Mapping[str, Any]  # version, implementation, executable
    platform: str
    machine: str
    cpu: Mapping[str, Any]  # model, count
    packages: Mapping[str, str | None]
    subject: Mapping[str, Any]  # whatever the claims tree says of its library (JSON)
    subject_version: str | None = None

    def to_json(self) -> Json:
        # described by the machinery first, then named by the claims tree: the order reports have always had
        return {
            "python": dict(self.python),
            "platform": self.platform,
            "machine": self.machine,
            "cpu": dict(self.cpu),
            "packages": dict(self.packages),
            "name": self.name,
            "subject": dict(self.subject),
            "subject_version": self.subject_version,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Environment:
        return cls(
            data["name"],
            dict(data["python"]),
            data["platform"],
            data["machine"],
            dict(data["cpu"]),
            dict(data["packages"]),
            dict(data["subject"]),
            data.get("subject_version"),
        )


@dataclass(frozen=True)
class HypothesisInfo:
    profile: str
    seed: int | None
    derandomize: bool
    max_examples: int

    def to_json(self) -> Json:
        return {
            "profile": self.profile,
            "seed": self.seed,
            "derandomize": self.derandomize,
            "max_examples": self.max_examples,
        }


@dataclass(frozen=True)
class RunInfo:
    """How the run went: when, how long, with which settings, and whether it is complete."""

    started: str
    duration_s: float
    checks: int
    hypothesis: HypothesisInfo
    timeout_s: float | None
    memory_limit_mb: int | None
    workers: int
    pytest_exit_status: int
    argv: tuple[str, ...]
    complete: bool
    partial_reason: str | None = None

    def to_json(self) -> Json:
        data: Json = {
            "started": self.started,
            "duration_s": self.duration_s,
            "checks": self.checks,
            "hypothesis": self.hypothesis.to_json(),
            "timeout_s": self.timeout_s,
            "memory_limit_mb": self.memory_limit_mb,
            "workers": self.workers,
            "pytest_exit_status": self.pytest_exit_status,
            "argv": list(self.argv),
            "complete": self.complete,
        }
        _set(data, "partial_reason", self.partial_reason)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RunInfo:
        h = data["hypothesis"]
        return cls(
            data["started"],
            data["duration_s"],
            data["checks"],
            HypothesisInfo(h["profile"], h["seed"], h["derandomize"], h["max_examples"]),
            data["timeout_s"],
            data["memory_limit_mb"],
            data["workers"],
            data["pytest_exit_status"],
            tuple(data["argv"]),
            data["complete"],
            data.get("partial_reason"),
        )


def count_verdicts(verdicts: Sequence[str]) -> dict[str, int]:
    counts = dict.fromkeys(VERDICTS, 0)
    for verdict in verdicts:
        counts[verdict] += 1
    return counts


@dataclass(frozen=True)
class RunReport:
    """One environment's verdicts on the claims of one document."""

    suite: Suite
    environment: Environment
    run: RunInfo
    claims: tuple[ClaimResult, ...]
    schema_version: int = SCHEMA_VERSION

    @property
    def summary(self) -> dict[str, int]:
        """How many claims got each verdict, in VERDICTS order."""
        return count_verdicts([c.verdict for c in self.claims])

    @property
    def complete(self) -> bool:
        return self.run.complete

    def claim(self, claim_id: str) -> ClaimResult | None:
        return next((c for c in self.claims if c.id == claim_id), None)

    def to_json(self) -> Json:
        return {
            "schema_version": self.schema_version,
            "suite": self.suite.to_json(),
            "environment": self.environment.to_json(),
            "run": self.run.to_json(),
            "summary": self.summary,
            "claims": [c.to_json() for c in self.claims],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RunReport:
        """A report from JSON the schema has accepted (`claimcheck.reading.read_report` checks first)."""
        return cls(
            Suite.from_json(data["suite"]),
            Environment.from_json(data["environment"]),
            RunInfo.from_json(data["run"]),
            tuple(ClaimResult.from_json(c) for c in data["claims"]),
            data["schema_version"],
        )


# -- the compatibility matrix: claims down, environments across -------------


@dataclass(frozen=True)
class Cell:
    verdict: str
    summary: str

    def to_json(self) -> Json:
        return {"verdict": self.verdict, "summary": self.summary}


@dataclass(frozen=True)
class Change:
    """A claim's verdict differs between two neighbouring environments."""

    after: str  # the environment before the change
    at: str  # the first environment with the new verdict
    before_verdict: str
    verdict: str

    def to_json(self) -> Json:
        return {"after": self.after, "at": self.at, "from": self.before_verdict, "to": self.verdict}


@dataclass(frozen=True)
class MatrixRow:
    id: str
    section: str
    lines: tuple[int, ...]
    url: str
    quote: str
    wording: str
    cells: Mapping[str, Cell]  # environment name -> its verdict
    changed: tuple[Change, ...]

    def to_json(self) -> Json:
        return {
            "id": self.id,
            "section": self.section,
            "lines": list(self.lines),
            "url": self.url,
            "quote": self.quote,
            "wording": self.wording,
            "cells": {env: cell.to_json() for env, cell in self.cells.items()},
            "changed": [c.to_json() for c in self.changed],
        }


@dataclass(frozen=True)
class Source:
    """A report merged into the matrix."""

    path: str
    environment: str
    version: str | None
    started: str

    def to_json(self) -> Json:
        return {"path": self.path, "environment": self.environment, "version": self.version, "started": self.started}


@dataclass(frozen=True)
class Skipped:
    """A report the merge could not use, and why."""

    path: str
    reason: str

    def to_json(self) -> Json:
        return {"path": self.path, "reason": self.reason}


@dataclass(frozen=True)
class Matrix:
    generated: str
    sources: tuple[Source, ...]
    skipped: tuple[Skipped, ...]
    columns: tuple[str, ...]
    sections: tuple[str, ...]
    holding_share: Mapping[str, float | None]
    claims: tuple[MatrixRow, ...]
    schema_version: int = MATRIX_SCHEMA_VERSION

    def column_groups(self) -> list[list[str]]:
        """Consecutive environments whose verdicts agree on every claim, to be shown as one column."""
        groups: list[list[str]] = []
        for env in self.columns:
            if groups:
                last = groups[-1][-1]
                if all(_verdict_at(r, env) == _verdict_at(r, last) for r in self.claims):
                    groups[-1].append(env)
                    continue
            groups.append([env])
        return groups

    def to_json(self) -> Json:
        return {
            "schema_version": self.schema_version,
            "generated": self.generated,
            "sources": [s.to_json() for s in self.sources],
            "skipped": [s.to_json() for s in self.skipped],
            "columns": list(self.columns),
            "sections": list(self.sections),
            "holding_share": dict(self.holding_share),
            "claims": [r.to_json() for r in self.claims],
        }


def _verdict_at(row: MatrixRow, env: str) -> str | None:
    cell = row.cells.get(env)
    return cell.verdict if cell else None


def holding_share(cells: Sequence[Cell]) -> float | None:
    return round(sum(c.verdict == HOLDS for c in cells) / len(cells), 3) if cells else None


__all__ = [
    "AS_WRITTEN",
    "MATRIX_SCHEMA_VERSION",
    "REPLACEMENT",
    "ROLES",
    "SCHEMA_VERSION",
    "Cell",
    "Change",
    "Check",
    "ClaimResult",
    "DocumentInfo",
    "Environment",
    "ErrorInfo",
    "HypothesisInfo",
    "Matrix",
    "MatrixRow",
    "Measurement",
    "Replacement",
    "RunInfo",
    "RunReport",
    "Skipped",
    "Source",
    "Suite",
    "WarningRecord",
    "count_verdicts",
    "holding_share",
]
