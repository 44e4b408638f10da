"""A run report as Markdown for people: summary, environment, one table per section, measurements, evidence."""

from __future__ import annotations

import re
from typing import Sequence

from ..model import WHOLE, Check, ClaimResult, RunReport
from ..verdicts import NEEDS_ATTENTION, PARTLY
from .text import References, code, escape, inline_code, quantity, shorten, summary_line, verdict_cell, wrap


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
    out = []
    for key, value in rows:
        out.extend(wrap(f"**{key}**: {escape(value)}", "- "))
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
    out = wrap(f"{verdict_cell(check.verdict)} {inline_code(check.nodeid)}{facet} ({check.duration_s:.2f} s)", "- ")
    items = []
    if check.skip_reason:
        items.append(f"skipped: {escape(check.skip_reason)}")
    if check.error:
        items.append(f"{escape(check.error.type)}: {escape(check.error.message)}")
    items += [f"warning ({escape(w.category)}): {escape(w.message)}" for w in check.deprecations]
    items += [escape(note) for note in check.notes]
    for measure in check.measurements:
        items.append(
            "{} = **{}**{}".format(
                escape(measure.name),
                escape(quantity(measure.value, measure.unit)),
                f" ({escape(measure.detail)})" if measure.detail else "",
            )
        )
    for item in items:
        out.extend(wrap(item, "  - ", "    "))
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


def edge_notes(claim: ClaimResult, limit: int = 110) -> list[str]:
    """A partly claim's numbered notes: each in-scope edge facet that does not hold, with one line of evidence."""
    out = []
    for number, f in enumerate(claim.edges, 1):
        kind = " (coverage)" if f.coverage else ""
        evidence = _FAILED.sub("", f.summary)  # the facet is named already
        out.append(f"{number}. {escape(f.name)}{kind}: {verdict_cell(f.verdict)} {escape(shorten(evidence, limit))}")
    return out


#: The head of a failing facet's summary ("failed (complex): ", "2 of 3 checks failed (a, b): ").
_FAILED = re.compile(r"^(\d+ of \d+ checks )?failed( \([^)]*\))?: ")


def _claims_list(claims: Sequence[ClaimResult], refs: References, url: str) -> list[str]:
    """One item per claim: verdict, id, line, quote, the first line of evidence, limits and replacement."""
    out = []
    for c in claims:
        text = (
            f"{verdict_cell(c.verdict)} [{inline_code(c.id)}](#{_anchor(c.id)}) (line {refs.lines(c.lines, url)}) "
            f"{inline_code(shorten(c.quote, 70))} — {escape(shorten(c.summary, 200))}"
        )
        if c.limits:
            text += f" · limits: {limits_text(c)}"
        if c.replacement:
            text += f" · **Instead:** {inline_code(c.replacement.idiom)} → {verdict_cell(c.replacement.verdict)}"
        out.extend(wrap(text, "- "))
    return out


def _facets(claim: ClaimResult) -> list[str]:
    if len(claim.facets) == 1 and claim.facets[0].in_scope:
        return []
    out = []
    for f in claim.facets:
        if not f.in_scope:
            scope = f"beyond scope ({escape(f.why or '')})"
        else:
            scope = "core" if f.core else "in scope"
        if f.domain:
            scope += ", not in this torch's domain"
        if f.coverage:
            scope += ", coverage: the call refuses the facet's dtype or kernel"
        evidence = escape(f.summary)
        if len({v.verdict for v in f.variants}) > 1:
            evidence += " **Differs by variant:** " + "; ".join(
                f"{escape(v.name)}: {verdict_cell(v.verdict)} {escape(shorten(v.summary, 200))}" for v in f.variants
            )
        out.extend(wrap(f"{verdict_cell(f.verdict)} facet **{escape(f.name)}** ({scope}): {evidence}", "- "))
    return [*out, ""]


def _at_a_glance(report: RunReport, refs: References, url: str) -> list[str]:
    """Every claim a reader must act on, one item each: what is wrong, where, what to write instead; a claim that
    holds partly with its numbered notes (the edge facets that fail)."""
    wrong = [c for c in report.claims if c.verdict in NEEDS_ATTENTION]
    if not wrong:
        return ["", "## At a glance", "", "No claim is broken, partly true or deprecated in this environment."]
    out = ["", "## At a glance", ""]
    for c in sorted(wrong, key=lambda c: (c.addition, NEEDS_ATTENTION.index(c.verdict), c.lines)):
        instead = f" **Instead:** {inline_code(c.replacement.idiom)}" if c.replacement else ""
        whose = " *(the suite's addition)*" if c.addition else ""
        out.extend(
            wrap(
                f"{verdict_cell(c.verdict)} [{inline_code(c.id)}](#{_anchor(c.id)}) (line "
                f"{refs.lines(c.lines, url)}){whose}: {inline_code(shorten(c.quote, 70))} — "
                f"{escape(shorten(c.summary, 240).rstrip('.'))}.{instead}",
                "- ",
            )
        )
        if c.verdict == PARTLY:
            for note in edge_notes(c):
                out.extend(wrap(note, "  ", "     "))
    return out


def render(report: RunReport) -> str:
    document = report.suite.document
    url = document.url
    refs = References()
    claims = [c for c in report.claims if not c.addition]
    additions = [c for c in report.claims if c.addition]
    status = "" if report.run.complete else f" (PARTIAL: {escape(report.run.partial_reason or 'unknown')})"
    out = [
        f"# Claims report: {escape(report.environment.name)}{status}",
        "",
        *wrap(f"**{summary_line(report.summary)}** across the cheatsheet's {len(claims)} claims"),
    ]
    if additions:
        out += [
            "",
            *wrap(
                f"The suite's own additions ({len(additions)}, shown apart): {summary_line(report.additions_summary)}"
            ),
        ]
    out += [
        "",
        *wrap(
            f"Checked against {refs.link(escape(document.title), url)} at commit {inline_code(document.commit[:12])}. "
            "Written from `report.json` beside this file. A claim's verdict comes from the facets in the statement's "
            "scope: broken when a core facet (the statement's own use) fails, partly when only an edge of its scope "
            "does; facets beyond the scope are checked too and listed as its limits."
        ),
    ]
    out.extend(_at_a_glance(report, refs, url))
    for section in report.suite.sections:
        rows = [c for c in claims if c.section == section]
        if rows:
            out += ["", f"## {escape(section)}", "", *_claims_list(rows, refs, url)]
    if additions:
        out += [
            "",
            "## The suite's additions",
            "",
            *wrap(
                "Claims the cheatsheet does not make, checked because a reader relies on them; they never count "
                "for or against the cheatsheet."
            ),
            "",
            *_claims_list(additions, refs, url),
        ]
    out += ["", "## Environment", ""]
    out.extend(_environment(report))
    out.extend(_measurements(report.claims))
    out += ["", "## Evidence", "", "Each claim's facets and checks, folded: open a claim to read them.", ""]
    for c in report.claims:
        out += [
            f"### {escape(c.id)}",
            "",
            *wrap(f"line {refs.lines(c.lines, url)}: {inline_code(c.quote)}", "> "),
            "",
            *wrap(
                f"{verdict_cell(c.verdict)} — {escape(c.wording)}" + (" *(the suite's addition)*" if c.addition else "")
            ),
            "",
        ]
        if c.scope:
            out += [*wrap(f"Scope: {escape(c.scope)}"), ""]
        if c.note:
            out += [*wrap(f"*{escape(c.note)}*"), ""]
        out += ["<details><summary>facets and checks</summary>", ""]
        out.extend(_facets(c))
        for check in c.checks:
            out.extend(_check_details(check))
        if c.replacement:
            r = c.replacement
            out += ["", *wrap(f"Replacement {inline_code(r.idiom)}: {verdict_cell(r.verdict)}"), ""]
            for check in r.checks:
                out.extend(_check_details(check))
        out += ["", "</details>", ""]
    out += ["", *refs.definitions()]
    return "\n".join(out).rstrip() + "\n"
