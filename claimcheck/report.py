"""Build the run report (a JSON-ready dict) from the registry and the check results.

The schema is written down in report.schema.json beside this file; bump
SCHEMA_VERSION with any change a reader of old reports would notice.
"""

from __future__ import annotations

import json
import os
from typing import Iterable

from . import __version__
from .registry import Claim, Registry
from .results import AS_WRITTEN, REPLACEMENT, CheckResult
from .verdicts import BROKEN, DEPRECATED, ERROR, HOLDS, NOT_RUN, VERDICTS, combine

SCHEMA_VERSION = 1
SCHEMA_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "report.schema.json")


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text and text.strip() else ""


def _format_measure(m: dict[str, object]) -> str:
    return "{} = {} {}".format(m["name"], m["value"], m["unit"]).strip()


def summarize(verdict: str, checks: list[CheckResult]) -> str:
    """One line a reader sees first: why this verdict."""
    deciding = [c for c in checks if c.verdict == verdict] or checks
    if verdict in (BROKEN, ERROR):
        first = next((c for c in deciding if c.error), None)
        head = "failed" if verdict == BROKEN else "could not run"
        if len(checks) > 1:
            head = f"{len(deciding)} of {len(checks)} checks {head}"
        params = [c.nodeid[c.nodeid.index("[") + 1 : -1] for c in deciding if c.nodeid.endswith("]")]
        if params:
            head += " ({})".format(", ".join(params))
        if first is not None:
            head += ": {}: {}".format(first.error["type"], _first_line(first.error["message"]))
        warned = next((c.deprecations[0] for c in deciding if c.deprecations), None)
        if warned:
            head += "; torch warned: {}".format(warned["message"])
        return head
    if verdict == DEPRECATED:
        first = next(c for c in deciding if c.deprecations)
        return "{}: {}".format(first.deprecations[0]["category"], first.deprecations[0]["message"])
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


def _claim_entry(claim: Claim, registry: Registry, checks: list[CheckResult]) -> dict[str, object]:
    written = [c for c in checks if c.role == AS_WRITTEN]
    verdict = combine(c.verdict for c in written)
    entry: dict[str, object] = {
        "id": claim.id,
        "section": claim.section,
        "topic": claim.topic,
        "lines": list(claim.lines),
        "url": registry.document.line_url(claim.first_line),
        "quote": claim.quote,
        "wording": claim.wording,
        "verdict": verdict,
        "summary": summarize(verdict, written),
        "checks": [c.to_json() for c in written],
        "replacement": None,
    }
    if claim.note:
        entry["note"] = claim.note
    if claim.replacement:
        replacing = [c for c in checks if c.role == REPLACEMENT]
        replacement_verdict = combine(c.verdict for c in replacing)
        entry["replacement"] = {
            "idiom": claim.replacement,
            "verdict": replacement_verdict,
            "summary": summarize(replacement_verdict, replacing),
            "checks": [c.to_json() for c in replacing],
        }
    return entry


def build_report(
    registry: Registry,
    results: Iterable[CheckResult],
    environment: dict[str, object],
    run: dict[str, object],
    only: Iterable[str] | None = None,
) -> dict[str, object]:
    """The report for every claim (or the claims in `only`), in document order."""
    by_claim: dict[str, list[CheckResult]] = {}
    # by node id: the order workers finish in must not change a report
    for result in sorted(results, key=lambda r: r.nodeid):
        by_claim.setdefault(result.claim, []).append(result)
    wanted = set(only) if only is not None else None
    claims = [c for c in registry.claims if wanted is None or c.id in wanted]
    claims.sort(key=lambda c: (c.first_line, c.id))
    entries = [_claim_entry(c, registry, by_claim.get(c.id, [])) for c in claims]
    counts = dict.fromkeys(VERDICTS, 0)
    for entry in entries:
        counts[entry["verdict"]] += 1
    return {
        "schema_version": SCHEMA_VERSION,
        "suite": {
            "name": registry.suite,
            "version": __version__,
            "registry_sha256": registry.sha256,
            "document": {
                "title": registry.document.title,
                "url": registry.document.url,
                "commit": registry.document.commit,
                "sha256": registry.document.sha256,
            },
            "sections": registry.sections(),
        },
        "environment": environment,
        "run": run,
        "summary": counts,
        "claims": entries,
    }


def dumps(report: dict[str, object]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
