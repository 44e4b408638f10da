"""With the CI profile, verdicts and evidence do not depend on the run or on the order of checks.

Runs real claims, so it needs torch; `nox -s tests` installs it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("torch", reason="determinism is proved on the real claims, which need torch")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Checks that share torch warnings (volatile, torch.range) and Hypothesis checks.
SUBSET = ["claims/test_inference.py", "claims/test_shapes.py", "claims/test_reshaping.py"]

ORDER_PLUGIN = """
import os
import random


def pytest_collection_modifyitems(items):
    order = os.environ["CLAIMS_TEST_ORDER"]
    if order in ("file", "file-again"):
        return
    if order == "reverse":
        items.reverse()
    elif order.startswith("shuffle:"):
        random.Random(int(order.split(":")[1])).shuffle(items)
"""


def _run(tmp_path, order):
    folder = tmp_path / order.replace(":", "-")
    folder.mkdir()
    (folder / "claims_order.py").write_text(ORDER_PLUGIN)
    env = dict(os.environ, CLAIMS_TEST_ORDER=order, PYTHONPATH=str(folder))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            *SUBSET,
            "-p",
            "claims_order",
            "-p",
            "no:randomly",
            "--claims-profile",
            "ci",
            "--claims-reports",
            str(folder / "reports"),
            "-q",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
    )
    assert done.returncode in (0, 1), done.stdout[-3000:]
    (report,) = (folder / "reports").glob("*/report.partial.json")
    return _without_timings(json.loads(report.read_text()))


def _without_timings(report):
    claims = []
    for claim in report["claims"]:
        checks = claim["checks"] + (claim["replacement"] or {}).get("checks", [])
        claims.append(
            {
                "id": claim["id"],
                "verdict": claim["verdict"],
                "summary": claim["summary"],
                "replacement": (claim["replacement"] or {}).get("verdict"),
                "checks": sorted(
                    ({k: v for k, v in c.items() if k != "duration_s"} for c in checks), key=lambda c: c["nodeid"]
                ),
            }
        )
    return sorted(claims, key=lambda c: c["id"])


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("determinism")
    return {order: _run(tmp, order) for order in ("file", "file-again", "reverse", "shuffle:20261129")}


def test_two_runs_agree(runs):
    assert runs["file"] == runs["file-again"]


def test_reverse_order_agrees(runs):
    assert runs["reverse"] == runs["file"]


def test_shuffled_order_agrees(runs):
    assert runs["shuffle:20261129"] == runs["file"]


def test_the_subset_holds_warnings_and_counterexamples(runs):
    verdicts = {c["id"]: c["verdict"] for c in runs["file"]}
    assert "deprecated" in verdicts.values() and "broken" in verdicts.values()
