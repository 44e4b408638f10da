"""The compatibility matrix as one self-contained HTML page (no external scripts, styles or fonts).

Rendered by Jinja2 with autoescaping: everything that came from a run is
data, not markup; links are followed only to http(s) addresses.
"""

from __future__ import annotations

import os
from typing import Any

from ..model import Matrix
from ..verdicts import COLOURS, MARKS, VERDICTS
from .text import safe_url

TEMPLATE = "matrix.html.j2"


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
    env.filters["safe_url"] = safe_url
    return env


def render(matrix: Matrix) -> str:
    import markupsafe

    duplicate = {env for group in matrix.column_groups() for env in group[1:]}
    sections = [(s, [r for r in matrix.claims if r.section == s]) for s in matrix.sections]
    return (
        _environment()
        .get_template(TEMPLATE)
        .render(
            matrix=matrix,
            sections=[(s, rows) for s, rows in sections if rows],
            verdicts=VERDICTS,
            colours=COLOURS,
            marks=MARKS,
            dup=lambda env: markupsafe.Markup(' data-duplicate="1"') if env in duplicate else "",
        )
    )
