"""The compatibility matrix as Markdown: one verdict mark per cell, evidence as footnotes."""

from __future__ import annotations

from ..model import Matrix
from ..verdicts import HOLDS, MARKS
from .text import cell_code, escape, link


def render(matrix: Matrix) -> str:
    groups = matrix.column_groups()
    heads = [g[0] if len(g) == 1 else f"{g[0]} … {g[-1]}" for g in groups]
    out = [
        "# Compatibility of the cheatsheet's claims across environments",
        "",
        f"Merged from {len(matrix.columns)} run reports (generated {escape(matrix.generated)}). A column stands for consecutive environments with "
        "identical verdicts.",
        "",
    ]
    if matrix.skipped:
        out += ["Skipped (unreadable): " + "; ".join(escape(s.reason) for s in matrix.skipped), ""]
    out += [
        "| holding | " + " | ".join(escape(h) for h in heads) + " |",
        "|---|" + "---|" * len(heads),
        "| share of claims that hold | " + " | ".join(_share(matrix.holding_share.get(g[0])) for g in groups) + " |",
        "",
    ]
    notes: list[str] = []
    for section in matrix.sections:
        rows = [r for r in matrix.claims if r.section == section]
        if not rows:
            continue
        out += [
            f"## {escape(section)}",
            "",
            "| claim | line | quote | " + " | ".join(escape(h) for h in heads) + " | changed at |",
            "|---|---|---|" + "---|" * len(heads) + "---|",
        ]
        for row in rows:
            cells = []
            for group in groups:
                cell = row.cells.get(group[0])
                if cell is None:
                    cells.append("")
                    continue
                mark = MARKS[cell.verdict]
                if cell.verdict != HOLDS:
                    notes.append(f"{escape(row.id)} on {escape(group[0])}: {escape(cell.summary)}")
                    mark += f"[^{len(notes)}]"
                cells.append(mark)
            changed = ", ".join(
                f"{escape(c.at)} ({escape(c.before_verdict)} → {escape(c.verdict)})" for c in row.changed
            )
            out.append(
                "| {} | {} | {} | {} | {} |".format(
                    cell_code(row.id) + (" (the suite's addition)" if row.addition else ""),
                    link(str(row.lines[0]), row.url),
                    cell_code(row.quote),
                    " | ".join(cells),
                    changed or "—",
                )
            )
        out.append("")
    changes = [(row, c) for row in matrix.claims for c in row.facet_changes]
    if changes:
        out += [
            "## Changes by facet",
            "",
            "Where a facet's verdict changed between neighbouring environments, with the evidence on both sides. "
            "A *domain* change is torch gaining (or losing) what the facet needs, a dtype say: not a change of the claim.",
            "",
        ]
        for row, c in changes:
            scope = "in scope" if c.in_scope else "beyond scope"
            kind = ", a domain change" if c.kind == "domain" else ""
            out.append(
                f"- {cell_code(row.id)} · {escape(c.facet or '')} ({scope}{kind}): {escape(c.after)} → {escape(c.at)}: "
                f"{escape(c.before_verdict)} → {escape(c.verdict)}. Before: {escape(c.before_summary)}. After: {escape(c.summary)}"
            )
        out.append("")
    out += ["", "---", ""]
    out += [f"[^{i}]: {note}" for i, note in enumerate(notes, 1)]
    return "\n".join(out).rstrip() + "\n"


def _share(value: object) -> str:
    return "—" if value is None else f"{value:.0%}"
