"""Bad input and interruptions: a clear error naming what and where, and nothing good lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

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
        "claimcheck.plugin",
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
    assert partial["run"]["complete"] is False and partial["run"]["partial_reason"] == "interrupted"
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
            "claimcheck.plugin",
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
        [sys.executable, "-m", "pytest", "-p", "claimcheck.plugin"],
        cwd=str(tree.root),
        env=dict(os.environ, CLAIMS_PROFILE="quick"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert done.returncode == 4
    assert "unknown Hypothesis profile 'quick' (from CLAIMS_PROFILE)" in done.stdout
