"""What every renderer shares: escaping for Markdown, code spans, links, figures with their units."""

from __future__ import annotations

import re
import textwrap
from typing import Mapping, Sequence
from urllib.parse import urlsplit

from ..verdicts import MARKS, VERDICTS

__all__ = [
    "WIDTH",
    "References",
    "cell_code",
    "code",
    "escape",
    "inline_code",
    "line_links",
    "link",
    "quantity",
    "safe_url",
    "shorten",
    "strip_control",
    "summary_line",
    "verdict_cell",
    "wrap",
]

#: GitHub's reading width: prose and list lines are wrapped to it (a table may be wider).
WIDTH = 120

# Characters that would start markup; `_` only where it could open or close emphasis.
_MD_SPECIAL = re.compile(r"([\\`*\[\]<>|]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")


#: Terminal escape sequences (CSI, OSC ended by BEL or ST, other ESC pairs) and the other control characters.
CONTROL = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
)


def strip_control(text: object) -> str:
    """`text` without terminal escape sequences and control characters (tabs and newlines stay)."""
    return CONTROL.sub("", str(text))


def escape(text: object) -> str:
    """Inline text safe in a Markdown table cell: no markup, no HTML, no control characters, one line."""
    value = strip_control(text).replace("&", "&amp;")
    value = _MD_SPECIAL.sub(lambda m: f"&#{ord(m.group(1))};", value)
    return " ".join(value.split())


def shorten(text: object, limit: int) -> str:
    """Text on one line, cut at a word to at most `limit` characters and marked where cut."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[:limit].rsplit(" ", 1)[0] + " …"


def code(text: str, language: str = "") -> str:
    """A fenced block longer than any backtick run inside it, without control characters."""
    text = strip_control(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return "{}{}\n{}\n{}".format(fence, language, text.rstrip("\n"), fence)


def inline_code(text: str) -> str:
    """A code span on one line, outside tables, without control characters."""
    text = strip_control(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return "{}{}{}{}{}".format(ticks, pad, text.replace("\n", " "), pad, ticks)


def cell_code(text: str) -> str:
    """A code span inside a table cell: a `|` would end the cell, so it is escaped (GFM renders it as `|`)."""
    return inline_code(text.replace("|", "\\|"))


def safe_url(url: object) -> str | None:
    """`url` if it is an http(s) address a reader may follow; None for anything else (javascript:, data:, ...)."""
    if not isinstance(url, str):
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c in url for c in "\n\r\t <>\"'`"):
        return None
    return url.strip()


def link(text: str, url: object) -> str:
    """A Markdown link when the address is safe; the text alone otherwise. `text` is markup already."""
    target = safe_url(url)
    return "[{}]({})".format(text, target.replace("(", "%28").replace(")", "%29")) if target else text


def verdict_cell(verdict: str) -> str:
    return "{} {}".format(MARKS.get(verdict, "?"), escape(verdict))


def summary_line(counts: Mapping[str, int]) -> str:
    return " · ".join(f"{MARKS[v]} {counts.get(v, 0)} {v}" for v in VERDICTS)


def quantity(value: object, unit: str) -> str:
    """A figure in its unit; times in s, ms, µs or ns, whichever reads best."""
    if unit == "s" and isinstance(value, (int, float)):
        for name, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
            if abs(value) >= scale:
                return f"{value / scale:.3g} {name}"
        return f"{value / 1e-9:.3g} ns"
    if unit == "bytes" and isinstance(value, int):
        return f"{value:,} bytes"
    return f"{value} {unit}"


def line_links(lines: Sequence[int], url: str, label: str = "{0}") -> str:
    """Links to the document's lines: `[12](url#L12), [13](url#L13)`."""
    return ", ".join(link(label.format(n), f"{url}#L{n}") for n in lines)


# A line that starts like this would open a block (a list, a heading, a quote, a table row) where it continues one.
_OPENS_BLOCK = re.compile(r"^([-+*>#|]|\d+[.)])(\s|$)")


def wrap(text: str, first: str = "", rest: str | None = None, width: int = WIDTH) -> list[str]:
    """Markdown text as lines of at most `width` characters (a word longer than that stays whole), each line
    after the first indented by `rest` (by default as deep as `first`); never a line that would open a block."""
    rest = " " * len(first) if rest is None else rest
    lines = textwrap.wrap(
        text, width=width, initial_indent=first, subsequent_indent=rest, break_long_words=False,
        break_on_hyphens=False,
    )  # fmt: skip
    out: list[str] = []
    for line in lines:
        if out and _OPENS_BLOCK.match(line.strip()):
            out[-1] += " " + line.strip()
        else:
            out.append(line)
    return out or [first.rstrip()]


class References:
    """Links written as reference links, each address once: `[text][n]` in the text, `[n]: url` at the end."""

    def __init__(self) -> None:
        self._labels: dict[str, str] = {}

    def link(self, text: str, url: object) -> str:
        """`[text][label]` where the address is safe; the text alone otherwise. `text` is markup already."""
        target = safe_url(url)
        if target is None:
            return text
        label = self._labels.setdefault(target, str(len(self._labels) + 1))
        return f"[{text}][{label}]"

    def lines(self, lines: Sequence[int], url: str, label: str = "{0}") -> str:
        """Links to the document's lines, as line_links writes them, each address once."""
        return ", ".join(self.link(label.format(n), f"{url}#L{n}") for n in lines)

    def definitions(self) -> list[str]:
        """The definitions, for the end of the document."""
        return [f"[{label}]: {url.replace(' ', '%20')}" for url, label in self._labels.items()]
