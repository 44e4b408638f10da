"""Partly support and what the reports tell a reader to do: the core facets decide, an edge makes a claim partly;
"since" follows the present reason; a terminal, Markdown and upgrade notes that fit and say what to write instead."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from builders import make_report, with_facets, write_report

from claimcheck import __main__ as cli
from claimcheck.matrix import load_reports, merge, since_now
from claimcheck.model import Cell, FacetResult, Replacement
from claimcheck.render import cheatsheet_md, matrix_md, report_md, terminal

POW = [("float32/64", True, "holds", True), ("complex", True, "broken"), ("uint8", True, "holds"),
       ("bool", False, "broken")]  # fmt: skip


def _pow_report(name="lib-2.0", version="2.0", facets=POW):
    report = make_report(name, version, [("demo.pow", "holds"), ("demo.conv", "broken"), ("demo.ok", "holds")])
    return with_facets(report, "demo.pow", facets)


def test_an_edge_that_fails_makes_the_claim_partly_with_numbered_notes():
    claim = _pow_report().claims[0]
    assert claim.verdict == "partly"
    assert claim.summary == "holds for float32/64; not for complex; 2 of 3 facets in scope hold"
    assert [f.name for f in claim.edges] == ["complex"] and claim.share == (2, 3)
    assert not claim.coverage_only
    text = report_md.render(_pow_report())
    glance = text.split("## At a glance", 1)[1].split("\n## ", 1)[0]
    assert "🌓 partly [`demo.pow`]" in glance and "2 of 3 facets in scope hold." in " ".join(glance.split())
    assert "  1. complex: ❌ broken complex: why broken" in glance  # the facet summary as the builder wrote it
    assert "1. complex: ❌ broken" in cheatsheet_md.render(_pow_report())


def test_a_core_facet_that_fails_makes_the_claim_broken_and_coverage_is_tagged():
    broken = _pow_report(facets=[("float32/64", True, "broken", True), ("complex", True, "holds")])
    assert broken.claims[0].verdict == "broken"
    coverage = _pow_report(facets=[("float32/64", True, "holds", True), ("float16", True, "broken", False, True)])
    claim = coverage.claims[0]
    assert claim.verdict == "partly" and claim.coverage_only
    assert (
        claim.summary == "holds for float32/64; not for float16 (dtype or kernel coverage); 1 of 2 facets in scope hold"
    )


def test_since_follows_the_reason_the_claim_fails_now():
    """pow: broken for bool from 1.3 (another reason), then for complex from 1.6 on: "since 1.6", not 1.3."""
    columns = ["1.2", "1.3", "1.6", "2.0"]
    facet = lambda verdict, coverage=False: FacetResult("f", True, verdict, "s", (), coverage=coverage)  # noqa: E731
    cells = {env: Cell(v, "s") for env, v in zip(columns, ["holds", "broken", "broken", "broken"])}
    facets = {
        "uint8": {"1.2": facet("holds"), "1.3": facet("broken"), "1.6": facet("holds"), "2.0": facet("holds")},
        "complex": {"1.6": facet("broken"), "2.0": facet("broken")},  # not checked before 1.6: a break
    }
    assert since_now(columns, cells, facets) == "1.6"
    # the same facet failing for another reason (a refused kernel) is another reason
    facets["complex"]["1.3"] = facet("broken", coverage=True)
    assert since_now(columns, cells, facets) == "1.6"
    # a claim that holds is so since its unbroken run of holds
    holds = {env: Cell("holds", "s") for env in columns}
    assert since_now(columns, holds, {}) == "1.2"


def test_the_share_holding_counts_only_the_claims_that_ran(tmp_path):
    report = make_report("lib-1.0", "1.0", {"demo.a": "holds", "demo.b": "broken", "demo.c": "not-run"})
    write_report(tmp_path, report)
    matrix = merge(*load_reports(str(tmp_path)))
    assert matrix.holding_share["lib-1.0"] == 0.5


def test_the_terminal_lines_fit_carry_the_replacement_and_no_control_codes():
    report = _pow_report()
    conv = dataclasses.replace(
        report.claims[1],
        summary="AssertionError: \x1b[31mred\x1b[0m kernel (kH, kW) " + "very long evidence " * 30,
        replacement=Replacement("nn.Conv2d(1, 1, (kH, kW))", "holds", "works", ()),
    )
    report = dataclasses.replace(report, claims=(report.claims[0], conv, report.claims[2]))
    lines = terminal.act_lines(report, columns=80)
    assert [line.split()[:2] for line in lines] == [["broken", "demo.conv:"], ["partly", "demo.pow:"]]
    assert all(len(line) <= 80 for line in lines), lines
    assert lines[0].endswith("→ instead: nn.Conv2d(1, 1, (kH, kW))") and "\x1b" not in lines[0]
    assert "AssertionError: red" in lines[0]  # the colour code is gone, the text kept


def _prose_lines(text):
    """The lines of Markdown outside fenced code and tables."""
    text = re.sub(r"(?ms)^\s*(`{3,}).*?^\s*\1", "", text)
    return [line for line in text.splitlines() if not line.startswith("|")]


def test_markdown_fits_githubs_width_and_writes_each_address_once(tmp_path):
    long_quote = "a quote " * 30
    report = make_report("lib-1.0", "1.0", [("demo.a", "broken", "Numbers", long_quote, "evidence " * 80)] + [
        (f"demo.x{i}", "holds") for i in range(5)])  # fmt: skip
    report = dataclasses.replace(
        report, claims=tuple(dataclasses.replace(c, lines=(3,), url="https://example.invalid/demo.md#L3")
                             for c in report.claims),
    )  # fmt: skip
    for text in (report_md.render(report), cheatsheet_md.render(report)):
        too_wide = [line for line in _prose_lines(text) if len(line) > 120 and " " in line.strip()]
        assert too_wide == [], too_wide[:3]
        assert text.count("https://example.invalid/demo.md#L3") == 1, "one address, one reference definition"
    write_report(tmp_path, report)
    write_report(tmp_path, make_report("lib-2.0", "2.0", {"demo.a": "holds"}))
    text = matrix_md.render(merge(*load_reports(str(tmp_path))))
    grid = text.split("## Grid", 1)[1]
    too_wide = [line for line in _prose_lines(text.split("## Grid", 1)[0] + grid) if len(line) > 120]
    assert too_wide == [], too_wide[:3]


def _diff_tree(tmp_path):
    for name, version, verdict in [("lib-2.5.0", "2.5.0", "holds"), ("lib-2.5.1", "2.5.1", "holds"),
                                   ("lib-2.10.0", "2.10.0", "broken"), ("lib-2.6.0", "2.6.0", "deprecated")]:  # fmt: skip
        report = make_report(name, version, [("demo.a", verdict, "Numbers", "q", "UserWarning: " + "long " * 300)])
        if verdict != "holds":
            report = dataclasses.replace(
                report,
                claims=tuple(dataclasses.replace(c, replacement=Replacement("new_a()", "holds", "works", ()))
                             for c in report.claims),
            )  # fmt: skip
        write_report(tmp_path, report)


def test_diff_takes_a_series_orders_versions_numerically_and_shortens(tmp_path, capsys):
    _diff_tree(tmp_path)
    assert cli.main(["diff", "2.5", "2.6", "--reports", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("torch 2.5.1 → 2.6.0"), out[0]  # 2.5 is the newest 2.5.x on disk
    assert out[1] == "demo.a: holds → deprecated"
    assert max(len(line) for line in out) < 230, "a warning of 1,500 characters is shortened"
    assert "    instead: new_a() (holds in lib-2.6.0)" in out
    assert cli.main(["diff", "2.5", "3.1", "--reports", str(tmp_path)]) == 2
    assert "(reports of: 2.5.0, 2.5.1, 2.6.0, 2.10.0)" in capsys.readouterr().err  # 2.10 after 2.6


@pytest.mark.parametrize("form", ["md", "json"])
def test_diff_formats(tmp_path, capsys, form):
    _diff_tree(tmp_path)
    assert cli.main(["diff", "2.6.0", "2.10", "--reports", str(tmp_path), "--format", form]) == 0
    out = capsys.readouterr().out
    if form == "json":
        data = json.loads(out)
        assert data["from"]["version"] == "2.6.0" and data["to"]["version"] == "2.10.0"
        (change,) = data["changes"]
        assert (change["claim"], change["from"], change["to"], change["replacement"]) == (
            "demo.a",
            "deprecated",
            "broken",
            "new_a()",
        )
        assert len(change["to_evidence"]) > 1000, "JSON keeps the evidence whole"
    else:
        assert out.startswith("# Upgrading torch 2.6.0 → 2.10.0")
        assert "- `demo.a`: ⚠️ deprecated → ❌ broken" in out and "**Instead:** `new_a()`" in out
        assert all(len(line) <= 120 for line in out.splitlines())


@pytest.mark.parametrize(
    "text",
    ["\x1b[31mred\x1b[0m", "\x1b]8;;https://evil.invalid\x07link\x1b]8;;\x07", "over\rwritten", "bell\x07"],
)
def test_no_control_character_reaches_a_reader(text):
    """ANSI and OSC sequences and carriage returns from a report are removed in Markdown and on the terminal."""
    report = make_report("lib-1.0", "1.0", [("demo.a", "broken", "Numbers", "q " + text, "why " + text)])
    for rendered in (report_md.render(report), cheatsheet_md.render(report), "\n".join(terminal.act_lines(report))):
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", rendered), repr(rendered[:300])


@pytest.mark.parametrize("field", ["quote", "wording", "scope"])
def test_the_registry_refuses_control_characters(tmp_path, field):
    from claimcheck.registry import RegistryError, load_registry
    from conftest import ClaimsTree, claim_table

    tree = ClaimsTree(tmp_path)
    old = {"quote": 'quote = "Numbers are equal"', "wording": 'wording = "wording of demo.a"',
           "scope": 'scope = "what the statement is about"'}[field]  # fmt: skip
    tree.registry(claim_table("demo.a").replace(old, old[:-1] + '\\u001b[2J"'))
    with pytest.raises(RegistryError, match=f"field '{field}' holds a control character"):
        load_registry(str(tmp_path / "claims" / "claims.toml"))


def test_a_report_whose_subject_version_is_not_a_version_is_skipped_by_name(tmp_path):
    write_report(tmp_path, make_report("lib-1.0", "1.0", {"demo.a": "holds"}))
    path = write_report(tmp_path, make_report("lib-nightly", "banana", {"demo.a": "broken"}))
    loaded, skipped = load_reports(str(tmp_path), warn=False)
    assert [r.environment.name for _p, r in loaded] == ["lib-1.0"]
    assert [s.path for s in skipped] == [path] and "subject version 'banana' is not a version" in skipped[0].reason
