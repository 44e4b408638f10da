"""The compatibility report as Markdown: what is wrong in the newest torch and since when, what each release
changed, then the grid (claims down, version ranges across).

The opening parts are lists, not tables, so that they read at GitHub's width
without scrolling sideways. The grid's columns are labelled by version
(render.labels); the builds are named once, in a legend line. A footnote
marks only a cell where the verdict changed from the column before, and one
text is one footnote however often it recurs.
"""

from __future__ import annotations

from typing import Sequence

from ..model import Change, Matrix, MatrixRow
from ..verdicts import HOLDS, MARKS, NEEDS_ATTENTION
from . import labels as naming
from .text import References, cell_code, escape, inline_code, shorten, wrap

#: Longest evidence text in a list line; the full text is in that version's report.
SHORT = 200


def render(matrix: Matrix) -> str:
    names = naming.version_labels(matrix)
    newest = matrix.columns[-1] if matrix.columns else None
    refs = References()
    out = [
        "# The cheatsheet's claims across torch releases",
        "",
        *wrap(
            f"Merged from {len(matrix.columns)} run reports, torch {_span(matrix, names)} "
            f"(generated {escape(matrix.generated)}). Each run's own report is in its folder beside this file."
        ),
        "",
    ]
    if matrix.skipped:
        out += [*wrap("Skipped (unreadable): " + "; ".join(escape(s.reason) for s in matrix.skipped)), ""]
    if newest is not None:
        out += _wrong_in(matrix, newest, names, refs)
        out += _changes_by_release(matrix, names)
    out += _grid(matrix, names, refs)
    out += ["", *refs.definitions()]
    return "\n".join(out).rstrip() + "\n"


def _span(matrix: Matrix, names: dict[str, str]) -> str:
    if not matrix.columns:
        return "(none)"
    return naming.range_label(list(matrix.columns), names)


def _since(row: MatrixRow, env: str, columns: Sequence[str], names: dict[str, str]) -> str:
    """Since when the newest verdict has had its present reason (the merge's `since`), as a reader says it."""
    start = row.since or env
    checked = [c for c in columns if c in row.cells]
    label = names.get(start, start)
    return f"{label} (the oldest checked)" if start == checked[0] else label


def _wrong_in(matrix: Matrix, newest: str, names: dict[str, str], refs: References) -> list[str]:
    label = names.get(newest, newest)
    rows = [r for r in matrix.claims if newest in r.cells and r.cells[newest].verdict in NEEDS_ATTENTION]
    ours = [r for r in rows if not r.addition]
    out = [
        f"## Wrong in torch {escape(label)}",
        "",
        *wrap(
            f"The cheatsheet's statements that are broken (false in their own use), partly true (false on an edge "
            f"of their scope) or deprecated in torch {escape(label)}, the newest release checked; since which release "
            "they are so for the reason they are so now, the evidence, and what to write instead."
        ),
        "",
    ]
    if not ours:
        out += ["None: every statement checked holds or could not be checked here.", ""]
    ours.sort(key=lambda r: (NEEDS_ATTENTION.index(r.cells[newest].verdict), r.lines))
    for row in ours:
        out.extend(_wrong_line(row, newest, matrix.columns, names, refs))
    additions = [r for r in rows if r.addition]
    if additions:
        out += [
            "",
            *wrap(
                "The suite's own additions (claims the cheatsheet does not make; never counted for or against it): "
                + "; ".join(f"{cell_code(r.id)} {MARKS[r.cells[newest].verdict]}" for r in additions)
            ),
        ]
    return [*out, ""]


def _wrong_line(
    row: MatrixRow, newest: str, columns: Sequence[str], names: dict[str, str], refs: References
) -> list[str]:
    cell = row.cells[newest]
    instead = f" **Instead:** {inline_code(row.replacement)}" if row.replacement else ""
    return wrap(
        f"{MARKS[cell.verdict]} {cell.verdict} since {escape(_since(row, newest, columns, names))}: "
        f"{inline_code(row.id)} ({refs.link('line ' + str(row.lines[0]), row.url)}) "
        f"{inline_code(shorten(row.quote, 90))} — {escape(shorten(cell.summary, SHORT))}{instead}",
        "- ",
    )


def _changes_by_release(matrix: Matrix, names: dict[str, str]) -> list[str]:
    by_release: dict[str, list[tuple[MatrixRow, Change]]] = {}
    for row in matrix.claims:
        for change in (*row.changed, *row.facet_changes, *row.replacement_changes):
            by_release.setdefault(change.at, []).append((row, change))
    out = [
        "## Changes by release",
        "",
        *wrap(
            "What each release changed against the one checked before it: first the claims whose verdict changed, "
            "then the facets (parts of a claim's domain: a dtype family, a layout, special values). A facet beyond "
            "the statement's scope is a limit, never the verdict; a *domain* change is torch gaining a facet's input "
            "(a dtype the suite can build), and a *coverage* change is the statement's call gaining (or losing) a "
            "kernel for the facet's dtype: neither is a change of what the claim computes."
        ),
        "",
    ]
    if not by_release:
        return [*out, "No verdict changed between the releases checked.", ""]
    for env in matrix.columns:
        changes = by_release.get(env)
        if not changes:
            continue
        claims = [(r, c) for r, c in changes if c.facet is None and c.kind != "replacement"]
        facets = [(r, c) for r, c in changes if c.facet is not None]
        replacements = [(r, c) for r, c in changes if c.kind == "replacement"]
        before = names.get(changes[0][1].after, changes[0][1].after)
        out += [
            f"### {escape(names.get(env, env))}",
            "",
            f"Against {escape(before)}: {len(claims)} claim(s) and {len(facets)} facet(s) changed"
            + (f", and {len(replacements)} replacement(s)." if replacements else "."),
            "",
        ]
        for row, change in claims:
            out.extend(
                wrap(
                    f"{inline_code(row.id)}{_whose(row)}: {_turn(change)}{_replayed(change)} — "
                    f"{escape(shorten(change.summary, SHORT))}"
                    + (f" (before: {escape(shorten(change.before_summary, 120))})" if change.verdict == HOLDS else ""),
                    "- ",
                )
            )
        for row, change in facets:
            scope = "in scope" if change.in_scope else "beyond scope"
            kind = {"domain": ", a domain change", "coverage": ", a coverage change"}.get(change.kind, "")
            evidence = change.before_summary if change.verdict == HOLDS else change.summary
            out.extend(
                wrap(
                    f"{inline_code(row.id)}{_whose(row)} · facet {escape(change.facet or '')} ({scope}{kind}): "
                    f"{_turn(change)}{_replayed(change)} — {escape(shorten(evidence, 160))}",
                    "- ",
                )
            )
        for row, change in replacements:
            out.extend(
                wrap(
                    f"{inline_code(row.id)}{_whose(row)} · replacement: {_turn(change)} — "
                    f"{escape(shorten(change.summary, 160))}",
                    "- ",
                )
            )
        out.append("")
    return out


def _replayed(change: Change) -> str:
    """At a search boundary: whether the counterexample, replayed on the other side, confirmed the change."""
    if change.replay is None:
        return ""
    r = change.replay
    if change.confirmed:
        return f" (confirmed across {escape(r['boundary'])}: replayed on the other side, {escape(shorten(r['replayed'], 60))})"
    return (
        f" (**unconfirmed**: across {escape(r['boundary'])} the counterexample fails on both sides, "
        f"{escape(shorten(r['expected'], 50))} and {escape(shorten(r['replayed'], 50))}: the search missed it)"
    )


def _whose(row: MatrixRow) -> str:
    return " *(the suite's addition)*" if row.addition else ""


def _turn(change: Change) -> str:
    return "{} {} → {} {}".format(
        MARKS.get(change.before_verdict, "?"), change.before_verdict, MARKS.get(change.verdict, "?"), change.verdict
    )


def _grid(matrix: Matrix, names: dict[str, str], refs: References) -> list[str]:
    groups = matrix.column_groups()
    heads = [naming.range_label(g, names) for g in groups]
    out = [
        "## Grid",
        "",
        *wrap(
            "One column per run of neighbouring releases with identical verdicts; a footnote where a verdict "
            "changed from the column before. The share of claims that hold counts the claims that ran."
        ),
        "",
        *wrap(escape(naming.legend(matrix)) + "."),
        "",
        "| holding | " + " | ".join(escape(h) for h in heads) + " |",
        "|---|" + "---|" * len(heads),
        "| share of claims that hold | " + " | ".join(_share(matrix.holding_share.get(g[0])) for g in groups) + " |",
        "",
    ]
    notes: dict[str, int] = {}
    for section in matrix.sections:
        rows = [r for r in matrix.claims if r.section == section]
        if not rows:
            continue
        out += [
            f"### {escape(section)}",
            "",
            "| claim | line | quote | " + " | ".join(escape(h) for h in heads) + " |",
            "|---|---|---|" + "---|" * len(heads),
        ]
        for row in rows:
            cells, last = [], None
            for group in groups:
                cell = row.cells.get(group[0])
                if cell is None:
                    cells.append("")
                    continue
                mark = MARKS[cell.verdict]
                if last is not None and cell.verdict != last:
                    text = f"{escape(row.id)} at {escape(names.get(group[0], group[0]))}: {escape(shorten(cell.summary, SHORT))}"
                    number = notes.setdefault(text, len(notes) + 1)
                    mark += f"[^{number}]"
                last = cell.verdict
                cells.append(mark)
            addition = " (the suite's addition)" if row.addition else ""
            out.append(
                "| {}{} | {} | {} | {} |".format(
                    cell_code(row.id),
                    addition,
                    refs.link(str(row.lines[0]), row.url),
                    cell_code(shorten(row.quote, 48)),
                    " | ".join(cells),
                )
            )
        out.append("")
    if notes:
        out += ["", "---", ""]
        for text, number in notes.items():
            out.extend(wrap(text, f"[^{number}]: ", "    "))
    return out


def _share(value: object) -> str:
    return "—" if value is None else f"{value:.0%}"


__all__ = ["render"]
