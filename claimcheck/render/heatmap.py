"""The compatibility matrix as a heatmap PNG (claims down, environments across) for the README."""

from __future__ import annotations

from ..model import Matrix
from ..verdicts import COLOURS, VERDICTS


def render(matrix: Matrix) -> bytes:
    """The PNG's bytes (the caller writes them with the other files of the merge)."""
    try:
        import matplotlib
    except ImportError:
        raise SystemExit("claimcheck: the heatmap needs matplotlib on the host: pip install matplotlib") from None
    matplotlib.use("Agg")
    from matplotlib import pyplot
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    columns, claims = matrix.columns, matrix.claims
    index = {verdict: i for i, verdict in enumerate(VERDICTS)}
    grid = [
        [float(index[row.cells[env].verdict]) if env in row.cells else float("nan") for env in columns]
        for row in claims
    ]
    figure, axes = pyplot.subplots(figsize=(1 + 0.3 * len(columns), 1 + 0.18 * len(claims)))
    axes.imshow(
        grid,
        cmap=ListedColormap([COLOURS[v] for v in VERDICTS]),
        vmin=-0.5,
        vmax=len(VERDICTS) - 0.5,
        aspect="auto",
        interpolation="nearest",
    )
    axes.set_xticks(range(len(columns)))
    axes.set_xticklabels([c.replace("torch-", "") for c in columns], rotation=90, fontsize=7)
    axes.set_yticks(range(len(claims)))
    axes.set_yticklabels([row.id for row in claims], fontsize=7)
    axes.set_xticks([x - 0.5 for x in range(1, len(columns))], minor=True)
    axes.set_yticks([y - 0.5 for y in range(1, len(claims))], minor=True)
    axes.grid(which="minor", color="white", linewidth=0.6)
    axes.tick_params(which="minor", length=0)
    axes.legend(
        handles=[Patch(color=COLOURS[v], label=v) for v in VERDICTS],
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
        fontsize=7,
        frameon=False,
    )
    axes.set_title("Cheatsheet claims × environments", fontsize=9)
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    pyplot.close(figure)
    return buffer.getvalue()
