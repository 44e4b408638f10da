"""A run report as the document corrected for that environment.

The document's sections in order; under each, its claims with a verdict mark,
a line of evidence where the claim does not hold, and the verified
replacement. Quotes stay short and link to the pinned upstream revision.
"""

from __future__ import annotations

from ..model import ClaimResult, RunReport
from ..verdicts import ADVICE, HOLDS, MARKS, PARTLY
from .report_md import edge_notes
from .text import References, escape, inline_code, shorten, summary_line, wrap


def _claim_lines(claim: ClaimResult, refs: References, url: str) -> list[str]:
    lines = refs.lines(claim.lines, url, label="L{0}")
    out = wrap(f"{MARKS[claim.verdict]} {lines} {inline_code(claim.quote)} — {escape(claim.wording)}", "- ")
    if claim.verdict != HOLDS:
        out.extend(wrap(f"*{ADVICE[claim.verdict]}*: {escape(shorten(claim.summary, 400))}", "  - ", "    "))
    if claim.verdict == PARTLY:
        for note in edge_notes(claim):
            out.extend(wrap(note, "    ", "       "))
    if claim.limits:
        beyond = "; ".join(f"{escape(f.name)}: {escape(shorten(f.summary, 160))}" for f in claim.limits)
        out.extend(wrap(f"*limits, beyond the statement's scope*: {beyond}", "  - ", "    "))
    replacement = claim.replacement
    if replacement and claim.verdict != HOLDS:
        out.extend(
            wrap(
                "**instead:** {} {} {}".format(
                    inline_code(replacement.idiom),
                    MARKS[replacement.verdict],
                    "verified here" if replacement.verdict == HOLDS else escape(shorten(replacement.summary, 300)),
                ),
                "  - ",
                "    ",
            )
        )
    return out


def render(report: RunReport) -> str:
    document = report.suite.document
    url = document.url
    refs = References()
    out = [
        f"# {escape(document.title)}, checked against {escape(report.environment.name)}",
        "",
        *wrap(
            "The {} (commit {}), statement by statement, with what this environment says of it. "
            "Generated from `report.json` in this folder by a run on {}; each quote links to its line.".format(
                refs.link("original", url), inline_code(document.commit[:12]), escape(report.run.started)
            )
        ),
        "",
        f"**{summary_line(report.summary)}**",
    ]
    for section in report.suite.sections:
        in_section = [c for c in report.claims if c.section == section and not c.addition]
        if not in_section:
            continue
        out += ["", f"## {escape(section)}"]
        topics: list[str | None] = []
        for claim in in_section:
            if claim.topic not in topics:
                topics.append(claim.topic)
        for topic in topics:
            if topic:
                out += ["", f"### {escape(topic)}"]
            out.append("")
            out.extend(line for claim in in_section if claim.topic == topic for line in _claim_lines(claim, refs, url))
    additions = [c for c in report.claims if c.addition]
    if additions:
        out += [
            "",
            "## The suite's additions",
            "",
            "Not said by the cheatsheet; checked because its reader relies on them.",
            "",
        ]
        for claim in additions:
            out.extend(_claim_lines(claim, refs, url))
    out += ["", *refs.definitions()]
    return "\n".join(out).rstrip() + "\n"
