"""The one builder of test reports: valid `RunReport`s from a few words, through the real model.

Every test that needs a report on disk or in memory makes it here, so that a
report a test feeds the machinery is one the schema accepts, unless the test
breaks it on purpose.
"""

from __future__ import annotations

import json
import os
from typing import Callable, Iterable, Sequence, Tuple, Union

from claimcheck.model import (
    AS_WRITTEN,
    Check,
    ClaimResult,
    DocumentInfo,
    Environment,
    ErrorInfo,
    HypothesisInfo,
    RunInfo,
    RunReport,
    Suite,
)
from claimcheck.report import dumps

URL = "https://example.invalid/demo.md"

#: A claim in a test report: its id and verdict, or (id, verdict, section), or (id, verdict, section, quote, summary).
ClaimSpec = Union[Tuple[str, str], Tuple[str, str, str], Tuple[str, str, str, str, str]]


def claim_result(
    claim_id: str,
    verdict: str,
    section: str = "Numbers",
    quote: str = "q",
    summary: str | None = None,
    line: int = 3,
    url: str = URL,
) -> ClaimResult:
    """A claim with one check whose verdict is `verdict`."""
    outcome = {"holds": "passed", "deprecated": "passed", "broken": "failed", "not-run": "skipped"}.get(
        verdict, "error"
    )
    error = ErrorInfo("AssertionError", "why " + verdict) if verdict in ("broken", "error") else None
    check = Check(
        f"claims/test_demo.py::test_{claim_id.replace('.', '_')}",
        claim_id,
        AS_WRITTEN,
        outcome,
        verdict,
        0.01,
        error=error,
    )
    return ClaimResult(
        claim_id, section, None, (line,), f"{url}#L{line}", quote, "wording of " + claim_id, verdict,
        summary if summary is not None else "why " + verdict, (check,),
    )  # fmt: skip


def make_report(
    name: str = "lib-1.0",
    version: str | None = "1.0",
    claims: dict[str, str] | Iterable[ClaimSpec] = (("demo.a", "holds"),),
    sections: Sequence[str] = ("Numbers", "Old things"),
    complete: bool = True,
    started: str = "2026-11-29T00:00:00+00:00",
    url: str = URL,
) -> RunReport:
    """A complete report of environment `name` (subject `version`) with the given claims' verdicts."""
    specs = list(claims.items()) if isinstance(claims, dict) else list(claims)
    results = tuple(
        claim_result(*spec[:2], *spec[2:], line=3 + i, url=url)  # type: ignore[misc]
        for i, spec in enumerate(specs)
    )
    suite = Suite("demo", "0.1.0", "0" * 64, DocumentInfo("demo document", url, "0" * 40, "0" * 64), tuple(sections))
    environment = Environment(
        name,
        {"version": "3.11.7", "implementation": "CPython", "executable": "/usr/bin/python3"},
        "Linux",
        "x86_64",
        {"model": "test CPU", "count": 2},
        {"numpy": "2.0", "hypothesis": "6.0", "pytest": "9.0"},
        {"lib": version},
        version,
    )
    run = RunInfo(
        started, 1.0, len(results), HypothesisInfo("ci", None, True, 60), 300.0, None, 1, 0, ("claims",), complete,
        None if complete else "1 of 2 claims selected",
    )  # fmt: skip
    return RunReport(suite, environment, run, results)


def write_report(folder: str | os.PathLike[str], report: RunReport, subfolder: str | None = None) -> str:
    """`report` as <folder>/<subfolder or its environment's name>/report.json; the path."""
    target = os.path.join(str(folder), subfolder or report.environment.name)
    os.makedirs(target, exist_ok=True)
    path = os.path.join(target, "report.json")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(dumps(report))
    return path


def write_json(folder: str | os.PathLike[str], subfolder: str, content: object) -> str:
    """Anything as <folder>/<subfolder>/report.json (a damaged report, on purpose); the path."""
    target = os.path.join(str(folder), subfolder)
    os.makedirs(target, exist_ok=True)
    path = os.path.join(target, "report.json")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(content if isinstance(content, str) else json.dumps(content))
    return path


def with_facets(report: RunReport, claim_id: str, facets: Sequence[tuple], addition: bool = False) -> RunReport:
    """`report` with claim `claim_id` checked facet by facet: (name, in scope, verdict[, core[, coverage]]) each,
    one check per facet.

    The claim's verdict is decided as the plugin decides it (verdicts.claim_verdict); where no facet is named
    core, every in-scope one is (the registry's fallback).
    """
    import dataclasses

    from claimcheck.model import FacetResult
    from claimcheck.report import partly_summary
    from claimcheck.verdicts import PARTLY, claim_verdict

    specs = [tuple(f) + (False, False)[len(f) - 3 :] for f in facets]
    if not any(core for _n, in_scope, _v, core, _c in specs if in_scope):
        specs = [(n, i, v, i, c) for n, i, v, _core, c in specs]
    claims = []
    for claim in report.claims:
        if claim.id == claim_id:
            checks = tuple(
                dataclasses.replace(
                    claim.checks[0], nodeid=f"{claim.checks[0].nodeid}[{name}]", facet=name, verdict=verdict
                )
                for name, _in_scope, verdict, _core, _coverage in specs
            )
            results = tuple(
                FacetResult(
                    name, in_scope, verdict, f"{name}: why {verdict}", (check.nodeid,), None if in_scope else "out",
                    coverage=coverage, core=core and in_scope,
                )
                for (name, in_scope, verdict, core, coverage), check in zip(specs, checks)
            )  # fmt: skip
            verdict = claim_verdict(
                (f.verdict for f in results if f.in_scope and f.core),
                (f.verdict for f in results if f.in_scope and not f.core),
            )
            summary = partly_summary(results) if verdict == PARTLY else "why " + verdict
            claim = dataclasses.replace(
                claim, checks=checks, facets=results, verdict=verdict, summary=summary, addition=addition
            )
        claims.append(claim)
    return dataclasses.replace(report, claims=tuple(claims))


def report_series(
    environments: Sequence[tuple[str, str]], claims: Callable[[int], Iterable[ClaimSpec]]
) -> list[tuple[str, RunReport]]:
    """(path, report) for each (name, version), oldest first, as `merge` takes them; `claims(i)` gives the i-th's.

    Each path is reports/<name>/report.json, where the merge command reads them from.
    """
    return [
        (f"reports/{name}/report.json", make_report(name, version, claims(i)))
        for i, (name, version) in enumerate(environments)
    ]
