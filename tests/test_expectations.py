"""Expectations: ranges by version, disagreements as news, stale ranges, malformed files named."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest
from builders import make_report, write_report

from claimcheck import __main__ as cli
from claimcheck.expectations import ExpectationsError, compare, derive, dumps, load, stale
from claimcheck.registry import load_registry

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _report(version, verdicts):
    return make_report("lib-" + version, version, verdicts)


def _write(tmp_path, text):
    path = tmp_path / "expectations.toml"
    path.write_text(text)
    return str(path)


def test_derive_then_compare_round_trips(tmp_path):
    reports = [
        _report("1.4.0", {"demo.a": "holds"}),
        _report("2.5.1+cu124", {"demo.a": "holds"}),
        _report("2.13.0+cpu", {"demo.a": "broken"}),
    ]
    derived = derive([(f"r{i}/report.json", r) for i, r in enumerate(reports)])
    assert derived == {"demo.a": [("<2.13.0", "holds"), (">=2.13.0", "broken")]}
    expectations = load(_write(tmp_path, dumps(derived, ["demo.a"])))
    assert all(compare(expectations, r) == [] for r in reports)
    news = compare(expectations, _report("2.14.0", {"demo.a": "holds"}))
    assert news == ["demo.a at 2.14.0: expected broken (range '>=2.13.0'), observed holds: why holds"]


def test_missing_and_stale(tmp_path):
    expectations = load(_write(tmp_path, '[claims."demo.a"]\n"<1.0" = "holds"\n">=1.0" = "broken"\n'))
    assert compare(expectations, _report("1.5", {"demo.b": "holds"})) == [
        "demo.b at 1.5: no expectation; observed holds (why holds)"
    ]
    assert stale(expectations, ["1.5", "2.0"]) == ["claim 'demo.a': range '<1.0' matches no report"]


@pytest.mark.parametrize(
    "text, message",
    [
        ('[claims."demo.a"]\n"<1.0" = "fine"\n', "claim 'demo.a', range '<1.0': unknown verdict 'fine'"),
        ('[claims."demo.a"]\n"about 1" = "holds"\n', "claim 'demo.a': 'about 1' is not a version range"),
        ("[claims\n", "not valid TOML"),
        ("x = 1\n", "missing [claims"),
        (b"\xff\xfe", "is not UTF-8 text"),
    ],
)
def test_malformed_files_are_named(tmp_path, text, message):
    if isinstance(text, bytes):
        (tmp_path / "expectations.toml").write_bytes(text)
        path = str(tmp_path / "expectations.toml")
    else:
        path = _write(tmp_path, text)
    with pytest.raises(ExpectationsError) as caught:
        load(path)
    assert str(caught.value).startswith(path) and message in str(caught.value)


def test_a_malformed_file_stops_a_run_before_it_starts(tmp_path, capsys):
    from claimcheck.__main__ import run

    path = _write(tmp_path, '[claims."demo.a"\n')
    assert run(["--this-would-fail-if-pytest-ran"], expectations=path) == 2
    assert f"{path}: the expectations file is not valid TOML" in capsys.readouterr().err


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ExpectationsError) as caught:
        load(str(tmp_path / "nope.toml"))
    assert "nope.toml: cannot read the expectations file: No such file" in str(caught.value)


def test_ids_are_checked_against_the_registry():
    registry = load_registry(os.path.join(ROOT, "claims", "claims.toml"))
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "expectations.toml")
        with open(path, "w") as handle:
            handle.write('[claims."functions.sigmoidd"]\n">=0" = "holds"\n')
        with pytest.raises(ExpectationsError) as caught:
            load(path, registry)
    message = str(caught.value)
    assert "claim 'functions.sigmoidd' is not in" in message and "did you mean 'functions.sigmoid'?" in message


def test_overlapping_ranges_are_refused_at_the_version_they_share(tmp_path):
    path = _write(tmp_path, '[claims."demo.a"]\n"<2.0" = "holds"\n">=1.5" = "broken"\n')
    assert load(path, versions=["1.0", "2.1"])  # no listed version sits in both
    with pytest.raises(ExpectationsError) as caught:
        load(path, versions=["1.0", "1.6.0", "2.1"])
    assert "claim 'demo.a': ranges '<2.0' and '>=1.5' overlap at torch 1.6.0" in str(caught.value)


def test_two_reports_of_one_version_make_no_empty_range(tmp_path, capsys):
    first = write_report(tmp_path / "reports", make_report("lib-2.5.1+cpu", "2.5.1+cpu", {"demo.a": "holds"}))
    second = write_report(tmp_path / "reports", make_report("lib-2.5.1+cu124", "2.5.1+cu124", {"demo.a": "broken"}))
    (tmp_path / "claims").mkdir()
    target = tmp_path / "claims" / "expectations.toml"
    target.write_text("# kept\n")
    shutil.copy(os.path.join(ROOT, "claims", "claims.toml"), str(tmp_path / "claims" / "claims.toml"))
    assert cli.main(["expect", "--update", "--file", str(target), str(tmp_path / "reports")]) == 2
    err = capsys.readouterr().err
    assert first in err and second in err and "both reports of torch 2.5.1" in err
    assert target.read_text() == "# kept\n"
