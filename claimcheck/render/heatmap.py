"""The compatibility matrix as a heatmap PNG (claims down, torch versions across) for the README.

Readable without colour: each cell carries its verdict's mark, broken cells
are also hatched (partly ones dotted), and the palette (verdicts.COLOURS, Paul Tol's "light"
scheme, the HTML page's too) keeps holds, broken and not-run apart with
red-green colour blindness. Columns are labelled by version
(render.labels), sections by bands at the left.
"""

from __future__ import annotations

import io

from ..model import Matrix
from ..verdicts import BROKEN, COLOURS, DEPRECATED, ERROR, HOLDS, NOT_RUN, PARTLY, VERDICTS
from . import labels as naming

#: Marks drawn in the cells (DejaVu Sans has them; the emoji of the other renderings it has not).
GLYPHS = {HOLDS: "✓", PARTLY: "◐", DEPRECATED: "!", BROKEN: "✗", NOT_RUN: "–", ERROR: "E"}
HATCH = {BROKEN: "///", ERROR: "xx", PARTLY: ".."}
#: Inches the README shows the picture at, about 900 px wide at the dpi below.
WIDTH_IN, DPI = 9.0, 110
ROW_IN = 0.16


def render(matrix: Matrix) -> bytes:
    """The PNG's bytes (the caller writes them with the other files of the merge)."""
    try:
        import matplotlib
    except ImportError:
        raise SystemExit("claimcheck: the heatmap needs matplotlib on the host: pip install matplotlib") from None
    matplotlib.use("Agg")
    from matplotlib import pyplot
    from matplotlib.patches import Patch, Rectangle

    columns, claims = matrix.columns, matrix.claims
    names = naming.version_labels(matrix)
    places, bands = _layout(matrix)
    height = len(claims) + len(bands)
    figure, axes = pyplot.subplots(figsize=(WIDTH_IN, 1.6 + ROW_IN * height))
    for y, section in bands:
        axes.add_patch(Rectangle((-0.5, y - 0.5), len(columns), 1, facecolor="#444444", edgecolor="none"))
        axes.text(-0.3, y, section, ha="left", va="center", fontsize=6.5, color="white", fontweight="bold")
    for row, y in zip(claims, places):
        for x, env in enumerate(columns):
            cell = row.cells.get(env)
            if cell is None:
                continue
            axes.add_patch(
                Rectangle(
                    (x - 0.5, y - 0.5),
                    1,
                    1,
                    facecolor=COLOURS[cell.verdict],
                    edgecolor="#7a4030" if cell.verdict in HATCH else "white",
                    hatch=HATCH.get(cell.verdict),
                    linewidth=0.5,
                )
            )
            axes.text(x, y, GLYPHS[cell.verdict], ha="center", va="center", fontsize=6.5, color="#222222")
    axes.set_xlim(-0.5, len(columns) - 0.5)
    axes.set_ylim(height - 0.5, -0.5)
    axes.set_xticks(range(len(columns)))
    axes.set_xticklabels([names.get(c, c) for c in columns], rotation=90, fontsize=7)
    axes.xaxis.tick_top()
    axes.set_yticks(places)
    axes.set_yticklabels([row.id + (" *" if row.addition else "") for row in claims], fontsize=6.5)
    axes.tick_params(length=0)
    for side in axes.spines.values():
        side.set_visible(False)
    axes.legend(
        handles=[
            Patch(facecolor=COLOURS[v], edgecolor="#555555", hatch=HATCH.get(v), label=f"{GLYPHS[v]} {v}")
            for v in VERDICTS
        ],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.01),
        ncol=len(VERDICTS),
        fontsize=7,
        frameon=False,
    )
    axes.set_title("The cheatsheet's claims across torch releases (* the suite's own additions)", fontsize=9, pad=24)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    pyplot.close(figure)
    return buffer.getvalue()


def _layout(matrix: Matrix) -> tuple[list[int], list[tuple[int, str]]]:
    """Each claim's row, and a band row (with the section's name) before each section's first claim."""
    places: list[int] = []
    bands: list[tuple[int, str]] = []
    y, section = 0, None
    for row in matrix.claims:
        if row.section != section:
            section = row.section
            bands.append((y, section))
            y += 1
        places.append(y)
        y += 1
    return places, bands
