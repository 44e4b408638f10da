"""Every renderer treats what comes from a report as data: escaped text, code that cannot end its cell, safe links."""

from __future__ import annotations

import re

import pytest
from builders import make_report, write_report

from claimcheck import __main__ as cli
from claimcheck.matrix import load_reports, merge
from claimcheck.render import cheatsheet_md, matrix_md, report_md
from claimcheck.render.text import cell_code, link, safe_url

HOSTILE_QUOTE = "a | b ` c <script>alert(1)</script>"
HOSTILE_SUMMARY = "<img src=x onerror=alert(1)> | [click](javascript:alert(1)) *bold*"


def _hostile(tmp_path, url="javascript:alert(1)//"):
    claims: list = [("demo.a", "broken", "Numbers", HOSTILE_QUOTE, HOSTILE_SUMMARY), ("demo.b", "holds", "Numbers")]
    return make_report("lib-1.0", "1.0", claims, url=url)


def _outside_code(text):
    """The Markdown with its code spans and fenced blocks removed: what a renderer would read as markup."""
    text = re.sub(r"(?ms)^\s*(`{3,}).*?^\s*\1", "", text)
    return re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", text)


def _table_rows(text):
    return [line for line in text.splitlines() if line.startswith("| ") and "demo.a" in line]


@pytest.mark.parametrize("render", [report_md.render, cheatsheet_md.render], ids=["report.md", "cheatsheet.md"])
def test_report_markdown_escapes_text_and_drops_unsafe_links(tmp_path, render):
    text = _outside_code(render(_hostile(tmp_path)))
    assert "<script>" not in text and "<img" not in text
    assert "](javascript" not in text, "an unsafe address became a link"
    assert "&#91;click&#93;(javascript" in text  # the summary's would-be link is shown as text
    for row in _table_rows(text):  # a `|` inside a quote must not open a new cell
        assert row.count(" | ") - row.count("\\|") <= 6, row


def test_a_pipe_in_a_quote_stays_in_its_cell():
    assert cell_code("a | b") == "`a \\| b`"
    row = "| " + cell_code("x | y") + " | next |"
    cells = [c for c in row.replace("\\|", "").split("|") if c.strip()]
    assert len(cells) == 2


@pytest.mark.parametrize(
    "url, safe",
    [
        ("https://github.com/x/y#L3", True),
        ("http://example.invalid/", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("data:text/html,<b>", False),
        ("https://x.invalid/a b", False),
        ("//evil.invalid", False),
        (None, False),
    ],
)
def test_only_http_addresses_become_links(url, safe):
    assert (safe_url(url) is not None) is safe
    assert link("text", url).startswith("[text](") is safe


def test_matrix_markdown_escapes_ids_quotes_summaries_and_changes(tmp_path):
    write_report(tmp_path, _hostile(tmp_path))
    later = make_report("lib-2.0", "2.0", [("demo.a", "holds", "Numbers", HOSTILE_QUOTE, "fine"), ("demo.b", "holds")])
    write_report(tmp_path, later)
    text = matrix_md.render(merge(*load_reports(str(tmp_path))))
    assert "<script>" not in _outside_code(text) and "<img" not in text and "](javascript" not in text
    assert "`demo.a`: ❌ broken → ✅ holds" in text
    for row in _table_rows(text):
        unescaped = row.replace("\\|", "")
        assert unescaped.count("|") == row.count("|") - row.count("\\|")
        assert "a \\| b" in row


def test_report_md_opens_with_every_claim_to_act_on(tmp_path):
    import dataclasses

    from claimcheck.model import Replacement

    report = make_report(
        "lib-1.0",
        "1.0",
        [("demo.a", "holds"), ("demo.b", "broken"), ("demo.c", "deprecated"), ("demo.d", "not-run")],
    )
    claims = tuple(
        dataclasses.replace(c, replacement=Replacement("new_b()", "holds", "works", ())) if c.id == "demo.b" else c
        for c in report.claims
    )
    text = report_md.render(dataclasses.replace(report, claims=claims))
    glance = text.split("## At a glance", 1)[1].split("## ", 1)[0]
    items = [line for line in glance.splitlines() if line.startswith("- ")]
    assert [i.split("`")[1] for i in items] == ["demo.b", "demo.c"]  # broken first; holds and not-run are not listed
    assert "**Instead:** `new_b()`" in items[0] and "why broken" in items[0]
    assert text.index("## At a glance") < text.index("## Numbers") < text.index("## Environment")
    environment = text.split("## Environment", 1)[1].splitlines()
    assert environment[2] == "- **environment**: lib-1.0"


def test_render_rewrites_both_markdown_files_or_neither(tmp_path, monkeypatch, capsys):
    path = write_report(tmp_path, make_report("lib-1.0", "1.0", {"demo.a": "holds"}))
    folder = tmp_path / "lib-1.0"
    (folder / "report.md").write_text("old report")
    (folder / "cheatsheet.md").write_text("old cheatsheet")

    def full_disk(report):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cheatsheet_md, "render", full_disk)
    with pytest.raises(OSError):
        cli.main(["render", path])
    assert (folder / "report.md").read_text() == "old report"
    monkeypatch.undo()
    assert cli.main(["render", path]) == 0
    assert (folder / "report.md").read_text().startswith("# Claims report: lib-1.0")
    assert (folder / "cheatsheet.md").read_text().startswith("# demo document, checked against lib-1.0")


@pytest.mark.parametrize("command", ["render", "summary"])
def test_a_damaged_report_is_named_with_its_field(tmp_path, capsys, command):
    data = make_report("lib-1.0", "1.0", {"demo.a": "holds"}).to_json()
    data["run"]["complete"] = "yes"
    target = tmp_path / "report.json"
    import json

    target.write_text(json.dumps(data))
    assert cli.main([command, str(target)]) == 2
    err = capsys.readouterr().err
    assert f"{target}: field run.complete: 'yes' is not of type 'boolean'" in err
    assert "Traceback" not in err


def test_a_check_keeps_its_duration_as_report_json_does():
    """So that report.md written by a run and `claimcheck render` of its report.json agree byte for byte:
    0.014951 s would read 0.01 s from the run and 0.02 s (0.015) from the JSON otherwise."""
    from claimcheck.model import Check
    from claimcheck.report import check_from_phases

    phase = {"claim": "demo.a", "role": "as-written", "facet": "all", "outcome": "passed", "warnings": []}
    check = check_from_phases(
        "t::a", [dict(phase, when="setup", duration=0.0), dict(phase, when="call", duration=0.014951)]
    )
    again = Check.from_json(check.to_json(), "demo.a")
    assert check.duration_s == again.duration_s == 0.015
    assert f"{check.duration_s:.2f}" == f"{again.duration_s:.2f}"
