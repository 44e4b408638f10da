"""Bad input and interruptions: a clear error naming what and where, and nothing good lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from claimcheck import runargs
from claimcheck.runargs import standard_args
from conftest import claim_table

CHECKS = """
import os
import time

import pytest


@pytest.mark.claim("demo.fast")
def test_fast():
    assert True


@pytest.mark.claim("demo.slow")
def test_slow():
    time.sleep(float(os.environ.get("DEMO_SLEEP", "0")))
    assert True
"""


def _tree(tree):
    tree.registry(claim_table("demo.fast"), claim_table("demo.slow"))
    tree.checks(CHECKS)
    return tree


def test_ctrl_c_keeps_the_previous_report_and_marks_what_finished_partial(tree):
    _tree(tree)
    assert tree.run().returncode == 0
    folder = next(p for p in tree.reports.iterdir() if p.is_dir())
    before = (folder / "report.json").read_bytes()
    command = [
        sys.executable,
        "-u",
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "--claims-reports",
        str(tree.reports),
        "--claims-profile",
        "ci",
        "-p",
        "no:randomly",
    ]
    # SIGINT as a terminal sends it: a shell that started us in the background
    # (`cmd &`) made us ignore it, and the child would inherit that.
    process = subprocess.Popen(
        command,
        cwd=str(tree.root),
        env=dict(os.environ, DEMO_SLEEP="60"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert process.stdout is not None
    seen = b""
    while b"test_demo.py ." not in seen:  # the fast check has passed; the slow one is sleeping
        chunk = process.stdout.read(1)
        assert chunk, "pytest ended early: " + seen.decode()
        seen += chunk
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    output = seen.decode() + process.communicate(timeout=60)[0].decode()
    assert process.returncode == 2, output
    assert (folder / "report.json").read_bytes() == before
    partial = json.loads((folder / "report.partial.json").read_text())
    assert partial["run"]["complete"] is False
    assert partial["run"]["partial_reason"].split("; ")[0] == "interrupted", partial["run"]["partial_reason"]
    assert [c["id"] for c in partial["claims"]] == ["demo.fast"]
    assert partial["claims"][0]["verdict"] == "holds"


def test_a_reports_folder_that_cannot_be_written(tree):
    _tree(tree)
    blocked = tree.root / "not-a-folder"
    blocked.write_text("a file where the reports folder should be")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--claims-reports",
            str(blocked),
        ],
        cwd=str(tree.root),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert done.returncode == 3
    assert f"claimcheck: cannot write the report to {blocked}" in done.stdout
    assert "--claims-reports DIR" in done.stdout
    assert blocked.read_text() == "a file where the reports folder should be"


def test_an_unknown_profile(tree):
    _tree(tree)
    run = tree.run("--claims-profile", "ci")
    assert run.returncode == 0
    done = subprocess.run(
        [sys.executable, "-m", "pytest"],
        cwd=str(tree.root),
        env=dict(os.environ, CLAIMS_PROFILE="quick"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert done.returncode == 4
    assert "unknown Hypothesis profile 'quick' (from CLAIMS_PROFILE)" in done.stdout


# -- the standard arguments of a claims run (claimcheck/runargs.py) ---------------

QUICK = ["--benchmark-min-rounds=5", "--benchmark-max-time=0.05", "--benchmark-warmup=off"]


def test_the_standard_arguments():
    assert standard_args({}) == [
        "--claims-profile",
        "ci",
        "--numprocesses",
        "auto",
        "--dist",
        "load",
        "--timeout",
        "300",
        "--timeout-method",
        "thread",
        "--tb=no",
        "-q",
        "-rN",
        *QUICK,
    ]


@pytest.mark.parametrize(
    "environ, parallel, benchmarks, expected",
    [
        ({"CLAIMS_PROFILE": "fast"}, True, "quick", ["--claims-profile", "fast", "--numprocesses", "auto"]),
        ({"CLAIMS_PROFILE": "thorough"}, False, "quick", ["--claims-profile", "thorough", "--numprocesses", "0"]),
        ({"CLAIMS_TIMEOUT": "12.5"}, False, "full", ["--timeout", "12.5", "--timeout-method", "thread"]),
        (
            {"CLAIMS_TIMEOUT": " 600 "},
            True,
            "quick",
            ["--timeout", "600", "--timeout-method", "thread", "--tb=no", "-q", "-rN", *QUICK],
        ),
        ({"CLAIMS_TIMEOUT": "1e3", "OTHER": "x"}, True, "quick", ["--timeout", "1e3"]),
    ],
)
def test_good_values(environ, parallel, benchmarks, expected):
    arguments = standard_args(environ, parallel=parallel, benchmarks=benchmarks)
    start = next(i for i, a in enumerate(arguments) if a == expected[0])
    assert arguments[start : start + len(expected)] == expected
    assert ("--dist" in arguments) is parallel
    assert any(a.startswith("--benchmark-") for a in arguments) is (benchmarks == "quick")


def test_full_benchmarks_leave_pytest_benchmark_its_defaults():
    assert standard_args({}, parallel=False, benchmarks="full") == [
        "--claims-profile",
        "ci",
        "--numprocesses",
        "0",
        "--timeout",
        "300",
        "--timeout-method",
        "thread",
        "--tb=no",
        "-q",
        "-rN",
    ]


@pytest.mark.parametrize("value", ["quick", "CI", "", " ci", "thorough,fast"])
def test_a_bad_profile_is_refused_naming_the_variable(value):
    with pytest.raises(ValueError) as caught:
        standard_args({"CLAIMS_PROFILE": value})
    message = str(caught.value)
    assert message.startswith("CLAIMS_PROFILE="), message
    assert "give one of fast, ci, thorough, e.g. CLAIMS_PROFILE=ci" in message
    assert "--claims-profile" not in message


@pytest.mark.parametrize(
    "value, shown",
    [
        ("0", "0"),
        ("0.0", "0.0"),
        ("-5", "-5"),
        ("", "''"),
        ("   ", "'   '"),
        ("abc", "abc"),
        ("5 minutes", "'5 minutes'"),
        ("inf", "inf"),
        ("-inf", "-inf"),
        ("nan", "nan"),
        ("1e400", "1e400"),  # inf once parsed
    ],
)
def test_a_bad_timeout_is_refused_saying_what_to_write(value, shown):
    with pytest.raises(ValueError) as caught:
        standard_args({"CLAIMS_TIMEOUT": value})
    assert str(caught.value) == (
        f"CLAIMS_TIMEOUT={shown} is not a time limit: give seconds > 0, e.g. CLAIMS_TIMEOUT=300"
    )


def test_the_profile_names_are_those_of_the_plugin():
    pytest.importorskip("hypothesis")
    from claimcheck.profiles import PROFILES

    assert runargs.profile_names() == tuple(PROFILES)


def test_an_unknown_benchmarks_mode_is_a_programming_error():
    with pytest.raises(ValueError, match="benchmarks='fast': give one of 'quick', 'full'"):
        standard_args({}, benchmarks="fast")


def test_runargs_reads_no_hypothesis():
    """nox's own Python, which checks the variables before installing anything, has no Hypothesis."""
    code = (
        "import sys; sys.modules['hypothesis'] = None\n"  # any import of it fails
        "from claimcheck.runargs import standard_args\n"
        "print(standard_args({'CLAIMS_PROFILE': 'thorough'})[1])"
    )
    done = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert (done.returncode, done.stdout.strip()) == (0, "thorough"), done.stdout
