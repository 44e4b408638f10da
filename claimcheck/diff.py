"""Upgrade notes: what changed between two versions of the subject, claim by claim and facet by facet.

`upgrade()` builds the notes as data; `text()`, `markdown()` and `Upgrade.to_json()` write them for a
terminal, a pull request or a program. Claims whose verdict changed come first, then those where only a
facet did; each change carries both sides' evidence (long texts shortened in text and Markdown, whole in
JSON), the replacement the newer release documents, and a partly claim's notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .bisect import BisectError
from .matrix import Loaded, same_version
from .model import WHOLE, ClaimResult, RunReport
from .render.text import escape, inline_code, shorten, wrap
from .verdicts import MARKS, PARTLY

#: Longest evidence text in the text and Markdown notes (the JSON keeps it whole).
SHORT = 200


def _release(version: object) -> Any:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(Version(str(version)).public)
    except InvalidVersion:
        return None


def report_of(loaded: Loaded, version: str) -> tuple[str, RunReport]:
    """The one complete report of `version` on disk: `2.5.1` exactly, or `2.5` for the newest 2.5.x there.

    BisectError names what is missing (with the versions on disk, in numerical order) or doubled."""
    wanted = _release(version)
    if wanted is None:
        raise BisectError(f"{version!r} is not a version; give one such as 2.5.1, or 2.5 for the newest 2.5.x")
    found = same_version(loaded, version) if len(wanted.release) != 2 else []
    if len(wanted.release) == 2:  # a release series: its newest patch on disk
        series = [(p, r) for p, r in loaded if (_release(r.environment.subject_version) or wanted).release[:2]
                  == wanted.release and _release(r.environment.subject_version) is not None]  # fmt: skip
        newest = max((_release(r.environment.subject_version) for _p, r in series), default=None)
        found = [(p, r) for p, r in series if _release(r.environment.subject_version) == newest]
    if not found:
        versions = sorted({_release(r.environment.subject_version) for _p, r in loaded} - {None})
        have = ", ".join(map(str, versions)) or "none"
        raise BisectError(f"no complete report of torch {version} on disk (reports of: {have}); run the claims for it")
    if len(found) > 1:
        paths = ", ".join(path for path, _r in found)
        raise BisectError(f"torch {version} has {len(found)} reports: {paths}; move all but one aside")
    return found[0]


@dataclass(frozen=True)
class FacetChange:
    name: str
    in_scope: bool
    kind: str  # "", "domain" or "coverage"
    before: str
    after: str
    before_summary: str
    after_summary: str

    def to_json(self) -> dict[str, Any]:
        return {
            "facet": self.name, "in_scope": self.in_scope, "kind": self.kind or "claim", "from": self.before,
            "to": self.after, "from_evidence": self.before_summary, "to_evidence": self.after_summary,
        }  # fmt: skip


@dataclass(frozen=True)
class ClaimChange:
    id: str
    addition: bool
    before: str | None  # None: the claim is new in the newer report
    after: str
    before_summary: str
    after_summary: str
    replacement: str | None  # the idiom the newer release documents, with its verdict there
    replacement_verdict: str | None
    notes: tuple[str, ...]  # a partly claim's edges in the newer release: "facet: evidence"
    facets: tuple[FacetChange, ...]

    @property
    def verdict_changed(self) -> bool:
        return self.before != self.after

    def to_json(self) -> dict[str, Any]:
        return {
            "claim": self.id, "addition": self.addition, "from": self.before, "to": self.after,
            "from_evidence": self.before_summary, "to_evidence": self.after_summary,
            "replacement": self.replacement, "replacement_verdict": self.replacement_verdict,
            "notes": list(self.notes), "facets": [f.to_json() for f in self.facets],
        }  # fmt: skip


@dataclass(frozen=True)
class Upgrade:
    before: RunReport
    after: RunReport
    changes: tuple[ClaimChange, ...]

    @property
    def head(self) -> str:
        b, a = self.before.environment, self.after.environment
        claims = sum(c.verdict_changed and c.before is not None for c in self.changes)
        facets = sum(len(c.facets) for c in self.changes)
        return (
            f"torch {b.subject_version} → {a.subject_version} ({b.name} → {a.name}): {claims} claim(s) changed "
            f"verdict, {facets} facet(s) changed"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "from": {"environment": self.before.environment.name, "version": self.before.environment.subject_version},
            "to": {"environment": self.after.environment.name, "version": self.after.environment.subject_version},
            "summary": self.head,
            "changes": [c.to_json() for c in self.changes],
        }


def _notes(claim: ClaimResult) -> tuple[str, ...]:
    if claim.verdict != PARTLY:
        return ()
    return tuple(f"{f.name}{' (coverage)' if f.coverage else ''}: {f.summary}" for f in claim.edges)


def upgrade(before: RunReport, after: RunReport) -> Upgrade:
    """Every change between the two reports: claims whose verdict changed first, then facet-only changes.

    Reports of different schema versions decide verdicts by different rules: BisectError, never a diff."""
    if before.schema_version != after.schema_version:
        raise BisectError(
            f"the reports of {before.environment.name} (schema {before.schema_version}) and "
            f"{after.environment.name} (schema {after.schema_version}) follow different verdict rules; "
            "regenerate the older one with a claims run of its version"
        )
    old = {c.id: c for c in before.claims}
    changes = []
    for claim in after.claims:
        previous = old.get(claim.id)
        facets = []
        if previous is not None:
            was_by_name = {f.name: f for f in previous.facets}
            for facet in claim.facets:
                was = was_by_name.get(facet.name)
                if was is None or was.verdict == facet.verdict or facet.name == WHOLE:
                    continue
                kind = "domain" if facet.domain or was.domain else "coverage" if facet.coverage or was.coverage else ""
                facets.append(
                    FacetChange(facet.name, facet.in_scope, kind, was.verdict, facet.verdict, was.summary,
                                facet.summary)
                )  # fmt: skip
        if previous is not None and previous.verdict == claim.verdict and not facets:
            continue
        changes.append(
            ClaimChange(
                claim.id, claim.addition, previous.verdict if previous else None, claim.verdict,
                previous.summary if previous else "", claim.summary,
                claim.replacement.idiom if claim.replacement else None,
                claim.replacement.verdict if claim.replacement else None, _notes(claim), tuple(facets),
            )
        )  # fmt: skip
    changes.sort(key=lambda c: not c.verdict_changed)  # stable: document order within each group
    return Upgrade(before, after, tuple(changes))


def text(notes: Upgrade, limit: int = SHORT) -> list[str]:
    """The notes as terminal lines (evidence shortened to `limit` characters)."""
    out = [notes.head]
    for c in notes.changes:
        whose = " (the suite's addition)" if c.addition else ""
        if c.before is None:
            out.append(f"{c.id}: new in {notes.after.environment.name}: {c.after}{whose}")
            out.append(f"    {shorten(c.after_summary, limit)}")
        elif c.verdict_changed:
            out += [
                f"{c.id}: {c.before} → {c.after}{whose}",
                f"    before: {shorten(c.before_summary, limit)}",
                f"    after:  {shorten(c.after_summary, limit)}",
            ]
        else:
            out.append(f"{c.id}: {c.after} at both{whose}")
        for number, note in enumerate(c.notes, 1):
            out.append(f"    {number}. {shorten(note, limit)}")
        if c.replacement and c.after != "holds":
            out.append(f"    instead: {c.replacement} ({c.replacement_verdict} in {notes.after.environment.name})")
        for f in c.facets:
            scope = "in scope" if f.in_scope else "beyond scope"
            kind = f", {f.kind}" if f.kind else ""
            out += [
                f"  facet {f.name} ({scope}{kind}): {f.before} → {f.after}",
                f"    before: {shorten(f.before_summary, limit)}",
                f"    after:  {shorten(f.after_summary, limit)}",
            ]
    return out


def diff(before: RunReport, after: RunReport) -> list[str]:
    """Lines a user reads before moving from `before`'s torch to `after`'s: every change, with both sides' evidence."""
    return text(upgrade(before, after))


def markdown(notes: Upgrade, limit: int = SHORT) -> str:
    """The notes as Markdown (a pull request's description, say), lines within GitHub's width."""
    b, a = notes.before.environment, notes.after.environment
    out = [
        f"# Upgrading torch {escape(b.subject_version)} → {escape(a.subject_version)}",
        "",
        *wrap(escape(notes.head)),
        "",
    ]
    if not notes.changes:
        out.append("No claim or facet changed verdict.")
    for c in notes.changes:
        whose = " *(the suite's addition)*" if c.addition else ""
        before = f"{MARKS.get(c.before, '?')} {c.before} → " if c.before else "new: "
        out += wrap(
            f"{inline_code(c.id)}{whose}: {before}{MARKS.get(c.after, '?')} {c.after} — "
            f"{escape(shorten(c.after_summary, limit))}"
            + (f" (before: {escape(shorten(c.before_summary, limit))})" if c.before and c.verdict_changed else ""),
            "- ",
        )
        for number, note in enumerate(c.notes, 1):
            out += wrap(f"{number}. {escape(shorten(note, limit))}", "  ", "     ")
        if c.replacement and c.after != "holds":
            out += wrap(f"**Instead:** {inline_code(c.replacement)} ({c.replacement_verdict} in {escape(a.name)})",
                        "  - ", "    ")  # fmt: skip
        for f in c.facets:
            scope = "in scope" if f.in_scope else "beyond scope"
            kind = f", {f.kind}" if f.kind else ""
            out += wrap(
                f"facet {escape(f.name)} ({scope}{kind}): {f.before} → {f.after} — "
                f"{escape(shorten(f.after_summary if f.after != 'holds' else f.before_summary, limit))}",
                "  - ",
                "    ",
            )
    return "\n".join(out).rstrip() + "\n"
