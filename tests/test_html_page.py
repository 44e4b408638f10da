"""The compatibility page in a real headless Chromium (Debian's package): loads cleanly, right grid, no injection."""

from __future__ import annotations

import os
import shutil

import pytest
from builders import make_report

from claimcheck.matrix import merge
from claimcheck.render.matrix_html import render

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PAYLOAD = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>'


def _report(name, version, verdicts, url="https://example.invalid"):
    return make_report(
        name,
        version,
        [(claim_id, verdict, section, "q " + PAYLOAD, PAYLOAD) for claim_id, section, verdict in verdicts],
        url=url,
    )


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (drives Debian chromium)")
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


def _open(browser, path):
    page = browser.new_page()
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto("file://" + str(path))
    return page, problems


def test_synthetic_page_loads_cleanly_and_escapes_run_text(browser, tmp_path):
    reports = [
        ("a", _report("lib-1.0", "1.0", [("demo.a", "Numbers", "holds"), ("demo.b", "Old things", "broken")])),
        ("b", _report("lib-1.1", "1.1", [("demo.a", "Numbers", "holds"), ("demo.b", "Old things", "broken")])),
        # the newest report (whose rows the page shows) links its document to a script: text, never a link
        (
            "c",
            _report(
                "lib-2.0",
                "2.0",
                [("demo.a", "Numbers", "error"), ("demo.b", "Old things", "holds")],
                url="javascript:window.__pwned=1",
            ),
        ),
    ]
    path = tmp_path / "compatibility.html"
    path.write_text(render(merge(reports, [])))
    page, problems = _open(browser, path)
    assert problems == []
    assert page.locator("tr.claim").count() == 2
    assert page.locator("th.env").count() == 3
    assert page.evaluate("window.__pwned") is None, "text from a report ran as code"
    assert PAYLOAD in page.locator("td.cell.broken").first.get_attribute("title")
    page.check("#collapse")  # lib-1.1 repeats lib-1.0: its column hides
    assert page.locator("th.env:visible").count() == 2
    assert page.locator("tr.claim a").count() == 0, "a javascript: address became a link"
    assert page.locator("tr.claim td:nth-child(2)").all_inner_texts() == ["3", "4"]


def test_committed_page_has_a_row_per_claim_and_a_column_per_version(browser, tmp_path):
    import json

    path = os.path.join(ROOT, "reports", "compatibility.html")
    if not os.path.exists(path):
        pytest.skip("no reports/compatibility.html yet (nox -s matrix writes it)")
    with open(os.path.join(ROOT, "reports", "compatibility.json")) as handle:
        matrix = json.load(handle)
    page, problems = _open(browser, path)
    assert problems == []
    assert page.locator("tr.claim").count() == len(matrix["claims"])
    assert page.locator("th.env").count() == len(matrix["columns"])
    page.screenshot(path=str(tmp_path / "compatibility.png"), full_page=True)
