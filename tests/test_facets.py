"""Facets end to end: each facet its own verdict; in-scope facets decide; the rest are limits; crashes; the gate; diff."""

from __future__ import annotations

import json

import pytest
from builders import make_report, with_facets, write_report

from claimcheck import __main__ as cli
from claimcheck.diff import diff
from claimcheck.expectations import compare, derive, dumps, load
from claimcheck.matrix import MatrixError, load_reports, merge
from claimcheck.reading import read_report
from claimcheck.render import cheatsheet_md, matrix_md, report_md
from conftest import claim_table

CHECKS = """
import os
import signal

import pytest

from claimcheck import finding

FACETS = [
    pytest.param("ints", marks=pytest.mark.facet("signed ints"), id="ints"),
    pytest.param("floats", marks=pytest.mark.facet("float32/64"), id="floats"),
    pytest.param("bool", marks=pytest.mark.facet("bool"), id="bool"),
    pytest.param("wide", marks=pytest.mark.facet("wider unsigned ints"), id="wide"),
]


@pytest.mark.claim("demo.pow")
@pytest.mark.parametrize("family", FACETS)
def test_pow(family):
    if family == "wide":
        pytest.skip("domain: this library has no uint16")
    with finding(f"pow({family})"):
        if family == "bool":
            raise NotImplementedError("pow is not implemented for bool")
    assert True


@pytest.mark.claim("demo.view")
@pytest.mark.parametrize("layout", [
    pytest.param("contiguous", marks=pytest.mark.facet("contiguous"), id="contiguous"),
    pytest.param("transposed", marks=pytest.mark.facet("transposed"), id="transposed"),
])
def test_view(layout):
    assert layout == "contiguous", "view fails on a transposed tensor"


@pytest.mark.claim("demo.crash")
def test_crash():
    with finding("os.kill(os.getpid(), signal.SIGSEGV)"):
        os.kill(os.getpid(), signal.SIGSEGV)


@pytest.mark.claim("demo.extra")
def test_extra():
    assert True
"""

REGISTRY = (
    claim_table("demo.pow")
    + 'beyond = {bool = "the statement is about numbers"}\n'
    + claim_table("demo.view", lines=(4,), quote="Small numbers")
    + claim_table("demo.crash", section="Old things", lines=(6,), quote="old_api")
    + claim_table("demo.extra", section="Old things", lines=(7,), quote="Widgets")
    + "addition = true\n"
)


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    from conftest import ClaimsTree

    tree = ClaimsTree(tmp_path_factory.mktemp("facets"))
    (tree.root / "claims" / "claims.toml").write_text("")  # replaced below
    tree.registry(REGISTRY)
    tree.checks(CHECKS)
    run = tree.run("-n", "2")  # pytest's faulthandler on, as in a real run
    folder = next(p for p in tree.reports.iterdir() if p.is_dir())
    return run, folder


def _claim(folder, claim_id):
    report = json.loads((folder / "report.json").read_text())
    return next(c for c in report["claims"] if c["id"] == claim_id), report


def test_in_scope_facets_decide_and_the_rest_are_limits(ran):
    run, folder = ran
    claim, _report = _claim(folder, "demo.pow")
    facets = {f["name"]: f for f in claim["facets"]}
    assert {n: (f["in_scope"], f["verdict"]) for n, f in facets.items()} == {
        "signed ints": (True, "holds"),
        "float32/64": (True, "holds"),
        "wider unsigned ints": (True, "not-run"),
        "bool": (False, "broken"),
    }, run.output[-3000:]
    assert claim["verdict"] == "holds", "a beyond-scope facet made the claim broken"
    assert facets["bool"]["why"] == "the statement is about numbers"
    assert "NotImplementedError: pow is not implemented for bool" in facets["bool"]["summary"]
    assert facets["wider unsigned ints"]["domain"] is True
    assert claim["scope"] == "what the statement is about"
    text = (folder / "report.md").read_text()
    assert "- ❌ broken facet **bool** (beyond scope (the statement is about numbers)):" in text
    assert "limits: bool: ❌ broken" in text  # beside the claim in its section's list
    assert "*limits, beyond the statement's scope*: bool:" in (folder / "cheatsheet.md").read_text()


def test_each_facet_has_its_own_counterexample(ran):
    _run, folder = ran
    claim, _report = _claim(folder, "demo.view")
    facets = {f["name"]: f["verdict"] for f in claim["facets"]}
    assert facets == {"contiguous": "holds", "transposed": "broken"}
    assert claim["verdict"] == "broken"
    assert [c["facet"] for c in claim["checks"]] == ["contiguous", "transposed"]


def test_a_crash_inside_the_statement_is_broken_with_the_signal_and_the_call(ran):
    run, folder = ran
    claim, report = _claim(folder, "demo.crash")
    assert claim["verdict"] == "broken", run.output[-3000:]
    error = claim["checks"][0]["error"]
    assert error["type"] == "crash" and error["call"] == "os.kill(os.getpid(), signal.SIGSEGV)"
    assert "Segmentation fault" in error["message"]
    assert report["run"]["complete"] is True, "a finding, not a lost check: the run is complete"


def test_additions_are_counted_apart(ran):
    _run, folder = ran
    claim, report = _claim(folder, "demo.extra")
    assert claim["addition"] is True
    assert sum(report["summary"].values()) == 3 and report["additions_summary"]["holds"] == 1
    text = (folder / "report.md").read_text()
    assert "## The suite's additions" in text and "across the cheatsheet's 3 claims" in text
    assert "## The suite's additions" in (folder / "cheatsheet.md").read_text()


def test_a_beyond_facet_no_check_covers_is_refused(tree):
    tree.registry(claim_table("demo.a") + 'beyond = {bool = "not numbers"}\n')
    tree.checks("""
        import pytest

        @pytest.mark.claim("demo.a")
        @pytest.mark.facet("bools")
        def test_a():
            assert True
        """)
    run = tree.run()
    assert run.returncode == 4
    assert "claim 'demo.a'" in run.output and "puts facet 'bool' beyond its scope, but no check" in run.output


def _matrix_reports(tmp_path):
    old = with_facets(
        make_report("lib-1.0", "1.0", {"demo.pow": "holds"}),
        "demo.pow",
        [("float32/64", True, "holds"), ("bool", False, "broken"), ("uint16", True, "not-run")],
    )
    new = with_facets(
        make_report("lib-2.0", "2.0", {"demo.pow": "holds"}),
        "demo.pow",
        [("float32/64", True, "holds"), ("bool", False, "holds"), ("uint16", True, "holds")],
    )
    return old, new


def test_change_points_are_recorded_per_facet_with_both_sides(tmp_path):
    old, new = _matrix_reports(tmp_path)
    write_report(tmp_path, old)
    write_report(tmp_path, new)
    matrix = merge(*load_reports(str(tmp_path)))
    row = matrix.claims[0]
    assert row.changed == ()  # the claim's verdict held throughout
    changes = {c.facet: c.to_json() for c in row.facet_changes}
    assert changes["bool"] == {
        "after": "lib-1.0", "at": "lib-2.0", "from": "broken", "to": "holds", "facet": "bool", "in_scope": False,
        "kind": "claim", "from_evidence": "bool: why broken", "to_evidence": "bool: why holds",
    }  # fmt: skip
    text = matrix_md.render(matrix)
    assert "· facet bool (beyond scope): ❌ broken → ✅ holds — bool: why broken" in text
    assert json.loads(json.dumps(matrix.to_json()))["claims"][0]["facet_changes"]


def test_the_gate_sees_a_change_inside_a_claim_that_holds(tmp_path):
    old, new = _matrix_reports(tmp_path)
    derived = derive([("a/report.json", old)])
    path = tmp_path / "expectations.toml"
    path.write_text(dumps(derived, ["demo.pow"]))
    assert '[facets."demo.pow"."bool"]' in path.read_text()
    expectations = load(str(path))
    assert compare(expectations, old) == []
    news = compare(expectations, new)
    assert any("demo.pow facet 'bool' at 2.0: expected broken" in line for line in news), news


def test_diff_names_claims_and_facets_with_evidence(tmp_path, capsys):
    old, new = _matrix_reports(tmp_path)
    lines = diff(old, new)
    assert lines[0].startswith("torch 1.0 → 2.0") and "0 claim(s) changed verdict, 2 facet(s) changed" in lines[0]
    assert "  facet bool (beyond scope): broken → holds" in lines
    write_report(tmp_path, old)
    write_report(tmp_path, new)
    assert cli.main(["diff", "1.0", "2.0", "--reports", str(tmp_path)]) == 0
    assert "facet bool (beyond scope): broken → holds" in capsys.readouterr().out
    assert cli.main(["diff", "1.0", "3.0", "--reports", str(tmp_path)]) == 2
    assert "no complete report of torch 3.0 on disk" in capsys.readouterr().err


def test_a_version_2_report_is_read_and_never_merged_with_a_newer_one(tmp_path):
    """Schema 2 knew no partly verdict and no core facets: it is read as written, and a merge with a schema 3
    report is refused (their verdicts follow different rules), naming the older file and what to do."""
    old = make_report("lib-1.0", "1.0", {"demo.a": "broken"})
    data = old.to_json()
    data["schema_version"] = 2
    for key in ("summary", "additions_summary"):
        del data[key]["partly"]
    (tmp_path / "lib-1.0").mkdir()
    path = tmp_path / "lib-1.0" / "report.json"
    path.write_text(json.dumps(data))
    read = read_report(str(path))
    assert read.schema_version == 2 and read.claims[0].verdict == "broken"
    assert not any(f.core for f in read.claims[0].facets)
    assert report_md.render(read) and cheatsheet_md.render(read)
    write_report(tmp_path, make_report("lib-2.0", "2.0", {"demo.a": "holds"}))
    with pytest.raises(MatrixError, match=r"report schemas 2, 3 cannot be compared.*lib-1.0.*regenerate them"):
        load_reports(str(tmp_path), warn=False)  # what merge, bisect, diff and the expectations read through
    loaded = [(str(path), read), ("lib-2.0/report.json", make_report("lib-2.0", "2.0", {"demo.a": "holds"}))]
    with pytest.raises(MatrixError, match=r"report schemas 2, 3 cannot be compared"):
        merge(loaded, [])


def test_upgrade_notes_from_the_committed_reports(capsys):
    """`diff` on the reports this project commits: float16 kernels torch added on the CPU in 2.1, with both sides'
    evidence, at claim and facet level, the facet labelled a coverage change."""
    import os

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    assert cli.main(["diff", "2.0.1", "2.1.2", "--reports", os.path.join(root, "reports")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("torch 2.0.1+cu117 → 2.1.2+cu121")
    at = out.index("functions.sigmoid: partly → holds")  # the statement's own use held: only float16 failed
    assert out[at + 1].startswith(
        "    before: holds for float32/64; not for float16 signed zero, nan, inf, float16 (dtype"
    )
    facet = out.index("  facet float16 (in scope, coverage): broken → holds", at)
    assert (
        out[facet + 1]
        == """    before: failed (sigmoid-float16): RuntimeError: "sigmoid_cpu" not implemented for 'Half'"""
    )
    assert out[facet + 2] == "    after:  1 of 1 checks passed"
