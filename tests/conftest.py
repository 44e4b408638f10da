"""Fixtures for the machinery's tests: a synthetic claims tree run through the real plugin."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

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
        """).format(claim_id, section, list(lines), quote, claim_id)
    if replacement:
        text += f'replacement = "{replacement}"\n'
    return text


class Run:
    def __init__(self, done):
        self.returncode = done.returncode
        self.output = done.stdout

    def outcomes(self):
        """pytest's closing counts, as {'passed': 3, 'failed': 1, ...}."""
        last = [
            l
            for l in self.output.splitlines()
            if " in " in l and ("passed" in l or "failed" in l or "skipped" in l or "error" in l)
        ]
        counts = {}
        for part in last[-1].strip("= ").split(" in ")[0].split(", "):
            number, word = part.split(" ")[:2]
            word = {"errors": "error", "warnings": "warning"}.get(word, word)
            if word != "warning":  # warnings at collection are not outcomes
                counts[word] = int(number)
        return counts


class ClaimsTree:
    """A throwaway project: registry, checks, and a way to run pytest on them in a fresh interpreter."""

    def __init__(self, root):
        self.root = root
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

    def run(self, *args, timeout=120, cwd=None):
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "claimcheck.plugin",
            "-p",
            "no:cacheprovider",
            "--claims-reports",
            str(self.reports),
            "--claims-profile",
            "ci",
            *args,
        ]
        done = subprocess.run(
            command,
            cwd=str(cwd or self.root),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
        )
        return Run(done)

    def report(self, stem="report"):
        folders = [p for p in self.reports.iterdir() if p.is_dir()]
        assert len(folders) == 1, folders
        return json.loads((folders[0] / (stem + ".json")).read_text())


@pytest.fixture
def tree(tmp_path):
    return ClaimsTree(tmp_path)
