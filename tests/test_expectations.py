"""Expectations: ranges by version, disagreements as news, stale ranges, malformed files named."""

from __future__ import annotations

import pytest

from claimcheck.expectations import ExpectationsError, compare, derive, dumps, load, stale


def _report(version, verdicts):
    return {
        "environment": {"name": "lib-" + version, "subject_version": version},
        "claims": [{"id": i, "verdict": v, "summary": "why " + v} for i, v in verdicts.items()],
    }


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
    derived = derive(reports)
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
    ],
)
def test_malformed_files_are_named(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(ExpectationsError) as caught:
        load(path)
    assert str(caught.value).startswith(path) and message in str(caught.value)


def test_a_malformed_file_stops_a_run_before_it_starts(tmp_path, capsys):
    from claimcheck.__main__ import run

    path = _write(tmp_path, '[claims."demo.a"\n')
    assert run(["--this-would-fail-if-pytest-ran"], expectations=path) == 2
    assert f"{path}: not valid TOML" in capsys.readouterr().err
