"""The plugin behaves as pytest users expect: an entry point that -p no: turns off, inert outside a claims tree,
--lf and --ff, one claim by id, verdicts in --junitxml, and a console script whose help says what it does."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

from conftest import claim_table

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CHECKS = """
    import warnings
    import pytest

    @pytest.mark.claim("demo.holds")
    def test_holds():
        assert 1 == 1

    @pytest.mark.claim("demo.broken")
    def test_broken():
        assert 1 == 2, "one is not two"

    @pytest.mark.claim("demo.old")
    def test_old():
        warnings.warn("old_api is deprecated; use new_api", DeprecationWarning)

    @pytest.mark.claim("demo.gpu")
    def test_gpu():
        pytest.skip("needs a GPU")
"""


def _tree(tree):
    tree.registry(*(claim_table(f"demo.{name}") for name in ("holds", "broken", "old", "gpu")))
    tree.checks(CHECKS)
    return tree


def test_the_plugin_is_a_pytest11_entry_point():
    from importlib.metadata import entry_points

    found = [e for e in entry_points(group="pytest11") if e.name == "claimcheck"]
    assert [e.value for e in found] == ["claimcheck.plugin"]


def test_it_stays_inert_outside_a_claims_tree(pytester):
    pytester.makepyfile(test_plain="def test_one():\n    assert True\n")
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)
    assert not (pytester.path / "reports").exists()
    assert "claims:" not in result.stdout.str()


def test_no_claimcheck_turns_it_off(tree):
    _tree(tree)
    run = tree.run("-p", "no:claimcheck")
    assert run.returncode == 4  # its options are gone: pytest refuses --claims-reports
    assert "unrecognized arguments: --claims-reports" in run.output
    assert not tree.reports.exists()


def test_last_failed_reruns_the_broken_check(tree):
    _tree(tree)
    first = tree.run(cache=True)
    assert first.outcomes() == {"passed": 2, "failed": 1, "skipped": 1}
    again = tree.run("--lf", cache=True)
    assert again.outcomes() == {"failed": 1}
    assert "run-last-failure: rerun previous 1 failure" in again.output
    partial = tree.report("report.partial")  # a subset never stands for a whole run
    assert partial["run"]["complete"] is False
    assert "--lf: only the checks that failed last time were collected" in partial["run"]["partial_reason"]
    first_failures = tree.run("--ff", cache=True)  # runs them all, the failure first: a whole run
    assert first_failures.outcomes() == {"passed": 2, "failed": 1, "skipped": 1}
    assert tree.report()["run"]["complete"] is True


def test_one_claim_by_id(tree):
    _tree(tree)
    run = tree.run("--claims-select", "demo.broken")
    assert run.outcomes() == {"failed": 1, "deselected": 3}
    assert [c["id"] for c in tree.report("report.partial")["claims"] if c["verdict"] != "not-run"] == ["demo.broken"]
    wrong = tree.run("--claims-select", "demo.brokn")
    assert wrong.returncode == 4
    assert "--claims-select demo.brokn: no such claim in " in wrong.output
    assert "claims.toml (did you mean 'demo.broken'?)" in wrong.output


def test_verdicts_travel_into_junitxml(tree, tmp_path):
    _tree(tree)
    xml = tmp_path / "junit.xml"
    tree.run(f"--junitxml={xml}")
    cases = {}
    for case in ElementTree.parse(str(xml)).getroot().iter("testcase"):
        properties = {p.get("name"): p.get("value") for p in case.iter("property")}
        outcome = next((child.tag for child in case if child.tag in ("failure", "skipped", "error")), "passed")
        cases[case.get("name")] = (outcome, properties.get("verdict"), properties.get("claim"))
    assert cases == {
        "test_holds": ("passed", "holds", "demo.holds"),
        "test_broken": ("failure", "broken", "demo.broken"),
        "test_old": ("passed", "deprecated", "demo.old"),
        "test_gpu": ("skipped", "not-run", "demo.gpu"),
    }
    deprecation = [p.get("value") for p in ElementTree.parse(str(xml)).getroot().iter("property")]
    assert "old_api is deprecated; use new_api" in deprecation


def test_the_console_script_says_what_it_does():
    script = os.path.join(os.path.dirname(sys.executable), "claimcheck")
    done = subprocess.run([script, "--help"], stdout=subprocess.PIPE, text=True, check=True)
    assert done.stdout.startswith("usage: claimcheck [-h] command ...")
    assert "Check the statements of the 2017 PyTorch cheatsheet" in done.stdout
    listed = [
        line.split()[0]
        for line in done.stdout.split("positional arguments:")[1].splitlines()[2:]
        if line[:4] == "    " and line[4] != " "
    ]
    assert len(listed) == len(set(listed)), "each command is listed once"
    assert done.stdout.count("bisect") == 1


def test_every_nox_session_says_what_it_does_in_a_whole_first_line():
    with open(os.path.join(ROOT, "noxfile.py"), encoding="utf-8") as handle:
        module = ast.parse(handle.read())
    sessions = [
        f
        for f in module.body
        if isinstance(f, ast.FunctionDef) and any("session" in ast.unparse(d) for d in f.decorator_list)
    ]
    assert len(sessions) >= 10
    for function in sessions:
        first = (ast.get_docstring(function) or "").splitlines()[0]
        assert first.endswith("."), f"nox -l cuts {function.name}'s description: {first!r}"


def test_benchmark_folders_are_ignored():
    with open(os.path.join(ROOT, ".gitignore"), encoding="utf-8") as handle:
        assert ".benchmarks/" in handle.read().split()


FACETED = """
    import pytest

    @pytest.mark.claim("demo.edge")
    @pytest.mark.parametrize("value", [
        pytest.param(1.0, marks=pytest.mark.facet("float32/64"), id="float"),
        pytest.param(-0.0, marks=pytest.mark.facet("signed zero"), id="zero"),
        pytest.param("x", marks=pytest.mark.facet("strings"), id="strings"),
    ])
    def test_edge(value, evidence):
        evidence.note("checked {!r}".format(value))
        assert value == 1.0, "not one"
"""


def test_partly_and_limits_in_junitxml(tree, tmp_path):
    """A claim whose core facet holds and an in-scope edge fails is partly; a failing facet beyond the scope is
    an expected failure (<skipped> with its reason and a `scope` property), never a failure; properties are JSON."""
    table = claim_table("demo.edge") + (
        'beyond = {strings = "the statement is about numbers"}\n'
        'core = ["float32/64"]\ncore_why = "the statement shows a float"\n'
    )
    tree.registry(table)
    tree.checks(FACETED)
    xml = tmp_path / "junit.xml"
    run = tree.run(f"--junitxml={xml}")
    assert run.outcomes() == {"passed": 1, "failed": 1, "xfailed": 1}
    claim = tree.report()["claims"][0]
    assert claim["verdict"] == "partly"
    assert claim["summary"].startswith("holds for float32/64; not for signed zero; 1 of 2 facets in scope hold")
    assert [(f["name"], f.get("core", False)) for f in claim["facets"]] == [
        ("float32/64", True),
        ("signed zero", False),
        ("strings", False),
    ]
    cases = {case.get("name"): case for case in ElementTree.parse(str(xml)).getroot().iter("testcase")}
    limit = cases["test_edge[strings]"]
    skipped = limit.find("skipped")
    assert skipped is not None and skipped.get("type") == "pytest.xfail"
    assert "facet 'strings': the statement is about numbers" in skipped.get("message", "")
    properties = [(p.get("name"), p.get("value", "")) for p in limit.iter("property")]
    assert ("scope", "beyond: a limit, never the claim's verdict") in properties
    evidence = [json.loads(value) for name, value in properties if name == "claimcheck"]
    assert evidence == [{"kind": "note", "text": "checked 'x'"}], properties
    assert cases["test_edge[zero]"].find("failure") is not None


def test_an_error_in_one_of_the_suites_additions_fails_the_run(tree):
    """An addition that could not be checked is an error of the run like any other: exit 1, said, never '0 error'."""
    tree.registry(claim_table("demo.holds"), claim_table("demo.ours") + "addition = true\n")
    tree.checks("""
        import pytest

        @pytest.fixture
        def broken_fixture():
            raise RuntimeError("the suite's own bug")

        @pytest.mark.claim("demo.holds")
        def test_holds():
            assert 1 == 1

        @pytest.mark.claim("demo.ours")
        def test_ours(broken_fixture):
            assert True
    """)
    done = subprocess.run(
        [sys.executable, "-m", "claimcheck", "run", "--", "-p", "no:cacheprovider", "--claims-reports",
         str(tree.reports), "--claims-profile", "ci"],
        cwd=str(tree.root), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 claim(s) could not be checked (verdict error)" in done.stderr
    assert "the suite's additions: 0 holds · 0 partly · 0 deprecated · 0 broken · 0 not-run · 1 error" in done.stdout


def test_hypothesis_own_profile_option_is_what_the_report_names(tree):
    """--hypothesis-profile=default ran randomized while the report said profile ci and no seed."""
    _tree(tree)
    tree.run("--hypothesis-profile=default")
    hypothesis = tree.report()["run"]["hypothesis"]
    assert hypothesis["profile"] == "default"
    assert hypothesis["derandomize"] is False and isinstance(hypothesis["seed"], int), hypothesis


def test_benchmark_skip_never_overwrites_the_complete_report(tree):
    tree.registry(claim_table("demo.cost"))
    tree.checks("""
        import pytest

        @pytest.mark.claim("demo.cost")
        def test_cost(benchmark):
            assert benchmark(sum, [1, 2]) == 3
    """)
    tree.run()
    complete = tree.report()
    assert complete["claims"][0]["verdict"] == "holds"
    tree.run("--benchmark-skip")
    assert tree.report() == complete, "the complete report was left as it was"
    partial = tree.report("report.partial")
    assert "--benchmark-skip" in partial["run"]["partial_reason"]


def test_last_failed_with_an_outdated_cache_runs_everything_and_says_complete(tree):
    _tree(tree)
    tree.run(cache=True)
    # the failing check is renamed: the cache's failure is not in the collection, so --lf runs everything
    tree.checks(CHECKS.replace("def test_broken", "def test_broken_renamed"))
    again = tree.run("--lf", cache=True)
    assert again.outcomes() == {"passed": 2, "failed": 1, "skipped": 1}
    assert tree.report()["run"]["complete"] is True, again.output


def test_a_partial_report_says_how_many_checks_of_a_claim_did_not_run(tree):
    tree.registry(claim_table("demo.four"))
    tree.checks("""
        import pytest

        @pytest.mark.claim("demo.four")
        @pytest.mark.parametrize("n", [1, 2, 3, 4])
        def test_four(n):
            assert n > 0
    """)
    for workers in ([], ["-n", "2"]):  # the controller of xdist collects nothing: the workers say
        tree.run("-k", "not 4", *workers)
        claim = tree.report("report.partial")["claims"][0]
        assert claim["summary"] == "3 of 3 checks passed (1 of its checks did not run in this run)", claim["summary"]
