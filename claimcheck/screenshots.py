"""Screenshots of the compatibility report as readers see it, for the README: `claimcheck screenshots`.

Four pictures, written together into <reports>/screenshots/:

- page-1400.png, page-390.png: compatibility.html in a 1,400 px wide window
  and on a 390 px wide phone, its top (the window's height);
- heatmap.png: compatibility.png shown at the README's width (880 px);
- markdown-top.png: the top of compatibility.md rendered as GitHub lays it
  out (a 880 px column), through markdown-it-py's CommonMark with tables.

Headless Chromium (Debian's package) driven by playwright; nothing is
fetched from the network. Needs `pip install -e .[screenshots]`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any

#: The command-line switches the page tests use too: headless, no network of Chromium's own.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: GitHub's column for a README or a Markdown file, near enough.
GITHUB_WIDTH = 880
#: How much of compatibility.md the picture shows: its opening parts, up to the grid.
MARKDOWN_HEIGHT = 1400

_MARKDOWN_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>
body {{ margin: 0; background: #fff; }}
article {{ box-sizing: border-box; width: {width}px; padding: 24px 32px; color: #1f2328;
  font: 16px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; }}
h1 {{ font-size: 2em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; }}
h2 {{ font-size: 1.5em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; }}
code {{ font: 85% ui-monospace, "DejaVu Sans Mono", monospace; background: #eff1f3; padding: .2em .4em;
  border-radius: 6px; white-space: break-spaces; }}
table {{ border-collapse: collapse; display: block; overflow: auto; }}
td, th {{ border: 1px solid #d1d9e0; padding: 6px 13px; }}
a {{ color: #0969da; text-decoration: none; }}
</style></head><body><article>{body}</article></body></html>"""


class ScreenshotError(Exception):
    """What is missing to take the pictures, and how to get it."""


def _browser(playwright: Any, chromium: str) -> Any:
    if not os.path.exists(chromium):
        raise ScreenshotError(f"no Chromium at {chromium}: apt-get install chromium (or pass --chromium PATH)")
    return playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)


def _markdown_html(path: str) -> str:
    try:
        from markdown_it import MarkdownIt
    except ImportError:
        raise ScreenshotError("the Markdown picture needs markdown-it-py: pip install -e .[screenshots]") from None
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    top = text.split("\n## Grid", 1)[0]
    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(top)
    return _MARKDOWN_PAGE.format(width=GITHUB_WIDTH, body=body)


def take(reports: str, chromium: str = "/usr/bin/chromium") -> list[str]:
    """Take the four pictures from <reports>/compatibility.{html,png,md}; the paths written."""
    sources = {name: os.path.join(reports, f"compatibility.{name}") for name in ("html", "png", "md")}
    missing = [p for p in sources.values() if not os.path.exists(p)]
    if missing:
        raise ScreenshotError(f"{', '.join(missing)} missing: run `claimcheck merge --heatmap {reports}` first")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise ScreenshotError("screenshots need playwright: pip install -e .[screenshots]") from None
    target = os.path.join(reports, "screenshots")
    scratch = tempfile.mkdtemp(prefix="claimcheck-screenshots-")
    try:
        markdown_page = os.path.join(scratch, "markdown.html")
        with open(markdown_page, "w", encoding="utf-8") as handle:
            handle.write(_markdown_html(sources["md"]))
        heatmap_page = os.path.join(scratch, "heatmap.html")
        with open(heatmap_page, "w", encoding="utf-8") as handle:
            handle.write(
                '<!DOCTYPE html><html><body style="margin:0"><img style="width:100%" src="file://{}"></body></html>'.format(
                    os.path.abspath(sources["png"])
                )
            )
        shots = [
            ("page-1400.png", sources["html"], {"width": 1400, "height": 900}, False),
            ("page-390.png", sources["html"], {"width": 390, "height": 844}, False),
            ("heatmap.png", heatmap_page, {"width": GITHUB_WIDTH, "height": 600}, True),
            ("markdown-top.png", markdown_page, {"width": GITHUB_WIDTH, "height": MARKDOWN_HEIGHT}, False),
        ]
        written = {}
        with sync_playwright() as playwright:
            browser = _browser(playwright, chromium)
            try:
                for name, page_path, size, full in shots:
                    page = browser.new_page(viewport=size)
                    page.goto("file://" + os.path.abspath(page_path))
                    out = os.path.join(scratch, name)
                    page.screenshot(path=out, full_page=full)
                    page.close()
                    with open(out, "rb") as handle:
                        written[os.path.join(target, name)] = handle.read()
            finally:
                browser.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    from .atomic import write_all_atomically

    os.makedirs(target, exist_ok=True)
    write_all_atomically(written)
    return sorted(written)
