"""Bisect finds the boundary, looking at about log2 of the versions."""

from __future__ import annotations

import math

from claimcheck.bisect import bisect

VERSIONS = [f"1.{i}" for i in range(30)]


def test_finds_the_first_changed_version_with_few_looks():
    looked = []

    def observe(version):
        looked.append(version)
        return {"demo.a": ("broken", "error text") if VERSIONS.index(version) >= 17 else ("holds", "ok")}

    result = bisect(VERSIONS, "demo.a", observe)
    assert result.changed and (result.before, result.after) == ("1.16", "1.17")
    assert result.verdict_after == ("broken", "error text")
    assert len(looked) <= 2 + math.ceil(math.log2(len(VERSIONS)))


def test_reports_no_change_between_the_ends():
    result = bisect(VERSIONS, "demo.a", lambda v: {"demo.a": ("holds", "ok")})
    assert result.changed is False and len(result.checked) == 2


def test_an_unknown_claim_id_is_refused_before_anything_runs():
    import os

    import pytest

    from claimcheck.bisect import BisectError, check_claim_id
    from claimcheck.registry import load_registry

    registry = load_registry(
        os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "claims", "claims.toml")
    )
    with pytest.raises(BisectError) as caught:
        check_claim_id(registry, "functions.sigmod")
    assert "claim 'functions.sigmod' is not in" in str(caught.value) and "'functions.sigmoid'" in str(caught.value)


def test_two_reports_of_one_version_are_named_and_missing_versions_listed(tmp_path):
    import pytest
    from builders import make_report, write_report

    from claimcheck.bisect import BisectError, missing, verdicts_on_disk
    from claimcheck.matrix import load_reports

    first = write_report(tmp_path, make_report("lib-2.5.1+cpu", "2.5.1+cpu", {"demo.a": "holds"}))
    second = write_report(tmp_path, make_report("lib-2.5.1+cu124", "2.5.1+cu124", {"demo.a": "broken"}))
    write_report(tmp_path, make_report("lib-2.6.0", "2.6.0", {"demo.a": "broken"}))
    loaded, _skipped = load_reports(str(tmp_path))
    with pytest.raises(BisectError) as caught:
        verdicts_on_disk(loaded, "2.5.1")
    assert first in str(caught.value) and second in str(caught.value)
    assert verdicts_on_disk(loaded, "2.6.0") == {"demo.a": ("broken", "why broken")}
    assert missing(loaded, ["2.5.1", "2.6.0", "2.7.1"]) == ["2.7.1"]


def test_with_every_report_on_disk_bisect_lists_every_change_in_the_range(tmp_path, monkeypatch, capsys):
    """A claim broken, then holding, then broken again: the binary search between the ends saw one change."""
    import os

    from builders import make_report, write_report

    from claimcheck import __main__ as cli
    from claimcheck.tomlfile import read_toml

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    monkeypatch.chdir(root)
    versions = [e["version"] for e in read_toml(os.path.join("claims", "versions.toml"), "versions")["torch"]]
    for i, version in enumerate(versions):
        verdict = "broken" if i < 5 or i >= 20 else "holds"
        write_report(tmp_path, make_report(f"torch-{version}", version, {"functions.pow": verdict}))
    assert cli.main(["bisect", "functions.pow", "--reports", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert (
        out[0]
        == f"functions.pow changes 2 time(s) between torch {versions[0]} and {versions[-1]} (every report on disk):"
    )
    assert out[1].startswith(f"  {versions[4]} → {versions[5]}: broken → holds")
    assert out[2].startswith(f"  {versions[19]} → {versions[20]}: holds → broken")
