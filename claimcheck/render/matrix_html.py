"""The compatibility matrix as one self-contained HTML page (no external scripts, styles or fonts).

Rendered by Jinja2 with autoescaping: everything that came from a run is
data, not markup. Links are followed only to http(s) addresses and to the
environments' own reports, whose folder names are percent-encoded so that
no name can become a scheme (`javascript:`). Each cell's evidence travels as
JSON in a `<script type="application/json">` block; the page's own script
shows it with `textContent`, never as markup.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ..model import Matrix, MatrixRow
from ..verdicts import BROKEN, COLOURS, DEPRECATED, HOLDS, MARKS, PARTLY, VERDICTS
from .labels import Build, builds, legend, range_label, version_labels
from .text import safe_url, shorten

TEMPLATE = "matrix.html.j2"

#: Verdicts of the newest column that the "wrong in newest" filter shows.
WRONG = (BROKEN, PARTLY, DEPRECATED)
#: Longest evidence text of a facet in the page's data (the run's report has it whole).
FACET_TEXT = 240


@dataclass(frozen=True)
class Slot:
    """One column of the grid: an environment, or (shown only when collapsed) a run of identical ones.

    `env` is the environment whose cell it shows (a run's verdicts agree, so its
    newest); `attribute` and `index` tell the page's script where its evidence is.
    """

    env: str
    label: str
    title: str
    attribute: str  # "data-col" (an environment) or "data-group" (a run of them)
    index: int
    css: str  # "", " member" (hidden when collapsed) or " grouped" (shown only when collapsed)


def json_script(data: object) -> Any:
    """JSON for a `<script type="application/json">` block.

    With every "<", ">" and "&" written as a \\u escape (JSON.parse reads them
    back), no text from a run can end the block or open a tag, so the escaped
    text may go into the page as is.
    """
    import markupsafe

    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return markupsafe.Markup(text)


def report_href(environment: str, path: str | None = None) -> str:
    """The environment's report relative to the page (both in reports/): `<folder>/report.md`.

    The folder is the one its report.json was read from, else the environment's
    name; percent-encoded, so that no name can make the link absolute or a script.
    """
    folder = os.path.basename(os.path.dirname(path)) if path else ""
    return quote(folder or environment, safe="+") + "/report.md"


def _column(build: Build, label: str, path: str | None) -> dict[str, str]:
    """What the evidence panel says of an environment: its label, its build and where its report is."""
    return {
        "env": build.environment,
        "label": label,
        "build": build.spelled(),
        "report": report_href(build.environment, path),
    }


def _environment() -> Any:
    try:
        import jinja2
    except ImportError:
        raise SystemExit("claimcheck: the HTML page needs Jinja2 on the host: pip install jinja2") from None
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(os.path.dirname(os.path.abspath(__file__))),
        autoescape=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["css"] = lambda verdict: str(verdict).replace("-", "_")
    env.filters["json_script"] = json_script
    return env


def _slots(
    groups: list[list[str]], index: dict[str, int], labels: dict[str, str], titles: dict[str, str]
) -> list[Slot]:
    """Every environment's column, newest first (what a reader asks of first, and visible without scrolling),
    each run of identical ones preceded by its collapsed column."""
    slots = []
    for number in reversed(range(len(groups))):
        group = groups[number]
        if len(group) > 1:
            title = " · ".join(titles[env] for env in reversed(group))
            slots.append(Slot(group[-1], range_label(group, labels), title, "data-group", number, " grouped"))
        css = " member" if len(group) > 1 else ""
        slots.extend(Slot(env, labels[env], titles[env], "data-col", index[env], css) for env in reversed(group))
    return slots


def _facets_at(row: MatrixRow, env: str) -> list[list[str]]:
    """A cell's facets for the evidence panel: [name, verdict, core|edge|limit, evidence where it does not hold]."""
    if len(row.facets) < 2:
        return []
    out = []
    for name, by_env in row.facets.items():
        result = by_env.get(env)
        if result is None:
            continue
        role = "limit" if not result.in_scope else "core" if result.core else "edge"
        if result.coverage:
            role += ", coverage"
        if result.domain:
            role += ", domain"
        text = "" if result.verdict == HOLDS else shorten(result.summary, FACET_TEXT)
        out.append([name, result.verdict, role, text])
    order = {"core": 0, "edge": 1, "limit": 2}
    return sorted(out, key=lambda f: (order[f[2].split(",")[0]], f[1] == HOLDS, f[0]))


def _row_data(row: MatrixRow, matrix: Matrix, labels: dict[str, str]) -> dict[str, Any]:
    """What the evidence panel and the filters need of a row; cells in column order, null where not run."""
    newest = row.cells.get(matrix.columns[-1]) if matrix.columns else None
    return {
        "id": row.id,
        "quote": row.quote,
        "lines": ", ".join(str(n) for n in row.lines),
        "url": safe_url(row.url),
        "changes": [
            f"{labels.get(c.at, c.at)}: {c.before_verdict} → {c.verdict} (after {labels.get(c.after, c.after)})"
            for c in row.changed
        ],
        "wrong": newest is not None and newest.verdict in WRONG,
        "changed": len({cell.verdict for cell in row.cells.values()}) > 1,
        "since": labels.get(row.since, row.since) if row.since else None,
        "cells": [
            [c.verdict, c.summary, c.replacement, _facets_at(row, env)] if c else None
            for env, c in ((env, row.cells.get(env)) for env in matrix.columns)
        ],
    }


def render(matrix: Matrix) -> str:
    labels = version_labels(matrix)
    found = builds(matrix)
    titles = {b.environment: f"{b.spelled()}: {b.environment}" for b in found}
    paths = {s.environment: s.path for s in matrix.sources}
    rows = [_row_data(row, matrix, labels) for row in matrix.claims]
    groups = matrix.column_groups()
    index = {env: i for i, env in enumerate(matrix.columns)}
    data = {
        "columns": [_column(b, labels[b.environment], paths.get(b.environment)) for b in found],
        "groups": [{"label": range_label(group, labels), "cols": [index[env] for env in group]} for group in groups],
        "rows": rows,
    }
    numbered = list(enumerate(matrix.claims))
    names = list(matrix.sections) + [r.section for r in matrix.claims if r.section not in matrix.sections]
    sections = [(s, [(i, r) for i, r in numbered if r.section == s]) for s in dict.fromkeys(names)]
    return (
        _environment()
        .get_template(TEMPLATE)
        .render(
            matrix=matrix,
            sections=[(s, members) for s, members in sections if members],
            rows=rows,
            slots=_slots(groups, index, labels, titles),
            labels=labels,
            legend=legend(matrix),
            data=data,
            verdicts=VERDICTS,
            colours=COLOURS,
            marks=MARKS,
        )
    )
