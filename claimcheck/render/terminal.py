"""What a claims run prints at its end: one line per claim to act on, fitted to the terminal.

Plain text: no colour codes (a subject's message may carry some; they are
removed), no emoji (their width differs by terminal), each line cut to the
terminal's width with the replacement kept whole where it fits.
"""

from __future__ import annotations

import shutil
from typing import Sequence

from ..model import RunReport
from ..verdicts import NEEDS_ATTENTION, VERDICTS
from .text import shorten, strip_control

__all__ = ["act_lines", "counts_line", "plain", "width"]


def plain(text: object) -> str:
    """`text` on one line, without control characters."""
    return " ".join(strip_control(text).split())


def width() -> int:
    """The terminal's width (COLUMNS where set; 100 where the output is not a terminal)."""
    return max(40, shutil.get_terminal_size((100, 24)).columns)


def counts_line(counts: dict) -> str:
    return " · ".join(f"{counts.get(v, 0)} {v}" for v in VERDICTS)


def act_lines(report: RunReport, columns: int | None = None) -> list[str]:
    """One line per claim a reader must act on (broken, partly, deprecated, error): verdict, id, the first
    line of evidence, and what to write instead; the suite's additions last, marked."""
    columns = columns or width()
    acts: Sequence = sorted(
        (c for c in report.claims if c.verdict in NEEDS_ATTENTION),
        key=lambda c: (c.addition, NEEDS_ATTENTION.index(c.verdict), c.lines),
    )
    out = []
    for claim in acts:
        head = f"{claim.verdict:<10} {claim.id}{' (addition)' if claim.addition else ''}: "
        tail = f" → instead: {plain(claim.replacement.idiom)}" if claim.replacement else ""
        room = columns - len(head) - len(tail)
        if room < 12:  # a replacement too long for the line gives way to the evidence
            tail, room = "", columns - len(head)
        out.append(head + shorten(plain(claim.summary), max(room, 12)) + tail)
    return out
