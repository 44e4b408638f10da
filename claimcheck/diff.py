"""Upgrade notes: what changed between two versions of the subject, claim by claim and facet by facet."""

from __future__ import annotations

from .bisect import BisectError
from .matrix import Loaded, same_version
from .model import RunReport


def report_of(loaded: Loaded, version: str) -> tuple[str, RunReport]:
    """The one complete report of `version` on disk; BisectError names what is missing or doubled."""
    found = same_version(loaded, version)
    if not found:
        have = ", ".join(sorted({str(r.environment.subject_version) for _p, r in loaded})) or "none"
        raise BisectError(f"no complete report of torch {version} on disk (reports of: {have}); run the claims for it")
    if len(found) > 1:
        paths = ", ".join(path for path, _r in found)
        raise BisectError(f"torch {version} has {len(found)} reports: {paths}; move all but one aside")
    return found[0]


def diff(before: RunReport, after: RunReport) -> list[str]:
    """Lines a user reads before moving from `before`'s torch to `after`'s: every change, with both sides' evidence."""
    out: list[str] = []
    changed_claims = changed_facets = 0
    old = {c.id: c for c in before.claims}
    for claim in after.claims:
        previous = old.get(claim.id)
        if previous is None:
            out.append(f"{claim.id}: new in {after.environment.name}: {claim.verdict}: {claim.summary}")
            continue
        lines: list[str] = []
        if previous.verdict != claim.verdict:
            changed_claims += 1
            lines += [
                f"{claim.id}: {previous.verdict} → {claim.verdict}"
                + (" (the suite's addition)" if claim.addition else ""),
                f"    before: {previous.summary}",
                f"    after:  {claim.summary}",
            ]
        facets_before = {f.name: f for f in previous.facets}
        for facet in claim.facets:
            was = facets_before.get(facet.name)
            if was is None or was.verdict == facet.verdict or facet.name == "all":
                continue
            changed_facets += 1
            scope = "in scope" if facet.in_scope else "beyond scope"
            kind = ", domain" if facet.domain or was.domain else ", coverage" if facet.coverage or was.coverage else ""
            if not lines:
                lines.append(f"{claim.id}: {claim.verdict} at both")
            lines += [
                f"  facet {facet.name} ({scope}{kind}): {was.verdict} → {facet.verdict}",
                f"    before: {was.summary}",
                f"    after:  {facet.summary}",
            ]
        out.extend(lines)
    head = (
        f"torch {before.environment.subject_version} → {after.environment.subject_version} "
        f"({before.environment.name} → {after.environment.name}): {changed_claims} claim(s) changed verdict, "
        f"{changed_facets} facet(s) changed"
    )
    return [head, *out]
