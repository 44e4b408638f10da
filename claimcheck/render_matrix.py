"""Render the compatibility matrix as Markdown: one verdict mark per cell, evidence as footnotes."""

from __future__ import annotations

from .render_markdown import escape, inline_code
from .verdicts import MARKS


def column_groups(matrix: dict[str, object]) -> list[list[str]]:
    """Consecutive environments whose verdicts agree on every claim, collapsed into one column."""
    groups: list[list[str]] = []
    for env in matrix["columns"]:
        if groups:
            last = groups[-1][-1]
            if all(
                r["cells"].get(env, {}).get("verdict") == r["cells"].get(last, {}).get("verdict")
                for r in matrix["claims"]
            ):
                groups[-1].append(env)
                continue
        groups.append([env])
    return groups


def render(matrix: dict[str, object]) -> str:
    groups = column_groups(matrix)
    heads = [g[0] if len(g) == 1 else f"{g[0]} … {g[-1]}" for g in groups]
    out = [
        "# Compatibility of the cheatsheet's claims across environments",
        "",
        "Merged from {} run reports (generated {}). A column stands for consecutive environments with "
        "identical verdicts.".format(len(matrix["columns"]), matrix["generated"]),
        "",
    ]
    if matrix["skipped"]:
        out += ["Skipped (unreadable): " + "; ".join(escape(s["reason"]) for s in matrix["skipped"]), ""]
    out += [
        "| holding | " + " | ".join(escape(h) for h in heads) + " |",
        "|---|" + "---|" * len(heads),
        "| share of claims that hold | "
        + " | ".join("{:.0%}".format(matrix["holding_share"][g[0]]) for g in groups)
        + " |",
        "",
    ]
    notes: list[str] = []
    for section in matrix["sections"]:
        rows = [r for r in matrix["claims"] if r["section"] == section]
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
                cell = row["cells"].get(group[0])
                if cell is None:
                    cells.append("")
                    continue
                mark = MARKS[cell["verdict"]]
                if cell["verdict"] != "holds":
                    notes.append("{} on {}: {}".format(row["id"], group[0], escape(cell["summary"])))
                    mark += f"[^{len(notes)}]"
                cells.append(mark)
            changed = ", ".join("{} ({} → {})".format(escape(c["at"]), c["from"], c["to"]) for c in row["changed"])
            out.append(
                "| `{}` | [{}]({}) | {} | {} | {} |".format(
                    row["id"], row["lines"][0], row["url"], inline_code(row["quote"]), " | ".join(cells), changed or "—"
                )
            )
        out.append("")
    out += ["", "---", ""]
    out += [f"[^{i}]: {note}" for i, note in enumerate(notes, 1)]
    return "\n".join(out).rstrip() + "\n"
