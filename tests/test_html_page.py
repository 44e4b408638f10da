"""The compatibility page in a real headless Chromium (Debian's package): layout, filters, evidence, no injection."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from builders import make_report, report_series

from claimcheck.matrix import load_reports, merge
from claimcheck.render.matrix_html import render
from claimcheck.screenshots import CHROMIUM_ARGS

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAYLOAD = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>'
WIDE = {"width": 1400, "height": 900}

#: The matrix's real shape: 30 torch builds, named as the runs name them.
TORCH = [
    (f"torch-{v}+{tag}-py{py}", v)
    for v, tag, py in [
        *((f"1.{n}.1", "cu90", "3.7") for n in range(2)),
        *((f"1.{n}.0", "cu101", "3.7") for n in range(2, 5)),
        *((f"1.{n}.1", "cu102", "3.8") for n in range(5, 13)),
        ("1.13.1", "cu117", "3.11"),
        *((f"2.{n}.1", "cu121", "3.11") for n in range(15)),
        ("2.15.0", "cu132", "3.11"),
    ]
]

#: Five builds and four claims: holds throughout; deprecated from 2.6; broken throughout; fixed in 2.6.
SMALL = [
    ("torch-2.1.2+cu121-py3.11", "2.1.2"),
    ("torch-2.2.2+cu121-py3.11", "2.2.2"),
    ("torch-2.3.1+cu121-py3.11", "2.3.1"),
    ("torch-2.6.0+cu124-py3.11", "2.6.0"),
    ("torch-2.13.0+cpu-py3.11", "2.13.0"),
]


def _small_claims(i: int) -> list[tuple[str, str, str, str, str]]:
    late = i >= 3
    return [
        ("tensors.add", "holds", "Numbers", "x.add(y) adds", "3 of 3 checks passed"),
        ("old.volatile", "deprecated" if late else "holds", "Old things", "Variable(x, volatile=True)",
         "UserWarning: volatile was removed\n  and now has no effect" if late else "1 of 1 checks passed"),
        ("old.always_broken", "broken", "Old things", "x.resize(3) keeps data", "AssertionError: why broken"),
        ("numbers.fixed_later", "holds" if late else "broken", "Numbers", "sum of an empty tensor is 0",
         "2 of 2 checks passed" if late else "AssertionError: 1 != 0"),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (drives Debian chromium)")
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _open(browser, path, **context):
    """The page at 1,400 px, with what it logged as errors and every request it made."""
    page = browser.new_context(viewport=WIDE, **context).new_page()
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))
    page.goto("file://" + str(path))
    return page, problems, requests


def _page(browser, tmp_path, loaded, **context):
    path = tmp_path / "compatibility.html"
    path.write_text(render(merge(loaded, [])), encoding="utf-8")
    page, problems, requests = _open(browser, path, **context)
    assert problems == []
    assert requests == [f"file://{path}"], "the page asked for something besides itself"
    return page


@pytest.fixture
def small(browser, tmp_path):
    return _page(browser, tmp_path, report_series(SMALL, _small_claims))


def _cell(page, claim, attribute):
    return page.locator(f'tr.claim[data-row]:has(code:text-is("{claim}")) td.cell[{attribute}]')


def _shown(page) -> list[str]:
    return page.locator("tr.claim:visible th.claim code").all_inner_texts()


def _panel(page) -> dict[str, str]:
    return {name: page.locator(f"#ev-{name}").inner_text() for name in ("claim", "version", "build", "verdict")}


def test_full_size_grid_fits_1400_px_with_sticky_header_and_claim_column(browser, tmp_path):
    quote = "a statement that goes on and on, " * 10
    loaded = report_series(
        TORCH,
        lambda i: [(f"section{n % 6}.claim_{n}", "broken" if (n + i) % 7 == 0 else "holds", f"Section {n % 6}",
                    f"{quote} {n}", "AssertionError: " + "long evidence " * 40) for n in range(66)],
    )  # fmt: skip
    page = _page(browser, tmp_path, loaded)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1400
    grid = page.locator("#grid")
    assert grid.evaluate("g => g.scrollWidth > g.clientWidth"), "the grid scrolls inside its own container"
    style = "(n, p) => getComputedStyle(n)[p]"
    assert page.locator("thead th.env").first.evaluate(style, "position") == "sticky"
    assert page.locator("tbody th.claim").first.evaluate(style, "position") == "sticky"
    assert page.locator("td.changed").first.evaluate(style, "position") == "sticky"
    # one line per row, the long quote cut with an ellipsis
    row = page.locator("tr.claim").first
    assert row.bounding_box()["height"] < 30
    clip = row.locator("th.claim .clip")
    assert clip.evaluate(style, "textOverflow") == "ellipsis"
    assert clip.evaluate("n => n.scrollWidth > n.clientWidth")
    # they stay put while the grid scrolls both ways
    claim, header = row.locator("th.claim"), page.locator("thead th.env").first
    before = (claim.bounding_box()["x"], header.bounding_box()["y"])
    grid.evaluate("g => { g.scrollLeft = 600; g.scrollTop = 800; }")
    assert (claim.bounding_box()["x"], header.bounding_box()["y"]) == before
    box, changed = claim.bounding_box(), row.locator("td.changed").bounding_box()
    assert changed["x"] == box["x"] + box["width"], "the changed-at column sits right beside the claim"
    # versions as people say them; builds once, in the legend; "changed at" right after the claim
    # newest first: the releases a reader asks of first are on screen without scrolling
    assert page.locator("thead th.env").all_inner_texts()[:3] == ["2.15", "2.14", "2.13"]
    newest = page.locator("thead th.env").first.bounding_box()
    assert newest["x"] + newest["width"] <= 1400
    assert not any("torch-" in text for text in page.locator("thead th").all_inner_texts())
    assert "2.6 = 2.6.1+cu121 (Python 3.11)" in page.locator("#legend").inner_text()
    assert page.locator("thead th").nth(1).inner_text() == "changed at"
    viewport = page.locator('meta[name="viewport"]').get_attribute("content")
    assert viewport == "width=device-width, initial-scale=1"


def test_changes_are_shown_beside_the_claim(small):
    assert _cell(small, "old.volatile", "data-col").count() == 5
    changed = small.locator('tr.claim:has(code:text-is("old.volatile")) td.changed').inner_text()
    assert changed == "2.6 ✅→⚠️"
    assert small.locator('tr.claim:has(code:text-is("tensors.add")) td.changed').inner_text() == "—"


def test_collapse_merges_identical_neighbours_under_range_labels(small):
    assert small.locator("thead th.env:visible").all_inner_texts() == ["2.13", "2.6", "2.3", "2.2", "2.1"]
    small.check("#collapse")
    assert small.locator("thead th:visible").all_inner_texts()[2:] == ["2.6–2.13", "2.1–2.3"]
    assert _cell(small, "old.volatile", "data-group").nth(0).inner_text() == "⚠️"
    _cell(small, "numbers.fixed_later", "data-group").nth(1).click()
    assert _panel(small)["version"] == "2.1–2.3"
    assert small.locator("#ev-reports a").count() == 3
    small.uncheck("#collapse")
    assert small.locator("thead th:visible").count() == 7


def test_filters_combine(small):
    everything = ["numbers.fixed_later", "tensors.add", "old.always_broken", "old.volatile"]
    assert sorted(_shown(small)) == sorted(everything)
    small.check("#f-wrong")
    assert sorted(_shown(small)) == ["old.always_broken", "old.volatile"]
    small.uncheck("#f-wrong")
    small.check("#f-changed")
    assert sorted(_shown(small)) == ["numbers.fixed_later", "old.volatile"]
    small.check("#f-wrong")
    assert _shown(small) == ["old.volatile"]
    small.uncheck("#f-wrong")
    small.uncheck("#f-changed")
    small.fill("#f-search", "VOLATILE=true")  # the quote, any case
    assert _shown(small) == ["old.volatile"]
    small.fill("#f-search", "old.")  # the id
    assert sorted(_shown(small)) == ["old.always_broken", "old.volatile"]
    small.check("#f-changed")
    assert _shown(small) == ["old.volatile"]
    assert small.locator("tbody.section:visible").count() == 1, "a section with no claim shown hides"
    small.fill("#f-search", "always")
    assert _shown(small) == []
    assert small.locator("#shown").inner_text() == "0 of 4 claims"


def test_evidence_panel_opens_by_click_and_by_keyboard_and_escape_closes_it(small):
    panel = small.locator("#evidence")
    assert panel.is_hidden()
    _cell(small, "old.volatile", "data-col").nth(1).click()
    assert panel.is_visible()
    assert _panel(small) == {
        "claim": "old.volatile",
        "version": "2.6",
        "build": "2.6.0+cu124 (Python 3.11)",
        "verdict": "⚠️ deprecated",
    }
    summary = small.locator("#ev-summary")
    assert summary.evaluate("n => n.tagName") == "PRE"
    assert summary.text_content() == "UserWarning: volatile was removed\n  and now has no effect"
    # selectable, to be copied
    assert summary.evaluate("n => { getSelection().selectAllChildren(n); return getSelection().toString(); }") == (
        "UserWarning: volatile was removed\n  and now has no effect"
    )
    report = small.locator("#ev-reports a")
    assert report.get_attribute("href") == "torch-2.6.0+cu124-py3.11/report.md"
    small.keyboard.press("Escape")
    assert panel.is_hidden()
    cell = _cell(small, "tensors.add", "data-col").nth(0)
    assert (cell.get_attribute("tabindex"), cell.get_attribute("role")) == ("-1", "button")
    assert cell.get_attribute("aria-label") == "tensors.add, 2.13: holds"
    cell.focus()
    small.keyboard.press("Enter")
    assert panel.is_visible()
    assert _panel(small)["claim"] == "tensors.add"
    assert small.locator("#ev-summary").text_content() == "3 of 3 checks passed"
    assert small.locator("#ev-reports a").get_attribute("href") == "torch-2.13.0+cpu-py3.11/report.md"
    small.keyboard.press("Escape")
    assert panel.is_hidden()
    assert cell.evaluate("n => n === document.activeElement"), "focus returns to the cell"
    _cell(small, "old.always_broken", "data-col").last.focus()
    small.keyboard.press(" ")
    assert _panel(small)["verdict"] == "❌ broken"


def test_evidence_panel_opens_by_tap(browser, tmp_path):
    page = _page(browser, tmp_path, report_series(SMALL, _small_claims), has_touch=True)
    _cell(page, "numbers.fixed_later", "data-col").last.tap()
    assert page.locator("#evidence").is_visible()
    assert page.locator("#ev-summary").text_content() == "AssertionError: 1 != 0"


def test_text_from_reports_never_runs_and_scripts_never_become_links(browser, tmp_path):
    def report(name, version, verdict, url="https://example.invalid"):
        claims = [("demo.a", "holds", "Numbers", "q " + PAYLOAD, PAYLOAD),
                  ("demo." + PAYLOAD, verdict, PAYLOAD, PAYLOAD, PAYLOAD)]  # fmt: skip
        return make_report(name, version, claims, sections=("Numbers",), url=url)

    loaded = [
        ("a", report("lib-1.0", "1.0", "broken")),
        ("b", report("lib-1.1", "1.1", "broken")),
        # the newest report (whose rows the page shows) links its document to a script: text, never a link
        ("c", report("javascript:window.__pwned=1", "2.0", "holds", url="javascript:window.__pwned=1")),
    ]
    html = render(merge(loaded, []))
    assert "<img" not in html and html.count("</script>") == 2
    page = _page(browser, tmp_path, loaded)
    assert page.locator("tr.claim").count() == 2
    assert page.locator("th.env").count() == 3
    cell = page.locator("tr.claim").nth(1).locator("td.cell[data-col]")
    cell.nth(2).click()
    assert page.locator("#ev-summary").text_content() == PAYLOAD
    assert page.locator("#ev-quote").text_content() == PAYLOAD
    assert page.locator("#ev-claim").text_content() == "demo." + PAYLOAD
    cell.nth(0).click()
    assert page.locator("#ev-line a").count() == 0, "a javascript: address became a link"
    hrefs = page.evaluate("[...document.querySelectorAll('a[href]')].map(a => a.href)")
    assert hrefs and all(href.startswith("file://") for href in hrefs), hrefs
    page.check("#collapse")  # lib-1.1 repeats lib-1.0: one column for both
    assert page.locator("thead th:visible").count() == 4
    page.locator("tr.claim").nth(1).locator("td.cell[data-group]").click()
    assert page.evaluate("window.__pwned") is None, "text from a report ran as code"
    assert page.locator("img, #evidence script").count() == 0


def test_committed_page_has_a_row_per_claim_and_a_column_per_version(browser, tmp_path):
    path = os.path.join(ROOT, "reports", "compatibility.html")
    if not os.path.exists(path) or not os.path.exists(os.path.join(ROOT, "reports", "compatibility.json")):
        pytest.skip("no reports/compatibility.html yet (nox -s matrix writes it)")
    with open(os.path.join(ROOT, "reports", "compatibility.json"), encoding="utf-8") as handle:
        matrix = json.load(handle)
    page, problems, _requests = _open(browser, path)
    assert problems == []
    assert page.locator("tr.claim").count() == len(matrix["claims"])
    assert page.locator("th.env").count() == len(matrix["columns"])
    page.screenshot(path=str(tmp_path / "compatibility.png"), full_page=True)


def test_page_of_the_reports_on_disk_fits_and_has_a_row_per_claim(browser, tmp_path):
    """The committed reports, merged and rendered now: the page as the next `nox -s matrix` writes it."""
    loaded, _skipped = load_reports(os.path.join(ROOT, "reports"), warn=False)
    if not loaded:
        pytest.skip("no complete reports/*/report.json")
    page = _page(browser, tmp_path, loaded)
    assert page.locator("tr.claim").count() == len({c.id for _path, report in loaded for c in report.claims})
    assert page.locator("th.env").count() == len(loaded)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1400
    cell = page.locator("td.cell[data-col]").first
    cell.click()
    folder = os.path.basename(os.path.dirname(loaded[int(cell.get_attribute("data-col"))][0]))
    assert page.locator("#ev-reports a").get_attribute("href") == folder.replace(" ", "%20") + "/report.md"
    assert os.path.exists(os.path.join(ROOT, "reports", folder, "report.json"))


def test_the_grid_is_one_tab_stop_and_the_arrow_keys_move_in_it(small):
    stops = small.evaluate("[...document.querySelectorAll('td.cell')].filter(c => c.tabIndex === 0).length")
    assert stops == 1, "every cell a tab stop: about 2,000 presses to get past the grid"
    small.focus("#f-search")
    small.keyboard.press("Tab")  # the compare selects, then the grid
    small.keyboard.press("Tab")
    small.keyboard.press("Tab")
    label = "document.activeElement.getAttribute('aria-label')"
    first = small.evaluate(label)
    assert first.endswith(", 2.13: holds") or first.endswith(", 2.13: broken"), first
    small.keyboard.press("ArrowRight")
    assert ", 2.6:" in small.evaluate(label)
    small.keyboard.press("ArrowDown")
    second_row = small.evaluate(label)
    assert ", 2.6:" in second_row and second_row.split(",")[0] != first.split(",")[0]
    small.keyboard.press("End")
    assert ", 2.1:" in small.evaluate(label)
    small.keyboard.press("Enter")
    assert _panel(small)["version"] == "2.1"
    assert small.evaluate("[...document.querySelectorAll('td.cell')].filter(c => c.tabIndex === 0).length") == 1


def test_filters_the_selected_cell_and_a_comparison_live_in_the_address(small):
    small.check("#f-wrong")
    small.fill("#f-search", "old.")
    _cell(small, "old.volatile", "data-col").nth(1).click()
    small.select_option("#cmp-a", label="2.3")
    small.select_option("#cmp-b", label="2.13")
    address = small.evaluate("location.hash")
    for part in ("wrong=1", "q=old.", "cell=old.volatile%40torch-2.6.0%2Bcu124-py3.11", "compare=torch-2.3.1"):
        assert part in address, address
    again = small.context.new_page()
    again.goto(small.url)
    assert again.locator("#f-wrong").is_checked() and again.locator("#f-search").input_value() == "old."
    assert sorted(_shown(again)) == ["old.always_broken", "old.volatile"]
    assert again.locator("#evidence").is_visible() and _panel(again)["version"] == "2.6"
    assert again.locator("#cmp-title").inner_text() == "2.3 → 2.13: 2 claim(s) differ"


def test_two_versions_side_by_side_changes_first(small):
    assert small.locator("#compare").is_hidden()
    small.select_option("#cmp-a", label="2.1")
    small.select_option("#cmp-b", label="2.13")
    changes = small.locator("#cmp-changes li").all_inner_texts()
    assert changes == [  # in the document's order
        "old.volatile: ✅ holds → ⚠️ deprecated — UserWarning: volatile was removed and now has no effect",
        "numbers.fixed_later: ❌ broken → ✅ holds — 2 of 2 checks passed",
    ]
    assert small.locator("#cmp-same").inner_text() == "2 claim(s) have the same verdict in both."


def test_the_panel_shows_facets_notes_and_the_replacement(browser, tmp_path):
    import dataclasses

    from claimcheck.model import FacetResult, Replacement

    def partly(report):
        facets = (
            FacetResult("float32/64", True, "holds", "3 of 3 checks passed", (), core=True),
            FacetResult("signed zero, nan, inf", True, "broken", "AssertionError: sign(nan) is 0, not nan", ()),
            FacetResult("bool", False, "broken", "TypeError: no bool", (), why="not a number"),
        )
        claims = tuple(
            dataclasses.replace(c, verdict="partly", summary="holds for float32/64; not for signed zero, nan, inf",
                                facets=facets, replacement=Replacement("torch.sgn(x)", "holds", "works", ()))
            if c.id == "old.always_broken" else c
            for c in report.claims
        )  # fmt: skip
        return dataclasses.replace(report, claims=claims)

    loaded = [(path, partly(report)) for path, report in report_series(SMALL, _small_claims)]
    page = _page(browser, tmp_path, loaded)
    cell = _cell(page, "old.always_broken", "data-col").first
    assert cell.inner_text() == "🌓" and "partly" in cell.get_attribute("class")
    cell.click()
    assert _panel(page)["verdict"] == "🌓 partly"
    assert page.locator("#ev-replacement").inner_text() == "torch.sgn(x) (holds here)"
    assert page.locator("#ev-notes li").all_inner_texts() == [
        "signed zero, nan, inf: ❌ broken — AssertionError: sign(nan) is 0, not nan"
    ]
    rows = page.locator("#ev-facets tr").all_inner_texts()
    assert [r.split("\t")[1:3] for r in rows] == [
        ["float32/64", "core"],
        ["signed zero, nan, inf", "edge"],
        ["bool", "limit"],
    ], rows


def test_the_legend_is_compact_on_a_phone(browser, tmp_path):
    path = tmp_path / "compatibility.html"
    path.write_text(render(merge(report_series(TORCH, _small_claims), [])), encoding="utf-8")
    phone = browser.new_context(viewport={"width": 390, "height": 800}).new_page()
    phone.goto("file://" + str(path))
    box = phone.locator("#legend-box")
    assert box.evaluate("b => b.open") is False
    assert box.bounding_box()["height"] < 40, "the legend of 30 builds folds into one line"
    wide, _problems, _requests = _open(browser, path)
    assert wide.locator("#legend-box").evaluate("b => b.open") is True
