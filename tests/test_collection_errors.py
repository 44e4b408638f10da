"""Collection stops, with a message naming the check and the claim, when registry and checks disagree."""

from __future__ import annotations

from conftest import claim_table

HOLDS = """
import pytest

@pytest.mark.claim("demo.a")
def test_a():
    assert True
"""


def test_unknown_claim(tree):
    tree.registry(claim_table("demo.a"))
    tree.checks(
        HOLDS
        + """
@pytest.mark.claim("demo.aa")
def test_typo():
    assert True
"""
    )
    run = tree.run()
    assert run.returncode == 4
    assert "test_demo.py::test_typo names unknown claim 'demo.aa' (did you mean 'demo.a'?)" in run.output
    assert not tree.reports.exists()


def test_claim_without_check(tree):
    tree.registry(claim_table("demo.a"), claim_table("demo.lonely"))
    tree.checks(HOLDS)
    run = tree.run()
    assert run.returncode == 4
    assert "claim 'demo.lonely'" in run.output and "has no check" in run.output


def test_check_naming_no_claim(tree):
    tree.registry(claim_table("demo.a"))
    tree.checks(
        HOLDS
        + """
def test_orphan():
    assert True
"""
    )
    run = tree.run()
    assert run.returncode == 4
    assert "test_demo.py::test_orphan names no claims" in run.output


def test_replacement_for_a_claim_without_one(tree):
    tree.registry(claim_table("demo.a"))
    tree.checks(
        HOLDS
        + """
@pytest.mark.replacement("demo.a")
def test_new():
    assert True
"""
    )
    run = tree.run()
    assert run.returncode == 4
    assert "is a replacement check, but claim 'demo.a'" in run.output


def test_malformed_registry_stops_the_run(tree):
    tree.registry(claim_table("demo.a"), claim_table("demo.a"))
    tree.checks(HOLDS)
    run = tree.run()
    assert run.returncode == 4
    assert "claims.toml: claim 'demo.a': duplicate id" in run.output


def test_markers_are_registered(tree):
    tree.registry(claim_table("demo.a"))
    tree.checks(HOLDS)
    run = tree.run("--strict-markers")
    assert run.returncode == 0, run.output


def test_a_check_module_that_fails_to_import_makes_the_run_partial(tree):
    """Its claims also have checks elsewhere: the run is still not complete (a syntax error in one check file
    was written as a complete report of the other files' checks, and the gate passed)."""
    tree.registry(claim_table("demo.a"), claim_table("demo.b"))
    tree.checks(HOLDS + '\n@pytest.mark.claim("demo.b")\ndef test_b_here():\n    assert True\n')
    tree.checks(
        """
import pytest
import no_such_module_anywhere

@pytest.mark.claim("demo.b")
def test_b():
    assert True
""",
        name="test_broken.py",
    )
    run = tree.run("--continue-on-collection-errors", cwd=tree.root / "claims")  # node ids stay rootdir-relative
    assert not list(tree.reports.glob("*/report.json")), run.output  # no complete report
    report = tree.report("report.partial")
    assert report["run"]["complete"] is False
    assert "check module claims/test_broken.py failed to import" in report["run"]["partial_reason"]
    verdicts = {c["id"]: c["verdict"] for c in report["claims"]}
    assert verdicts == {"demo.a": "holds", "demo.b": "error"}
    error = next(k for k in report["claims"][1]["checks"] if k.get("error"))["error"]
    assert error["type"] == "collection" and "no_such_module_anywhere" in error["message"]


def test_an_ignored_check_module_makes_the_run_partial(tree):
    tree.registry(claim_table("demo.a"), claim_table("demo.b"))
    tree.checks(HOLDS + '\n@pytest.mark.claim("demo.b")\ndef test_b_here():\n    assert True\n')
    tree.checks('import pytest\n\n@pytest.mark.claim("demo.b")\ndef test_b():\n    assert True\n', name="test_more.py")
    run = tree.run("--ignore=claims/test_more.py")
    report = tree.report("report.partial")
    assert "check module claims/test_more.py was not collected" in report["run"]["partial_reason"], run.output
