"""Every non-blank line of the cheatsheet is a claim or a listed non-claim (project data, no network)."""

from __future__ import annotations

import os

import pytest

from claimcheck.coverage import load_statements, problems
from claimcheck.registry import load_registry

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLAIMS = os.path.join(ROOT, "claims")


@pytest.fixture(scope="module")
def registry():
    return load_registry(os.path.join(CLAIMS, "claims.toml"))


@pytest.fixture(scope="module")
def statements():
    return load_statements(os.path.join(CLAIMS, "statements.toml"))


def test_every_statement_is_covered(registry, statements):
    nonblank, excluded = statements
    assert problems(registry, nonblank, excluded) == []


def test_nonblank_lines_match_the_pinned_document(registry, statements):
    copy = registry.document.local_copy
    if copy is None or not os.path.exists(copy):
        pytest.skip(f"no local copy of the cheatsheet at {copy}")
    with open(copy, encoding="utf-8") as handle:
        lines = handle.read().split("\n")
    assert statements[0] == [i + 1 for i, line in enumerate(lines) if line.strip()]


def test_an_uncovered_line_is_named(registry):
    message = problems(registry, [1, 2, 3], {1: "heading"})
    assert any("lines [2, 3] are covered by no claim" in m for m in message)
