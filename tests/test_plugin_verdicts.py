"""The plugin end to end on synthetic claims: each verdict, its evidence, the report."""

from __future__ import annotations

import pytest

from claimcheck.reading import read_report
from conftest import ClaimsTree, claim_table

CHECKS = """
import warnings

import pytest
from hypothesis import given, strategies as st

from claimcheck import finding


def old_api():
    warnings.warn("old_api is deprecated; use new_api", DeprecationWarning)
    return 1


old_api()  # warned once at import: later checks must still see it


@pytest.mark.claim("demo.holds")
@given(x=st.integers())
def test_holds(x, evidence):
    evidence.measure("bytes kept", 0, "bytes")
    evidence.measure("a call", 0.0012, "s", iqr=0.0001, rounds=7)
    evidence.note("integers are reflexive")
    assert x == x


@pytest.mark.claim("demo.counterexample")
@given(x=st.integers())
def test_counterexample(x):
    assert x < 10, "x={} should stay below 10".format(x)


@pytest.mark.claim("demo.raises")
def test_raises():
    with finding("int('ten')"):
        int("ten")


@pytest.mark.claim("demo.deprecated")
def test_deprecated_first():
    assert old_api() == 1


@pytest.mark.claim("demo.deprecated")
def test_deprecated_again():
    assert old_api() == 1


@pytest.mark.claim("demo.skipped")
def test_skipped():
    pytest.skip("needs 2 widgets, found 0")


@pytest.fixture
def exploding():
    raise RuntimeError("fixture exploded")


@pytest.mark.claim("demo.fixture_error")
def test_fixture_error(exploding):
    assert exploding


@pytest.mark.claim("demo.our_bug")
def test_our_bug():
    assert undefined_name  # noqa: F821 - a bug of ours, not a finding


@pytest.mark.claim("demo.html")
def test_html():
    assert False, "<script>alert(1)</script> | **bold**"
"""

IDS = [
    "demo.holds",
    "demo.counterexample",
    "demo.raises",
    "demo.deprecated",
    "demo.skipped",
    "demo.fixture_error",
    "demo.our_bug",
    "demo.html",
]


@pytest.fixture(scope="module")
def ran_tree(tmp_path_factory):
    tree = ClaimsTree(tmp_path_factory.mktemp("verdicts"))
    tree.registry(*(claim_table(i) for i in IDS))
    tree.checks(CHECKS)
    return tree, tree.run()


@pytest.fixture
def ran(ran_tree):
    tree, result = ran_tree
    return result, tree.report()


def _claim(report, claim_id):
    return next(c for c in report["claims"] if c["id"] == claim_id)


def test_pytest_stays_truthful(ran):
    result, _ = ran
    assert result.returncode == 1
    assert result.outcomes() == {"passed": 3, "failed": 4, "skipped": 1, "error": 1}


def test_each_outcome_becomes_its_verdict(ran):
    _, report = ran
    verdicts = {c["id"]: c["verdict"] for c in report["claims"]}
    assert verdicts == {
        "demo.holds": "holds",
        "demo.counterexample": "broken",
        "demo.raises": "broken",
        "demo.deprecated": "deprecated",
        "demo.skipped": "not-run",
        "demo.fixture_error": "error",
        "demo.our_bug": "error",
        "demo.html": "broken",
    }
    assert report["summary"] == {"holds": 1, "partly": 0, "deprecated": 1, "broken": 3, "not-run": 1, "error": 2}


def test_counterexample_is_a_runnable_snippet(ran):
    check = _claim(ran[1], "demo.counterexample")["checks"][0]
    assert "x=10" in check["example"]
    assert check["snippet"].splitlines() == ["x = 10", "# fails: AssertionError: x=10 should stay below 10"]


def test_subject_error_names_the_call(ran):
    check = _claim(ran[1], "demo.raises")["checks"][0]
    assert check["error"] == {
        "type": "ValueError",
        "call": "int('ten')",
        "message": "invalid literal for int() with base 10: 'ten'",
    }


def test_deprecation_warning_is_evidence_in_any_order(ran):
    claim = _claim(ran[1], "demo.deprecated")
    assert [c["verdict"] for c in claim["checks"]] == ["deprecated", "deprecated"]
    assert claim["summary"] == "DeprecationWarning: old_api is deprecated; use new_api"


def test_skip_reason_and_errors(ran):
    report = ran[1]
    assert _claim(report, "demo.skipped")["summary"] == "needs 2 widgets, found 0"
    fixture = _claim(report, "demo.fixture_error")["checks"][0]
    assert fixture["outcome"] == "error" and "fixture exploded" in fixture["error"]["message"]
    bug = _claim(report, "demo.our_bug")["checks"][0]
    assert bug["error"]["type"] == "NameError"


def test_measurements_and_notes_are_recorded_once(ran):
    check = _claim(ran[1], "demo.holds")["checks"][0]
    assert check["measurements"] == [
        {"name": "bytes kept", "value": 0, "unit": "bytes"},
        {"name": "a call", "value": 0.0012, "unit": "s", "iqr": 0.0001, "rounds": 7},
    ]
    assert check["notes"] == ["integers are reflexive"]


def test_measurements_have_their_own_section_in_the_markdown(ran_tree):
    folder = next(p for p in ran_tree[0].reports.iterdir() if p.is_dir())
    text = (folder / "report.md").read_text()
    section = text[text.index("## Measurements") : text.index("## Evidence")]
    assert "### demo.holds" in section and "- integers are reflexive" in section
    assert "| a call | 1.2 ms | 100 µs | 7 |" in section
    assert "| bytes kept | 0 bytes |  |  |" in section
    assert "demo.counterexample" not in section, "only measured claims are listed"


def test_report_records_environment_and_run(ran):
    report = ran[1]
    assert report["environment"]["name"].startswith("python-")
    assert report["run"]["hypothesis"] == {"profile": "ci", "seed": None, "derandomize": True, "max_examples": 60}
    assert report["run"]["complete"] is True
    assert report["suite"]["sections"] == ["Numbers"]


def test_markdown_escapes_run_text(ran_tree):
    tree = ran_tree[0]
    folder = next(p for p in tree.reports.iterdir() if p.is_dir())
    text = (folder / "report.md").read_text()
    assert "<script>" not in text
    assert "&#60;script&#62;alert(1)&#60;/script&#62; &#124; &#42;&#42;bold&#42;&#42;" in text
    assert text.splitlines()[2].startswith("**✅ 1 holds · 🌓 0 partly · ⚠️ 1 deprecated · ❌ 3 broken")


def test_subset_run_keeps_the_full_report(tree):
    tree.registry(claim_table("demo.a"), claim_table("demo.b"))
    tree.checks("""
        import pytest

        @pytest.mark.claim("demo.a")
        def test_a():
            assert True

        @pytest.mark.claim("demo.b")
        def test_b():
            assert True
        """)
    assert tree.run().outcomes() == {"passed": 2}
    full = tree.report()
    assert tree.run("-k", "test_a").outcomes() == {"passed": 1, "deselected": 1}
    assert tree.report() == full
    partial = tree.report("report.partial")
    assert partial["run"]["complete"] is False
    assert partial["run"]["partial_reason"] == (
        "1 of 2 checks deselected (-k, -m or another plugin), claims/test_demo.py::test_b first; 1 of 2 claims selected"
    )
    assert [c["id"] for c in partial["claims"]] == ["demo.a"]


def test_deselecting_one_of_a_claims_checks_is_partial_and_names_it(tree):
    """Every claim is still selected, yet one of demo.a's checks is not: the complete report must not change."""
    tree.registry(claim_table("demo.a"), claim_table("demo.b"))
    tree.checks("""
        import pytest

        @pytest.mark.claim("demo.a")
        def test_a_holds():
            assert True

        @pytest.mark.claim("demo.a")
        def test_a_breaks():
            assert False, "the part a thinner run would miss"

        @pytest.mark.claim("demo.b")
        def test_b():
            assert True
        """)
    assert tree.run().outcomes() == {"passed": 2, "failed": 1}
    full = tree.report()
    assert next(c for c in full["claims"] if c["id"] == "demo.a")["verdict"] == "broken"
    run = tree.run("-k", "not test_a_breaks")
    assert run.outcomes() == {"passed": 2, "deselected": 1}
    assert tree.report() == full, "a thinner run replaced the complete report"
    partial = tree.report("report.partial")
    assert partial["run"]["complete"] is False
    assert "1 of 3 checks deselected" in partial["run"]["partial_reason"]
    assert "claims/test_demo.py::test_a_breaks" in partial["run"]["partial_reason"]
    assert "partial report:" in run.output and "was left as it was" in run.output
    assert tree.run().outcomes() == {"passed": 2, "failed": 1}
    assert not list(tree.reports.glob("*/report.partial.*")), "a complete run leaves a stale partial report"


def test_replacement_has_its_own_verdict(tree):
    tree.registry(claim_table("demo.old", replacement="new_way()"))
    tree.checks("""
        import pytest

        @pytest.mark.claim("demo.old")
        def test_old():
            assert 1 == 2, "old way is gone"

        @pytest.mark.replacement("demo.old")
        def test_new():
            assert 1 == 1
        """)
    assert tree.run().outcomes() == {"passed": 1, "failed": 1}
    claim = tree.report()["claims"][0]
    assert claim["verdict"] == "broken"
    assert claim["replacement"]["idiom"] == "new_way()"
    assert claim["replacement"]["verdict"] == "holds"
    assert claim["replacement"]["checks"][0]["nodeid"].endswith("::test_new")


def test_report_follows_the_schema(ran_tree):
    tree = ran_tree[0]
    folder = next(p for p in tree.reports.iterdir() if p.is_dir())
    report = read_report(str(folder / "report.json"))  # validates against the schema, or raises naming the field
    assert [c.id for c in report.claims] == [c["id"] for c in tree.report()["claims"]]
    assert report.summary == tree.report()["summary"]


def test_corrected_cheatsheet_lists_claims_by_section(ran_tree):
    tree = ran_tree[0]
    folder = next(p for p in tree.reports.iterdir() if p.is_dir())
    text = (folder / "cheatsheet.md").read_text()
    assert "## Numbers" in text
    assert "- ✅ [L3][2] `Numbers are equal` — wording of demo.holds" in text
    assert "[2]: https://example.invalid/demo.md#L3" in text  # each address once, as a reference
    assert "*false in the statement's own use*: failed: AssertionError: x=10 should stay below 10" in text
    assert "<script>" not in text
