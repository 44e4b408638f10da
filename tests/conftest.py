"""Fixtures for the machinery's tests: a synthetic claims tree run through the real plugin."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

import pytest

pytest_plugins = ["pytester"]

DOCUMENT = textwrap.dedent("""\
    # Demo document
    ## Numbers
    Numbers are equal to themselves.
    Small numbers stay small.
    ## Old things
    old_api still works.
    Widgets need two widgets.
    """)

REGISTRY_HEAD = textwrap.dedent("""\
    [suite]
    name = "demo"
    deprecation_patterns = ["deprecated", "has no effect"]

    [document]
    title = "demo document"
    url = "https://example.invalid/demo.md"
    commit = "0000000000000000000000000000000000000000"
    sha256 = "{sha}"
    lines = 7
    local_copy = "../demo.md"
    """)


def claim_table(claim_id, section="Numbers", lines=(3,), quote="Numbers are equal", replacement=None):
    text = textwrap.dedent("""
        [[claim]]
        id = "{}"
        section = "{}"
        lines = {}
        quote = "{}"
        wording = "wording of {}"
        scope = "what the statement is about"
        """).format(claim_id, section, list(lines), quote, claim_id)
    if replacement:
        text += f'replacement = "{replacement}"\n'
    return text


class Run:
    """A pytest run of a claims tree: pytester's RunResult, plus the words the tests read."""

    def __init__(self, result: pytest.RunResult) -> None:
        self.result = result
        self.returncode = int(result.ret)
        self.output = "\n".join(result.outlines + result.errlines)

    def outcomes(self) -> dict:
        """pytest's closing counts, as {'passed': 3, 'failed': 1, ...}, read by pytester (warnings left out)."""
        counts = self.result.parseoutcomes()
        counts.pop("warnings", None)
        return {{"errors": "error"}.get(word, word): number for word, number in counts.items()}


class ClaimsTree:
    """A throwaway project: registry, checks, and a way to run pytest on them in a fresh interpreter."""

    def __init__(self, root, pytester=None):
        self.root = root
        self.pytester = pytester
        (self.root / "demo.md").write_text(DOCUMENT)
        (self.root / "pytest.ini").write_text("[pytest]\nclaims_registry = claims/claims.toml\n")
        (self.root / "claims").mkdir()
        self.reports = self.root / "reports"

    def registry(self, *claims):
        import hashlib

        sha = hashlib.sha256(DOCUMENT.encode()).hexdigest()
        (self.root / "claims" / "claims.toml").write_text(REGISTRY_HEAD.format(sha=sha) + "".join(claims))

    def checks(self, source, name="test_demo.py"):
        (self.root / "claims" / name).write_text(textwrap.dedent(source))

    def run(self, *args, timeout=120, cwd=None, cache=False):
        """pytest on the tree in a fresh interpreter: through pytester where the test has one, else a subprocess.

        Without pytest's cache (which would carry --lf state from run to run) unless `cache` is set."""
        no_cache = [] if cache else ["-p", "no:cacheprovider"]
        arguments = [*no_cache, "--claims-reports", str(self.reports), "--claims-profile", "ci", *args]
        if self.pytester is not None and cwd is None:
            return Run(self.pytester.runpytest_subprocess(*arguments, timeout=timeout))
        command = [sys.executable, "-m", "pytest", *arguments]
        started = time.time()
        done = subprocess.run(
            command, cwd=str(cwd or self.root), capture_output=True, text=True,
            timeout=timeout,
        )  # fmt: skip
        return Run(
            pytest.RunResult(done.returncode, done.stdout.splitlines(), done.stderr.splitlines(), time.time() - started)
        )

    def report(self, stem="report"):
        folders = [p for p in self.reports.iterdir() if p.is_dir()]
        assert len(folders) == 1, folders
        return json.loads((folders[0] / (stem + ".json")).read_text())


@pytest.fixture
def tree(pytester):
    return ClaimsTree(pytester.path, pytester)
