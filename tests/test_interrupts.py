"""A run stopped from outside (SIGTERM, Ctrl-C) writes what finished as report.partial.* and leaves the complete report."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import ClaimsTree, claim_table

CHECKS = """
import os
import time

import pytest


@pytest.mark.claim("demo.quick")
def test_quick():
    assert True


@pytest.mark.claim("demo.slow")
def test_slow():
    if os.environ.get("SLOW_MARKER"):
        open(os.environ["SLOW_MARKER"], "w").close()
        time.sleep(60)
    assert True
"""


@pytest.fixture
def stoppable(tmp_path):
    tree = ClaimsTree(tmp_path)
    tree.registry(claim_table("demo.quick"), claim_table("demo.slow"))
    tree.checks(CHECKS)
    assert tree.run().returncode == 0  # the complete report a stopped run must not touch
    return tree


def _run_then(tree, tmp_path, send, *args):
    marker = tmp_path / "slow-started"
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--claims-reports",
         str(tree.reports), "--claims-profile", "ci", *args],
        cwd=str(tree.root), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env=dict(os.environ, SLOW_MARKER=str(marker)),
        # nox and CI may start us with SIGINT ignored, which the child would inherit: Ctrl-C must reach it
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    deadline = time.time() + 60
    while not marker.exists():
        assert process.poll() is None and time.time() < deadline, process.communicate()[0]
        time.sleep(0.05)
    time.sleep(0.3)
    send(process)
    output = process.communicate(timeout=60)[0]
    return process.returncode, output


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one process", "xdist"])
@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT", "SIGHUP"])
def test_a_stopped_run_writes_what_finished_and_keeps_the_complete_report(stoppable, tmp_path, workers, how):
    folder = next(p for p in stoppable.reports.iterdir() if p.is_dir())
    complete = {name: (folder / name).read_bytes() for name in ("report.json", "report.md", "cheatsheet.md")}
    code, output = _run_then(stoppable, tmp_path, lambda p: p.send_signal(getattr(signal, how)), *workers)
    assert code != 0, output
    assert {name: (folder / name).read_bytes() for name in complete} == complete, "the complete report changed"
    partial = json.loads((folder / "report.partial.json").read_text())
    assert partial["run"]["complete"] is False
    expected = "interrupted" if how == "SIGINT" else f"terminated by {how}"  # SIGHUP: the terminal closed
    assert partial["run"]["partial_reason"].startswith(expected), partial["run"]["partial_reason"]
    assert [c["id"] for c in partial["claims"]] == ["demo.quick"]
    assert (folder / "report.partial.md").exists() and (folder / "cheatsheet.partial.md").exists()
    assert "partial report:" in output and "was left as it was" in output, output[-2000:]
