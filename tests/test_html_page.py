"""The compatibility page in a real headless Chromium (Debian's package): loads cleanly, right grid, no injection."""

from __future__ import annotations

import os
import shutil

import pytest

from claimcheck.matrix import merge
from claimcheck.render_html import render

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


def _report(name, version, verdicts):
    return {
        "schema_version": 1,
        "suite": {"sections": ["Numbers", "Old things"]},
        "environment": {"name": name, "subject_version": version},
        "run": {"started": "2026-11-29"},
        "claims": [
            {
                "id": claim_id,
                "section": section,
                "lines": [line],
                "url": "https://example.invalid",
                "quote": "q " + PAYLOAD,
                "wording": "w",
                "verdict": verdict,
                "summary": PAYLOAD,
            }
            for line, (claim_id, section, verdict) in enumerate(verdicts, 3)
        ],
    }


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
        ("c", _report("lib-2.0", "2.0", [("demo.a", "Numbers", "error"), ("demo.b", "Old things", "holds")])),
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
    page.screenshot(path=str(tmp_path / "synthetic.png"), full_page=True)
    assert (tmp_path / "synthetic.png").stat().st_size > 0


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
