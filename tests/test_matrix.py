"""Merging run reports: ordering, changes, collapsed columns, and unreadable reports skipped by name."""

from __future__ import annotations

import json

from claimcheck.matrix import load_reports, merge
from claimcheck.render_matrix import render


def _report(name, version, verdicts):
    return {
        "schema_version": 1,
        "suite": {"sections": ["Numbers"]},
        "environment": {"name": name, "subject_version": version},
        "run": {"started": "2026-11-29T00:00:00+00:00"},
        "claims": [
            {
                "id": claim_id,
                "section": "Numbers",
                "lines": [3],
                "url": "https://example.invalid#L3",
                "quote": "q",
                "wording": "w",
                "verdict": verdict,
                "summary": "why " + verdict,
            }
            for claim_id, verdict in verdicts.items()
        ],
    }


def _write(folder, name, content):
    (folder / name).mkdir()
    (folder / name / "report.json").write_text(content if isinstance(content, str) else json.dumps(content))


def test_merge_orders_by_version_and_names_changes(tmp_path):
    _write(tmp_path, "b", _report("lib-2.10", "2.10.0", {"demo.a": "holds", "demo.b": "broken"}))
    _write(tmp_path, "a", _report("lib-2.9", "2.9.1", {"demo.a": "holds", "demo.b": "holds"}))
    _write(tmp_path, "c", _report("lib-2.11", "2.11.0", {"demo.a": "holds", "demo.b": "broken"}))
    matrix = merge(*load_reports(str(tmp_path)))
    assert matrix["columns"] == ["lib-2.9", "lib-2.10", "lib-2.11"]
    row = next(r for r in matrix["claims"] if r["id"] == "demo.b")
    assert row["changed"] == [{"after": "lib-2.9", "at": "lib-2.10", "from": "holds", "to": "broken"}]
    assert matrix["holding_share"] == {"lib-2.9": 1.0, "lib-2.10": 0.5, "lib-2.11": 0.5}
    text = render(matrix)
    assert "| lib-2.9 | lib-2.10 … lib-2.11 |" in text  # identical neighbours collapse
    assert "[^1]: demo.b on lib-2.10: why broken" in text


def test_unreadable_reports_are_skipped_by_name(tmp_path, capsys):
    _write(tmp_path, "good", _report("lib-1", "1.0", {"demo.a": "holds"}))
    _write(tmp_path, "truncated", '{"schema_version": 1, "claims": [')
    _write(tmp_path, "future", {"schema_version": 7})
    loaded, skipped = load_reports(str(tmp_path))
    assert [r["environment"]["name"] for _p, r in loaded] == ["lib-1"]
    reasons = {s["path"].split("/")[-2]: s["reason"] for s in skipped}
    assert "not valid JSON" in reasons["truncated"] and "newer than this tool's" in reasons["future"]
    warnings = capsys.readouterr().err
    assert "warning: skipping" in warnings and "truncated/report.json" in warnings
    matrix = merge(loaded, skipped)
    assert "Skipped (unreadable)" in render(matrix)


def test_heatmap_is_a_png(tmp_path):
    import pytest

    pytest.importorskip("matplotlib", reason="the heatmap needs matplotlib (render extra)")
    from claimcheck.render_heatmap import render as heatmap

    _write(tmp_path, "a", _report("lib-1", "1.0", {"demo.a": "holds", "demo.b": "broken"}))
    _write(tmp_path, "b", _report("lib-2", "2.0", {"demo.a": "deprecated", "demo.b": "not-run"}))
    target = tmp_path / "heatmap.png"
    heatmap(merge(*load_reports(str(tmp_path))), str(target))
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and target.stat().st_size > 1000
