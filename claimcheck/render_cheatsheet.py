"""Render a run report as the document corrected for that environment.

The document's sections in order; under each, its claims with a verdict mark,
a line of evidence where the claim does not hold, and the verified
replacement. Quotes stay short and link to the pinned upstream revision.
"""

from __future__ import annotations

from .render_markdown import escape, inline_code, summary_line
from .verdicts import HOLDS, MARKS

_ADVICE = {
    "broken": "false as written",
    "deprecated": "works, but torch says it is deprecated or has no effect",
    "not-run": "not checked here",
    "error": "could not be checked (a bug of the suite or the environment)",
}


def _claim_lines(claim: dict[str, object], url: str) -> list[str]:
    lines = ", ".join(f"[L{n}]({url}#L{n})" for n in claim["lines"])
    out = [
        "- {} {} {} — {}".format(MARKS[claim["verdict"]], lines, inline_code(claim["quote"]), escape(claim["wording"]))
    ]
    if claim["verdict"] != HOLDS:
        out.append("  - *{}*: {}".format(_ADVICE[claim["verdict"]], escape(claim["summary"])))
    replacement = claim["replacement"]
    if replacement and claim["verdict"] != HOLDS:
        out.append(
            "  - **instead:** {} {} {}".format(
                inline_code(replacement["idiom"]),
                MARKS[replacement["verdict"]],
                "verified here" if replacement["verdict"] == HOLDS else escape(replacement["summary"]),
            )
        )
    return out


def render(report: dict[str, object]) -> str:
    document = report["suite"]["document"]
    url = document["url"]
    env = report["environment"]
    out = [
        "# {}, checked against {}".format(escape(document["title"]), escape(env["name"])),
        "",
        "The [original]({}) (commit `{}`), statement by statement, with what this environment says of it. "
        "Generated from `report.json` in this folder by a run on {}; each quote links to its line.".format(
            url, document["commit"][:12], escape(report["run"]["started"])
        ),
        "",
        "**{}**".format(summary_line(report["summary"])),
    ]
    claims = report["claims"]
    for section in report["suite"]["sections"]:
        in_section = [c for c in claims if c["section"] == section]
        if not in_section:
            continue
        out += ["", f"## {escape(section)}"]
        topics: list[object] = []
        for claim in in_section:
            if claim["topic"] not in topics:
                topics.append(claim["topic"])
        for topic in topics:
            if topic:
                out += ["", f"### {escape(topic)}"]
            out.append("")
            for claim in in_section:
                if claim["topic"] == topic:
                    out.extend(_claim_lines(claim, url))
    return "\n".join(out).rstrip() + "\n"
