"""The report model: what a run observed, as frozen records every consumer shares.

The plugin builds a `RunReport`; the renderers, the merge, the expectations,
bisect and the command line take one. `to_json()` writes the shape that
`report.schema.json` describes (key order included, so a report regenerates
byte for byte); `RunReport.from_json()` reads one back after the schema has
accepted it (see `claimcheck.reading`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Sequence

from .verdicts import HOLDS, NOT_RUN, PARTLY, VERDICTS

SCHEMA_VERSION = 3
MATRIX_SCHEMA_VERSION = 3

#: The facet of a check that names none: the claim's whole domain.
WHOLE = "all"

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
    crashed: bool = False  # the process running it died outside the statement under test: the run is partial
    facet: str = WHOLE  # the part of the claim's domain it covers

    @property
    def params(self) -> str | None:
        """The parametrization in the node id (`float32-view`), if any."""
        return self.nodeid[self.nodeid.index("[") + 1 : -1] if self.nodeid.endswith("]") else None

    def to_json(self) -> Json:
        data: Json = {
            "nodeid": self.nodeid,
            "role": self.role,
            "facet": self.facet,
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
            facet=data.get("facet", WHOLE),
        )


@dataclass(frozen=True)
class VariantResult:
    """A facet's verdict in one run of its checks: the main run, or a variant (claimcheck.variants)."""

    name: str
    verdict: str
    summary: str

    def to_json(self) -> Json:
        return {"name": self.name, "verdict": self.verdict, "summary": self.summary}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> VariantResult:
        return cls(data["name"], data["verdict"], data["summary"])


@dataclass(frozen=True)
class FacetResult:
    """One facet of a claim: its own verdict over its own checks, in or beyond the statement's scope."""

    name: str
    in_scope: bool
    verdict: str
    summary: str
    checks: tuple[str, ...]  # node ids of its checks (their evidence is in the claim's `checks`)
    why: str | None = None  # why it is beyond scope, from the registry
    domain: bool = False  # the input builder cannot build the facet's input here: not a fact about the claim
    coverage: bool = False  # broken because the statement's call refuses the facet's dtype or kernel
    variants: tuple[VariantResult, ...] = ()  # the main run's verdict, then each variant's, where variants ran
    core: bool = False  # holds the statement's own use: a failure here makes the claim broken, elsewhere partly

    def to_json(self) -> Json:
        data: Json = {"name": self.name, "in_scope": self.in_scope, "verdict": self.verdict, "summary": self.summary}
        _set(data, "why", self.why)
        if self.core:
            data["core"] = True
        if self.domain:
            data["domain"] = True
        if self.coverage:
            data["coverage"] = True
        _set(data, "variants", [v.to_json() for v in self.variants])
        data["checks"] = list(self.checks)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FacetResult:
        return cls(
            data["name"], data["in_scope"], data["verdict"], data["summary"], tuple(data["checks"]),
            data.get("why"), bool(data.get("domain", False)), bool(data.get("coverage", False)),
            tuple(VariantResult.from_json(v) for v in data.get("variants", ())),
            bool(data.get("core", False)),
        )  # fmt: skip


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
    scope: str | None = None  # what the statement is about, from the registry
    addition: bool = False  # the suite's own claim: the cheatsheet does not make it
    facets: tuple[FacetResult, ...] = ()  # of the checks as written; in-scope ones decide `verdict`

    @property
    def all_checks(self) -> tuple[Check, ...]:
        return self.checks + (self.replacement.checks if self.replacement else ())

    @property
    def limits(self) -> tuple[FacetResult, ...]:
        """Facets beyond the statement's scope that do not hold: what a reader should know beside the verdict."""
        return tuple(f for f in self.facets if not f.in_scope and f.verdict != HOLDS)

    @property
    def edges(self) -> tuple[FacetResult, ...]:
        """In-scope facets beyond the statement's own use (not core) that do not hold: a partly's numbered notes."""
        return tuple(f for f in self.facets if f.in_scope and not f.core and f.verdict not in (HOLDS, NOT_RUN))

    @property
    def coverage_only(self) -> bool:
        """Every edge that fails fails because the call refused a dtype or kernel (a coverage gap, not a wrong value)."""
        return bool(self.edges) and all(f.coverage for f in self.edges)

    @property
    def share(self) -> tuple[int, int]:
        """(in-scope facets holding, in-scope facets that ran)."""
        ran = [f for f in self.facets if f.in_scope and f.verdict != NOT_RUN]
        return sum(f.verdict == HOLDS for f in ran), len(ran)

    def facet(self, name: str) -> FacetResult | None:
        return next((f for f in self.facets if f.name == name), None)

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
            "scope": self.scope,
            "addition": self.addition,
            "facets": [f.to_json() for f in self.facets],
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
            data.get("scope"),
            bool(data.get("addition", False)),
            tuple(FacetResult.from_json(f) for f in data.get("facets", ())),
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
class VariantRun:
    """A variant that ran some checks again (claimcheck.variants): its name, its setting, what it ran on."""

    name: str
    setting: str  # VARIABLE=value, or VARIABLE unset
    subject: Mapping[str, Any]  # the environment's subject as the variant's run saw it

    def to_json(self) -> Json:
        return {"name": self.name, "setting": self.setting, "subject": dict(self.subject)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> VariantRun:
        return cls(data["name"], data["setting"], dict(data.get("subject", {})))


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
    main_setting: str | None = None  # how the main run had the variants' variables, where variants ran
    variants: tuple[VariantRun, ...] = ()

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
        _set(data, "main_setting", self.main_setting)
        _set(data, "variants", [v.to_json() for v in self.variants])
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
            data.get("main_setting"),
            tuple(VariantRun.from_json(v) for v in data.get("variants", ())),
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
        """How many of the cheatsheet's claims got each verdict, in VERDICTS order (the suite's additions apart)."""
        return count_verdicts([c.verdict for c in self.claims if not c.addition])

    @property
    def additions_summary(self) -> dict[str, int]:
        """The same for the suite's own additions, which never count for or against the cheatsheet."""
        return count_verdicts([c.verdict for c in self.claims if c.addition])

    @property
    def complete(self) -> bool:
        return self.run.complete

    def claim(self, claim_id: str) -> ClaimResult | None:
        return next((c for c in self.claims if c.id == claim_id), None)

    def to_json(self) -> Json:
        summaries = [self.summary, self.additions_summary]
        if self.schema_version < 3:  # a report read from schema 2, which knew no partly, written back as it was
            summaries = [{k: v for k, v in counts.items() if k != PARTLY} for counts in summaries]
        return {
            "schema_version": self.schema_version,
            "suite": self.suite.to_json(),
            "environment": self.environment.to_json(),
            "run": self.run.to_json(),
            "summary": summaries[0],
            "additions_summary": summaries[1],
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
    replacement: str | None = None  # the idiom the release documents instead, with its verdict there

    def to_json(self) -> Json:
        data: Json = {"verdict": self.verdict, "summary": self.summary}
        _set(data, "replacement", self.replacement)
        return data


@dataclass(frozen=True)
class Change:
    """A verdict (of a claim, or of one of its facets) differs between two neighbouring environments.

    `kind` is "claim" when the claim's own behaviour changed, "domain" when the
    facet came into (or left) this torch's domain (a dtype torch gained, say), and
    "coverage" when the statement's call came to take (or stopped taking) the
    facet's dtype or kernel: a kernel torch gained, not a change of what it computes;
    "replacement" when the replacement a release shows changed verdict or idiom
    (verdict "none" where a release documents no replacement).
    """

    after: str  # the environment before the change
    at: str  # the first environment with the new verdict
    before_verdict: str
    verdict: str
    before_summary: str = ""  # the evidence on both sides
    summary: str = ""
    facet: str | None = None  # None: the claim's verdict
    in_scope: bool = True
    kind: str = "claim"
    #: at a Python, Hypothesis or numpy boundary: the counterexample replayed on the other side (see replay.py);
    #: `confirmed` False means it failed there too, and the change is an artifact of the search
    replay: Mapping[str, Any] | None = None

    @property
    def confirmed(self) -> bool | None:
        return None if self.replay is None else bool(self.replay.get("confirmed"))

    def to_json(self) -> Json:
        data: Json = {"after": self.after, "at": self.at, "from": self.before_verdict, "to": self.verdict}
        if self.facet is not None:
            data.update(facet=self.facet, in_scope=self.in_scope, kind=self.kind)
        elif self.kind != "claim":
            data.update(kind=self.kind)
        if self.replay is not None:
            data.update(confirmed=self.confirmed, replay=dict(self.replay))
        data.update({"from_evidence": self.before_summary, "to_evidence": self.summary})
        return data


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
    facets: Mapping[str, Mapping[str, FacetResult]] = field(default_factory=dict)  # facet -> environment -> result
    facet_changes: tuple[Change, ...] = ()
    addition: bool = False
    replacement: str | None = None  # the modern idiom, as the newest report names it
    #: where the replacement's verdict (or the idiom a release documents) changed: the modern idiom's own history
    replacement_changes: tuple[Change, ...] = ()
    #: the first environment from which the newest verdict has had its present reason (matrix.since_now)
    since: str | None = None

    def to_json(self) -> Json:
        return {
            "id": self.id,
            "section": self.section,
            "lines": list(self.lines),
            "url": self.url,
            "quote": self.quote,
            "wording": self.wording,
            "addition": self.addition,
            "replacement": self.replacement,
            "cells": {env: cell.to_json() for env, cell in self.cells.items()},
            "since": self.since,
            "changed": [c.to_json() for c in self.changed],
            "facets": {
                name: {
                    env: {
                        "verdict": f.verdict,
                        "in_scope": f.in_scope,
                        "core": f.core,
                        "domain": f.domain,
                        "coverage": f.coverage,
                    }
                    for env, f in by_env.items()
                }
                for name, by_env in self.facets.items()
            },
            "facet_changes": [c.to_json() for c in self.facet_changes],
            "replacement_changes": [c.to_json() for c in self.replacement_changes],
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
    """The share of the claims that ran (not-run ones left out) which hold; None where none ran."""
    ran = [c for c in cells if c.verdict != NOT_RUN]
    return round(sum(c.verdict == HOLDS for c in ran) / len(ran), 3) if ran else None


__all__ = [
    "AS_WRITTEN",
    "MATRIX_SCHEMA_VERSION",
    "REPLACEMENT",
    "ROLES",
    "SCHEMA_VERSION",
    "WHOLE",
    "Cell",
    "Change",
    "Check",
    "ClaimResult",
    "DocumentInfo",
    "Environment",
    "ErrorInfo",
    "FacetResult",
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
