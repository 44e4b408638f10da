"""A run report as Markdown for people: summary, environment, one table per section, measurements, evidence."""

from __future__ import annotations

import re
from typing import Sequence

from ..model import WHOLE, Check, ClaimResult, RunReport
from ..verdicts import NEEDS_ATTENTION
from .text import cell_code, code, escape, inline_code, line_links, link, quantity, shorten, summary_line, verdict_cell


def _environment(report: RunReport) -> list[str]:
    env, run = report.environment, report.run
    hyp = run.hypothesis
    rows = [
        ("environment", env.name),
        (
            "subject",
            ", ".join(f"{k}={v}" for k, v in sorted(env.subject.items()) if not isinstance(v, (dict, list))),
        ),
        ("Python", "{} {}".format(env.python.get("implementation"), env.python.get("version"))),
        ("packages", ", ".join(f"{k} {v}" for k, v in sorted(env.packages.items()))),
        ("platform", "{} ({} cores, {})".format(env.platform, env.cpu.get("count"), env.cpu.get("model"))),
        ("run", f"started {run.started} · {run.duration_s:.1f} s · {run.checks} checks"),
        (
            "Hypothesis",
            "profile {} · seed {} · max_examples {}".format(
                hyp.profile, "derandomized" if hyp.derandomize else hyp.seed, hyp.max_examples
            ),
        ),
        (
            "suite",
            f"{report.suite.name} {report.suite.version} · registry sha256 {report.suite.registry_sha256[:12]}",
        ),
    ]
    if run.variants:
        rows.append(("main run", f"{run.main_setting or ''}: decides every verdict and the expectations gate"))
        for variant in run.variants:
            seen = ", ".join(f"{k}={v}" for k, v in sorted(variant.subject.items()) if "cpu" in k or "capab" in k)
            rows.append((f"variant {variant.name}", f"{variant.setting}{' · ' + seen if seen else ''}"))
    (first, name), rest = rows[0], rows[1:]
    out = [f"| {first} | {escape(name)} |", "|---|---|"]
    out.extend(f"| {k} | {escape(v)} |" for k, v in rest)
    return out


def _measurements(claims: Sequence[ClaimResult]) -> list[str]:
    """Every measured figure, by claim, with the statements it supports."""
    out: list[str] = []
    for c in claims:
        checks: list[tuple[str | None, Check]] = [(None, k) for k in c.checks]
        if c.replacement:
            checks += [(c.replacement.idiom, k) for k in c.replacement.checks]
        measured = [(idiom, k) for idiom, k in checks if k.measurements]
        if not measured:
            continue
        out += [
            "### {} (line {})".format(escape(c.id), ", ".join(str(n) for n in c.lines)),
            "",
            f"> {inline_code(c.quote)}",
            "",
        ]
        for idiom, k in measured:
            role = f"replacement {inline_code(idiom)}" if idiom else "as written"
            out.append("{} ({}): {}".format(inline_code(k.nodeid.split("::", 1)[-1]), role, verdict_cell(k.verdict)))
            out.append("")
            out.extend(f"- {escape(note)}" for note in k.notes)
            out += ["", "| figure | median | IQR | rounds |", "|---|---|---|---|"]
            for m in k.measurements:
                out.append(
                    "| {} | {} | {} | {} |".format(
                        escape(m.name),
                        escape(quantity(m.value, m.unit)),
                        escape(quantity(m.iqr, m.unit)) if m.iqr is not None else "",
                        "" if m.rounds is None else m.rounds,
                    )
                )
            out.append("")
    if not out:
        return []
    return [
        "",
        "## Measurements",
        "",
        "Figures measured in this run; a ratio compares figures taken together in one check."
        " Medians over the rounds shown; IQR is the interquartile range.",
        "",
        *out,
    ]


def _check_details(check: Check) -> list[str]:
    facet = "" if check.facet == WHOLE else f" [{escape(check.facet)}]"
    out = [f"- {verdict_cell(check.verdict)} {inline_code(check.nodeid)}{facet} ({check.duration_s:.2f} s)"]
    if check.skip_reason:
        out.append(f"  - skipped: {escape(check.skip_reason)}")
    if check.error:
        out.append(f"  - {escape(check.error.type)}: {escape(check.error.message)}")
    for warning in check.deprecations:
        out.append(f"  - warning ({escape(warning.category)}): {escape(warning.message)}")
    for note in check.notes:
        out.append(f"  - {escape(note)}")
    for measure in check.measurements:
        out.append(
            "  - {} = **{}**{}".format(
                escape(measure.name),
                escape(quantity(measure.value, measure.unit)),
                f" ({escape(measure.detail)})" if measure.detail else "",
            )
        )
    if check.snippet:
        out.append("")
        out.extend("  " + line for line in code(check.snippet, "python").splitlines())
        out.append("")
    return out


def _anchor(claim_id: str) -> str:
    """The heading anchor GitHub makes of `### <id>`."""
    return re.sub(r"[^a-z0-9_-]", "", claim_id.lower())


def limits_text(claim: ClaimResult) -> str:
    """The claim's limits in one line: each facet beyond its scope that does not hold, with its verdict."""
    return "; ".join(f"{escape(f.name)}: {verdict_cell(f.verdict)}" for f in claim.limits)


def _claims_table(claims: Sequence[ClaimResult], url: str) -> list[str]:
    out = [
        "| claim | lines | quote | verdict | evidence | limits (beyond scope) | replacement |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in claims:
        replacement = ""
        if c.replacement:
            replacement = f"{cell_code(c.replacement.idiom)} → {verdict_cell(c.replacement.verdict)}"
        out.append(
            f"| [{cell_code(c.id)}](#{_anchor(c.id)}) | {line_links(c.lines, url)} | {cell_code(c.quote)} "
            f"| {verdict_cell(c.verdict)} | {escape(c.summary)} | {limits_text(c)} | {replacement} |"
        )
    return out


def _facets(claim: ClaimResult) -> list[str]:
    if len(claim.facets) == 1 and claim.facets[0].in_scope:
        return []
    out = ["| facet | scope | verdict | evidence |", "|---|---|---|---|"]
    for f in claim.facets:
        scope = "in scope" if f.in_scope else f"beyond: {escape(f.why or '')}"
        if f.domain:
            scope += " (not in this torch's domain)"
        if f.coverage:
            scope += " (coverage: the call refuses the facet's dtype or kernel)"
        evidence = escape(f.summary)
        if len({v.verdict for v in f.variants}) > 1:
            evidence += " **Differs by variant:** " + "; ".join(
                f"{escape(v.name)}: {verdict_cell(v.verdict)} {escape(shorten(v.summary, 200))}" for v in f.variants
            )
        out.append(f"| {escape(f.name)} | {scope} | {verdict_cell(f.verdict)} | {evidence} |")
    return [*out, ""]


def _at_a_glance(report: RunReport, url: str) -> list[str]:
    """Every claim a reader must act on, one line each: what is wrong, where, and what to write instead."""
    wrong = [c for c in report.claims if c.verdict in NEEDS_ATTENTION]
    if not wrong:
        return ["", "## At a glance", "", "No claim is broken or deprecated in this environment."]
    out = ["", "## At a glance", ""]
    for c in sorted(wrong, key=lambda c: (c.addition, NEEDS_ATTENTION.index(c.verdict), c.lines)):
        instead = f" **Instead:** {inline_code(c.replacement.idiom)}" if c.replacement else ""
        whose = " *(the suite's addition)*" if c.addition else ""
        out.append(
            f"- {verdict_cell(c.verdict)} [{inline_code(c.id)}](#{_anchor(c.id)}) (line "
            f"{line_links(c.lines, url)}){whose}: {inline_code(c.quote)} — "
            f"{escape(shorten(c.summary, 240).rstrip('.'))}.{instead}"
        )
    return out


def render(report: RunReport) -> str:
    document = report.suite.document
    url = document.url
    claims = [c for c in report.claims if not c.addition]
    additions = [c for c in report.claims if c.addition]
    status = "" if report.run.complete else f" (PARTIAL: {escape(report.run.partial_reason or 'unknown')})"
    out = [
        f"# Claims report: {escape(report.environment.name)}{status}",
        "",
        f"**{summary_line(report.summary)}** across the cheatsheet's {len(claims)} claims",
    ]
    if additions:
        out += [
            "",
            f"The suite's own additions ({len(additions)}, shown apart): {summary_line(report.additions_summary)}",
        ]
    out += [
        "",
        f"Checked against {link(escape(document.title), url)} at commit {inline_code(document.commit[:12])}. "
        "Written from `report.json` beside this file. A claim's verdict comes from the facets in the "
        "statement's scope; facets beyond it are checked too and listed as its limits.",
    ]
    out.extend(_at_a_glance(report, url))
    out += ["", "## Environment", ""]
    out.extend(_environment(report))
    for section in report.suite.sections:
        rows = [c for c in claims if c.section == section]
        if rows:
            out += ["", f"## {escape(section)}", "", *_claims_table(rows, url)]
    if additions:
        out += [
            "",
            "## The suite's additions",
            "",
            "Claims the cheatsheet does not make, checked because a reader relies on them; they never count "
            "for or against the cheatsheet.",
            "",
            *_claims_table(additions, url),
        ]
    out.extend(_measurements(report.claims))
    out += ["", "## Evidence", ""]
    for c in report.claims:
        out += [
            f"### {escape(c.id)}",
            "",
            f"> line {line_links(c.lines, url)}: {inline_code(c.quote)}",
            "",
            f"{verdict_cell(c.verdict)} — {escape(c.wording)}" + (" *(the suite's addition)*" if c.addition else ""),
            "",
        ]
        if c.scope:
            out += [f"Scope: {escape(c.scope)}", ""]
        if c.note:
            out += [f"*{escape(c.note)}*", ""]
        out.extend(_facets(c))
        for check in c.checks:
            out.extend(_check_details(check))
        if c.replacement:
            r = c.replacement
            out += ["", f"Replacement {inline_code(r.idiom)}: {verdict_cell(r.verdict)}", ""]
            for check in r.checks:
                out.extend(_check_details(check))
        out.append("")
    return "\n".join(out).rstrip() + "\n"
