"""Bisect finds the boundary, looking at about log2 of the versions."""

from __future__ import annotations

import math

from claimcheck.bisect import bisect

VERSIONS = [f"1.{i}" for i in range(30)]


def test_finds_the_first_changed_version_with_few_looks():
    looked = []

    def observe(version):
        looked.append(version)
        return {"demo.a": ("broken", "error text") if VERSIONS.index(version) >= 17 else ("holds", "ok")}

    result = bisect(VERSIONS, "demo.a", observe)
    assert result["changed"] and (result["before"], result["after"]) == ("1.16", "1.17")
    assert result["verdict_after"] == ("broken", "error text")
    assert len(looked) <= 2 + math.ceil(math.log2(len(VERSIONS)))


def test_reports_no_change_between_the_ends():
    result = bisect(VERSIONS, "demo.a", lambda v: {"demo.a": ("holds", "ok")})
    assert result["changed"] is False and len(result["checked"]) == 2
