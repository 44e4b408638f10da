"""Release ranges: replacements and supported forms per release, forms that must all be tried, change points of
replacements, and changes across a search boundary confirmed by replaying the counterexample on the other side."""

from __future__ import annotations

import dataclasses
import hashlib
import sys
import textwrap

import pytest
from builders import make_report, write_report

from claimcheck import replay
from claimcheck.matrix import load_reports, merge
from claimcheck.model import Replacement
from claimcheck.registry import RegistryError, load_registry
from claimcheck.render import matrix_md
from conftest import DOCUMENT, REGISTRY_HEAD, claim_table

FORMS = textwrap.dedent("""
    [[claim.forms]]
    name = "trace"
    since = "1.0"
    source = "the 1.0 release notes"

    [[claim.forms]]
    name = "export"
    since = "2.1"
    source = "the 2.1 release notes"
    """)

RANGES = FORMS + textwrap.dedent("""
    [[claim.replacement]]
    idiom = "old_way()"
    until = "2.1"
    forms = ["trace"]

    [[claim.replacement]]
    idiom = "new_way()"
    since = "2.1"
    forms = ["export"]
    source = "the 2.1 release notes"
    """)


def _registry(tmp_path, extra):
    path = tmp_path / "claims.toml"
    sha = hashlib.sha256(DOCUMENT.encode()).hexdigest()
    path.write_text(REGISTRY_HEAD.format(sha=sha) + claim_table("demo.a") + extra)
    return str(path)


def test_each_release_gets_its_own_replacement_and_forms(tmp_path):
    claim = load_registry(_registry(tmp_path, RANGES)).get("demo.a")
    assert claim is not None
    assert claim.replacement_for("1.8.1").text == "old_way()"  # type: ignore[union-attr]
    assert claim.replacement_for("2.1.2").text == "new_way()"  # type: ignore[union-attr]
    assert claim.replacement_for("2.13.0+cpu").text == "new_way()"  # type: ignore[union-attr]
    assert claim.replacement == "new_way()"  # the newest, where no release is named
    assert [f.text for f in claim.forms_for("1.8.1")] == ["trace"]
    assert [f.text for f in claim.forms_for("2.4.1")] == ["trace", "export"]
    assert claim.forms_for("0.4.0") == ()


@pytest.mark.parametrize(
    "extra, words",
    [
        ('\n[[claim.forms]]\nname = "trace"\nsince = "1.0"\n', "form 'trace' needs a 'source'"),
        ('\n[[claim.forms]]\nname = "trace"\nsince = "one"\nsource = "s"\n', "'since' = 'one' is not a version"),
        ('\n[[claim.replacement]]\nidiom = "x"\nwhen = "1.0"\n', "'replacement' has unknown key(s) when"),
        ('\n[[claim.replacement]]\nsince = "1.0"\n', "each 'replacement' needs a non-empty string 'idiom'"),
    ],
)
def test_a_malformed_range_is_named(tmp_path, extra, words):
    with pytest.raises(RegistryError) as caught:
        load_registry(_registry(tmp_path, extra))
    assert "claim 'demo.a'" in str(caught.value) and words in str(caught.value)


FORM_CHECKS = """\
    import pytest

    @pytest.mark.claim("demo.a")
    def test_impossible(evidence):
        evidence.tried("trace", "refused: no such thing")
"""


def test_an_impossible_claim_holds_only_when_every_listed_form_was_tried(tree):
    """`trace` is listed from 1.0 and `export` from 2.1; the subject here is numpy (its version is past 2.1)."""
    tree.registry(claim_table("demo.a") + FORMS)
    registry = tree.root / "claims" / "claims.toml"
    registry.write_text(registry.read_text().replace('name = "demo"', 'name = "demo"\nsubject = "numpy"', 1))
    from importlib.metadata import version

    from packaging.version import Version

    # the test's premise: both forms are listed for this numpy (read without importing it: pytester would
    # drop a module this test imported from sys.modules, and numpy cannot be imported twice in one process)
    assert Version(version("numpy")) >= Version("2.1")
    tree.checks(FORM_CHECKS)
    tree.run()
    (claim,) = tree.report()["claims"]
    assert claim["verdict"] == "error"
    assert "never tried the form 'export' (the 2.1 release notes)" in claim["checks"][0]["error"]["message"]
    tree.checks(FORM_CHECKS + '        evidence.tried("export", "refused too")\n')
    tree.run()
    (claim,) = tree.report()["claims"]
    assert claim["verdict"] == "holds"
    assert claim["checks"][0]["notes"] == ["trace: refused: no such thing", "export: refused too"]


def test_replacement_changes_are_change_points(tmp_path):
    """The idiom a release shows changes at 2.1 (same verdict), its verdict at 2.2; none is shown before 1.1."""
    shown = {"1.0.0": None, "1.1.0": ("old_way()", "holds"), "2.1.0": ("new_way()", "holds"),
             "2.2.0": ("new_way()", "deprecated")}  # fmt: skip
    for version, replacement in shown.items():
        report = make_report(f"lib-{version}", version, [("demo.a", "broken")])
        if replacement:
            claims = tuple(
                dataclasses.replace(c, replacement=Replacement(replacement[0], replacement[1], "why", ()))
                for c in report.claims
            )
            report = dataclasses.replace(report, claims=claims)
        write_report(tmp_path, report)
    (row,) = merge(*load_reports(str(tmp_path))).claims
    turns = [(c.at, c.before_verdict, c.verdict, c.kind) for c in row.replacement_changes]
    assert turns == [
        ("lib-1.1.0", "none", "holds", "replacement"),
        ("lib-2.1.0", "holds", "holds", "replacement"),
        ("lib-2.2.0", "holds", "deprecated", "replacement"),
    ]
    assert row.replacement_changes[1].summary.startswith("new_way(): ")
    assert "demo.a` · replacement: ✅ holds → ⚠️ deprecated" in matrix_md.render(merge(*load_reports(str(tmp_path))))


def _with_snippet(report, facet_verdict, snippet):
    """`report` with demo.a checked on facet 'f', failing with `snippet` as its counterexample when broken."""
    from builders import with_facets

    report = with_facets(report, "demo.a", [("f", True, facet_verdict)])
    claim = report.claims[0]
    check = dataclasses.replace(claim.checks[0], snippet=snippet if facet_verdict == "broken" else None)
    return dataclasses.replace(report, claims=(dataclasses.replace(claim, checks=(check,)),))


@pytest.mark.parametrize("other_side, confirmed", [("[1, 2]", True), ("[1, 3]", False)])
def test_a_change_across_a_search_boundary_is_replayed_on_the_other_side(tmp_path, other_side, confirmed):
    """The failing side's snippet says `-> [1, 3]`; replayed where the facet held, it gives `other_side`."""
    module = tmp_path / "lib_values.py"
    module.write_text(f"VALUES = {other_side}\n")
    snippet = f"import sys\nsys.path.insert(0, {str(tmp_path)!r})\nimport lib_values\nlib_values.VALUES  # -> [1, 3]"
    before = _with_snippet(make_report("lib-1.4", "1.4.0", [("demo.a", "holds")]), "holds", None)
    after = _with_snippet(make_report("lib-1.5", "1.5.0", [("demo.a", "broken")]), "broken", snippet)
    after = dataclasses.replace(
        after, environment=dataclasses.replace(after.environment, packages={"numpy": "2.1", "hypothesis": "6.1"})
    )
    assert replay.boundary(before, after) == "hypothesis 6.0 → 6.1; numpy 2.0 → 2.1"
    results = replay.replay_changes(before, after, sys.executable, sys.executable)
    assert [(r.facet, r.expected, r.replayed, r.confirmed) for r in results] == [
        (None, "-> [1, 3]", f"-> {other_side}", confirmed),
        ("f", "-> [1, 3]", f"-> {other_side}", confirmed),
    ]
    for report in (before, after):
        write_report(tmp_path / "reports", report)
    replay.save(str(tmp_path / "reports"), results, ("lib-1.4", "lib-1.5"))
    loaded = load_reports(str(tmp_path / "reports"))
    (row,) = merge(*loaded, replays=replay.load(str(tmp_path / "reports"))).claims
    assert row.changed[0].confirmed is confirmed and row.facet_changes[0].confirmed is confirmed
    assert row.changed[0].to_json()["replay"]["boundary"] == "hypothesis 6.0 → 6.1; numpy 2.0 → 2.1"
    text = matrix_md.render(merge(*loaded, replays=replay.load(str(tmp_path / "reports"))))
    assert ("**unconfirmed**" in text) is not confirmed


def test_no_boundary_no_replay_and_a_corrupt_replays_file_is_named(tmp_path):
    before = make_report("lib-1.4", "1.4.0", [("demo.a", "holds")])
    after = make_report("lib-1.5", "1.5.0", [("demo.a", "broken")])
    assert replay.boundary(before, after) == ""
    assert replay.replay_changes(before, after, sys.executable, sys.executable) == []
    (tmp_path / "replays.json").write_text("{not json")
    with pytest.raises(ValueError) as caught:
        replay.load(str(tmp_path))
    assert "replays.json: cannot read the replays" in str(caught.value)


def test_a_snippet_is_replayed_by_a_python_named_relative_to_here():
    """The matrix names each environment's python relative to the repository; the replay runs elsewhere."""
    import os

    assert replay.run_snippet(os.path.relpath(sys.executable), "x = 1\nx + 1  # -> 2") == "-> 2"
    assert replay.run_snippet(sys.executable, "import math\nmath.sqrt(-1)  # raises ValueError") == "raises ValueError"
