"""Build the run report (a `RunReport`) from the registry and what each check's phases said.

Pure functions of plain data, so the machinery's tests can feed them fake
outcomes. The JSON shape is written down in report.schema.json beside this
file; bump model.SCHEMA_VERSION with any change a reader of old reports would notice.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Iterable, Mapping, Sequence

from . import __version__, evidence
from .model import (
    AS_WRITTEN,
    REPLACEMENT,
    WHOLE,
    Check,
    ClaimResult,
    DocumentInfo,
    Environment,
    ErrorInfo,
    FacetResult,
    Measurement,
    Replacement,
    RunInfo,
    RunReport,
    Suite,
    WarningRecord,
)
from .registry import Claim, Registry
from .verdicts import BROKEN, DEPRECATED, ERROR, HOLDS, NOT_RUN, PARTLY, check_verdict, claim_verdict, combine


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text and text.strip() else ""


def summarize(verdict: str, checks: list[Check]) -> str:
    """One line a reader sees first: why this verdict."""
    deciding = [c for c in checks if c.verdict == verdict] or checks
    if verdict in (BROKEN, ERROR):
        first = next((c for c in deciding if c.error), None)
        head = "failed" if verdict == BROKEN else "could not run"
        if len(checks) > 1:
            head = f"{len(deciding)} of {len(checks)} checks {head}"
        params = [c.params for c in deciding if c.params is not None]
        if params:
            head += " ({})".format(", ".join(params))
        if first is not None and first.error is not None:
            head += f": {first.error.type}: {_first_line(first.error.message)}"
        warned = next((c.deprecations[0] for c in deciding if c.deprecations), None)
        if warned:
            head += f"; torch warned: {warned.message}"
        return head
    if verdict == DEPRECATED:
        warning = next(c for c in deciding if c.deprecations).deprecations[0]
        return f"{warning.category}: {warning.message}"
    if verdict == NOT_RUN:
        if not checks:
            return "no check of this claim was selected in this run"
        return deciding[0].skip_reason or "skipped"
    parts: list[str] = []
    for check in checks:
        parts.extend(check.notes)
    return (
        "; ".join(dict.fromkeys(parts)) or f"{sum(c.verdict == HOLDS for c in checks)} of {len(checks)} checks passed"
    )


def check_from_phases(nodeid: str, phases: Sequence[Mapping[str, Any]], snippet_imports: Sequence[str] = ()) -> Check:
    """One check's result from the plain data its setup, call and teardown reported."""
    by_phase = {p["when"]: p for p in phases}
    outcomes = {when: p["outcome"] for when, p in by_phase.items()}
    call = by_phase.get("call", {})
    failed = next((p for p in phases if p["outcome"] == "failed"), {})
    warned = call.get("warnings", [])
    deprecations = tuple(WarningRecord(w["category"], w["message"]) for w in warned if w["deprecation"])
    others = tuple(WarningRecord(w["category"], w["message"]) for w in warned if not w["deprecation"])
    verdict = check_verdict(
        outcomes.get("setup", "failed"),
        outcomes.get("call"),
        outcomes.get("teardown"),
        bool(call.get("finding")),
        bool(deprecations),
    )
    error: dict[str, str] | None = failed.get("error")
    if verdict == ERROR and error is None:
        error = {"type": "error", "message": "the check did not complete"}
    example = failed.get("example")
    records = by_phase.get("teardown", {}).get("evidence", [])
    outcome = outcomes.get("call") or ("skipped" if outcomes.get("setup") == "skipped" else "error")
    if outcomes.get("teardown") == "failed":
        outcome = "error"
    first = phases[0]
    return Check(
        nodeid,
        first["claim"],
        first["role"],
        outcome,
        verdict,
        round(sum(p["duration"] for p in phases), 4),  # as report.json keeps it: report.md renders the same either way
        error=ErrorInfo(error["type"], error["message"], error.get("call")) if error else None,
        example=example,
        # a check that built its own reproduction knows its inputs better than Hypothesis's printout does
        snippet=(error or {}).get("reproduction") or evidence.snippet(example, error or {}, snippet_imports),
        skip_reason=next((p["skip_reason"] for p in phases if p.get("skip_reason")), None),
        deprecations=deprecations,
        warnings=others,
        notes=tuple(dict.fromkeys(r["text"] for r in records if r["kind"] == "note")),
        measurements=tuple(
            Measurement(r["name"], r["value"], r["unit"], r.get("detail"), r.get("iqr"), r.get("rounds"))
            for r in records
            if r["kind"] == "measurement"
        ),
        crashed=bool(failed.get("crashed")) and not call.get("finding"),
        facet=first.get("facet", WHOLE),
    )


DOMAIN_PREFIX = "domain: "
#: A failing check's note that starts with this says the statement's call refused the facet's dtype or kernel.
COVERAGE_PREFIX = "coverage: "


def facet_results(claim: Claim, written: list[Check], default_core: tuple[str, ...] = ()) -> tuple[FacetResult, ...]:
    """One result per facet of the checks as written: in-scope facets first (core ones first), then the limits."""
    by_facet: dict[str, list[Check]] = {}
    for check in written:
        by_facet.setdefault(check.facet, []).append(check)
    core = claim.core_of([name for name in by_facet if claim.why_beyond(name) is None], default_core)
    out = []
    for name, checks in by_facet.items():
        verdict = combine(c.verdict for c in checks)
        why = claim.why_beyond(name)
        domain = verdict == NOT_RUN and all((c.skip_reason or "").startswith(DOMAIN_PREFIX) for c in checks)
        failing = [c for c in checks if c.verdict == BROKEN]
        coverage = bool(failing) and all(any(n.startswith(COVERAGE_PREFIX) for n in c.notes) for c in failing)
        out.append(
            FacetResult(
                name, why is None, verdict, summarize(verdict, checks), tuple(c.nodeid for c in checks), why, domain,
                coverage, core=name in core,
            )
        )  # fmt: skip
    return tuple(sorted(out, key=lambda f: (not f.in_scope, not f.core)))


def partly_summary(facets: tuple[FacetResult, ...]) -> str:
    """The first line of a claim that holds partly: where it holds, and which edges do not."""
    in_scope = [f for f in facets if f.in_scope]
    ran = [f for f in in_scope if f.verdict != NOT_RUN]
    failing = [f for f in in_scope if not f.core and f.verdict not in (HOLDS, NOT_RUN)]
    core = ", ".join(f.name for f in in_scope if f.core)
    kind = " (dtype or kernel coverage)" if all(f.coverage for f in failing) else ""
    return "holds for {}; not for {}{}; {} of {} facets in scope hold".format(
        core, ", ".join(f.name for f in failing), kind, sum(f.verdict == HOLDS for f in ran), len(ran)
    )


def _claim_result(claim: Claim, registry: Registry, checks: list[Check], version: str | None) -> ClaimResult:
    written = [c for c in checks if c.role == AS_WRITTEN]
    facets = facet_results(claim, written, registry.default_core)
    in_scope = [f for f in facets if f.in_scope]
    # the in-scope facets decide, the core ones first (verdicts.claim_verdict); a claim whose facets are all
    # beyond its scope is judged on none (not-run)
    verdict = claim_verdict((f.verdict for f in in_scope if f.core), (f.verdict for f in in_scope if not f.core))
    # the checks that say why: the core facets' where they decide, else every in-scope facet's
    speaking = [f for f in in_scope if f.core] if verdict not in (ERROR, NOT_RUN) else in_scope
    deciding = [c for c in written if any(c.nodeid in f.checks for f in speaking)] or [
        c for c in written if any(c.nodeid in f.checks for f in in_scope)
    ]
    replacement = None
    shown = claim.replacement_for(version)  # the idiom this release documents, checked by the replacement checks
    if shown is not None:
        replacing = [c for c in checks if c.role == REPLACEMENT]
        replacement_verdict = combine(c.verdict for c in replacing)
        replacement = Replacement(
            shown.text, replacement_verdict, summarize(replacement_verdict, replacing), tuple(replacing)
        )
    return ClaimResult(
        claim.id,
        claim.section,
        claim.topic,
        tuple(claim.lines),
        registry.document.line_url(claim.first_line),
        claim.quote,
        claim.wording,
        verdict,
        partly_summary(facets) if verdict == PARTLY else summarize(verdict, deciding),
        tuple(written),
        replacement,
        claim.note or None,
        claim.scope,
        claim.addition,
        facets,
    )


def build_report(
    registry: Registry,
    results: Iterable[Check],
    environment: Environment,
    run: RunInfo,
    only: Iterable[str] | None = None,
    not_run: Mapping[str, int] | None = None,
) -> RunReport:
    """The report for every claim (or the claims in `only`), in document order.

    `not_run` ({claim id: checks}) says, in a partial run, how many of a claim's checks did not run: its
    summary says so, so that a claim never reads "3 of 3 checks passed" where 4 were declared."""
    by_claim: dict[str, list[Check]] = {}
    # by node id: the order workers finish in must not change a report
    for result in sorted(results, key=lambda r: r.nodeid):
        by_claim.setdefault(result.claim, []).append(result)
    wanted = set(only) if only is not None else None
    claims = sorted(
        (c for c in registry.claims if wanted is None or c.id in wanted), key=lambda c: (c.first_line, c.id)
    )
    document = registry.document
    suite = Suite(
        registry.suite,
        __version__,
        registry.sha256,
        DocumentInfo(document.title, document.url, document.commit, document.sha256),
        tuple(registry.sections()),
    )
    version = environment.subject_version
    entries = tuple(_claim_result(c, registry, by_claim.get(c.id, []), version) for c in claims)
    if not_run:
        entries = tuple(
            dataclasses.replace(e, summary=f"{e.summary} ({not_run[e.id]} of its checks did not run in this run)")
            if not_run.get(e.id) else e
            for e in entries
        )  # fmt: skip
    return RunReport(suite, environment, run, entries)


def dumps(report: RunReport) -> str:
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
