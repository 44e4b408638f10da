"""Render the compatibility matrix as one self-contained HTML page (no external scripts, styles or fonts).

Everything that came from a run is escaped: an exception message is data, not markup.
"""

from __future__ import annotations

from html import escape

from .render_matrix import column_groups
from .verdicts import MARKS, VERDICTS

COLOURS = {"holds": "#c8e6c9", "deprecated": "#fff3b0", "broken": "#ffcdd2", "not-run": "#e0e0e0", "error": "#d1c4e9"}

STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; }
th, td { border: 1px solid #bbb; padding: 2px 6px; }
th.env { writing-mode: vertical-rl; transform: rotate(180deg); font-weight: normal; white-space: nowrap; }
td.cell { text-align: center; min-width: 1.6em; }
tr.section th { text-align: left; background: #f3f3f3; }
code { font-size: 12px; }
.hidden { display: none; }
""" + "".join("td.{} {{ background: {}; }}\n".format(v.replace("-", "_"), c) for v, c in COLOURS.items())

SCRIPT = """
document.getElementById('collapse').addEventListener('change', function (event) {
  document.querySelectorAll('[data-duplicate="1"]').forEach(function (node) {
    node.classList.toggle('hidden', event.target.checked);
  });
});
"""


def render(matrix: dict[str, object]) -> str:
    columns: list[str] = matrix["columns"]
    duplicate = {env for group in column_groups(matrix) for env in group[1:]}

    def attributes(env):
        return ' data-duplicate="1"' if env in duplicate else ""

    head = "".join(f'<th class="env"{attributes(env)}>{escape(env)}</th>' for env in columns)
    rows = []
    for section in matrix["sections"]:
        claims = [r for r in matrix["claims"] if r["section"] == section]
        if not claims:
            continue
        rows.append(f'<tr class="section"><th colspan="{len(columns) + 4}">{escape(section)}</th></tr>')
        for row in claims:
            cells = []
            for env in columns:
                cell = row["cells"].get(env)
                if cell is None:
                    cells.append(f'<td class="cell"{attributes(env)}></td>')
                    continue
                cells.append(
                    '<td class="cell {}" title="{}"{}>{}</td>'.format(
                        cell["verdict"].replace("-", "_"),
                        escape("{}: {}".format(cell["verdict"], cell["summary"]), quote=True),
                        attributes(env),
                        MARKS[cell["verdict"]],
                    )
                )
            changed = ", ".join("{} ({} → {})".format(c["at"], c["from"], c["to"]) for c in row["changed"])
            rows.append(
                '<tr class="claim" data-claim="{}"><td><code>{}</code></td><td><a href="{}">{}</a></td>'
                "<td><code>{}</code></td>{}<td>{}</td></tr>".format(
                    escape(row["id"], quote=True),
                    escape(row["id"]),
                    escape(row["url"], quote=True),
                    row["lines"][0],
                    escape(row["quote"]),
                    "".join(cells),
                    escape(changed or "—"),
                )
            )
    share = "".join(
        '<td class="cell"{}>{}</td>'.format(
            attributes(env),
            "" if matrix["holding_share"][env] is None else "{:.0%}".format(matrix["holding_share"][env]),
        )
        for env in columns
    )
    legend = " ".join(
        '<span class="{}" style="background:{};padding:0 4px">{} {}</span>'.format(
            v.replace("-", "_"), COLOURS[v], MARKS[v], v
        )
        for v in VERDICTS
    )
    return """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Cheatsheet claims across environments</title>
<style>{style}</style></head>
<body>
<h1>Cheatsheet claims across environments</h1>
<p>Merged from {count} run reports, generated {generated}. Hover a cell for its evidence. {legend}</p>
<p><label><input type="checkbox" id="collapse"> collapse neighbouring environments with identical verdicts</label></p>
<table id="matrix">
<thead><tr><th>claim</th><th>line</th><th>quote</th>{head}<th>changed at</th></tr></thead>
<tbody>
{rows}
</tbody>
<tfoot><tr><th colspan="3">share of claims that hold</th>{share}<td></td></tr></tfoot>
</table>
<script>{script}</script>
</body></html>
""".format(
        style=STYLE,
        count=len(columns),
        generated=escape(matrix["generated"]),
        legend=legend,
        head=head,
        rows="\n".join(rows),
        share=share,
        script=SCRIPT,
    )
