"""Merging run reports: ordering, changes, collapsed columns, bad reports skipped by name and field, duplicates refused."""

from __future__ import annotations

import json

import pytest
from builders import make_report, write_json, write_report

from claimcheck import __main__ as cli
from claimcheck.matrix import MatrixError, load_reports, merge
from claimcheck.render import matrix_md


def test_merge_orders_by_version_and_names_changes(tmp_path):
    write_report(tmp_path, make_report("lib-2.10", "2.10.0", {"demo.a": "holds", "demo.b": "broken"}), "b")
    write_report(tmp_path, make_report("lib-2.9", "2.9.1", {"demo.a": "holds", "demo.b": "holds"}), "a")
    write_report(tmp_path, make_report("lib-2.11", "2.11.0", {"demo.a": "holds", "demo.b": "broken"}), "c")
    matrix = merge(*load_reports(str(tmp_path)))
    assert matrix.columns == ("lib-2.9", "lib-2.10", "lib-2.11")
    row = next(r for r in matrix.claims if r.id == "demo.b")
    assert [c.to_json() for c in row.changed] == [
        {
            "after": "lib-2.9",
            "at": "lib-2.10",
            "from": "holds",
            "to": "broken",
            "from_evidence": "why holds",
            "to_evidence": "why broken",
        }
    ]
    assert matrix.holding_share == {"lib-2.9": 1.0, "lib-2.10": 0.5, "lib-2.11": 0.5}
    text = matrix_md.render(matrix)
    assert "| holding | 2.9 | 2.10–2.11 |" in text  # identical neighbours collapse, labelled as a range
    assert "[^1]: demo.b at 2.10: why broken" in text


def _history(tmp_path):
    """demo.b holds in 1.0, breaks in 1.1 and stays broken; demo.c is deprecated throughout; demo.a holds."""
    import dataclasses

    from claimcheck.model import Replacement

    for version in ("1.0.1", "1.1.0", "1.2.0", "2.0.0"):
        later = version != "1.0.1"
        report = make_report(
            f"lib-{version}+cpu-py3.11",
            version,
            [("demo.a", "holds"), ("demo.b", "broken" if later else "holds"), ("demo.c", "deprecated")],
        )
        claims = tuple(
            dataclasses.replace(c, replacement=Replacement("new_b()", "holds", "works", ())) if c.id == "demo.b" else c
            for c in report.claims
        )
        write_report(tmp_path, dataclasses.replace(report, claims=claims))
    return merge(*load_reports(str(tmp_path)))


def test_the_report_opens_with_what_is_wrong_today_and_since_when(tmp_path):
    text = matrix_md.render(_history(tmp_path))
    wrong = text.split("## Wrong in torch 2.0", 1)[1].split("## ", 1)[0]
    lines = [line for line in wrong.splitlines() if line.startswith("- ")]
    assert len(lines) == 2, wrong  # demo.b and demo.c; demo.a holds
    assert lines[0].startswith("- ❌ broken since 1.1: `demo.b`") and "**Instead:** `new_b()`" in lines[0]
    assert lines[1].startswith("- ⚠️ deprecated since 1.0 (the oldest checked): `demo.c`")
    assert text.index("## Wrong in torch") < text.index("## Changes by release") < text.index("## Grid")
    # the opening parts are lists: nothing there that GitHub would lay out as a wide table
    opening = text.split("## Grid", 1)[0]
    assert not [line for line in opening.splitlines() if line.startswith("|")]


def test_changes_by_release_name_each_release_once_with_its_changes(tmp_path):
    text = matrix_md.render(_history(tmp_path))
    changes = text.split("## Changes by release", 1)[1].split("## Grid", 1)[0]
    assert changes.count("### ") == 1 and "### 1.1" in changes  # nothing changed at 1.2 or 2.0
    assert "Against 1.0: 1 claim(s) and 0 facet(s) changed." in changes
    assert "- `demo.b`: ✅ holds → ❌ broken — why broken" in changes


def test_the_grid_labels_versions_names_builds_once_and_footnotes_only_changes(tmp_path):
    text = matrix_md.render(_history(tmp_path))
    grid = text.split("## Grid", 1)[1]
    assert "| claim | line | quote | 1.0 | 1.1–2.0 |" in grid
    assert "Builds: 1.0 = 1.0.1+cpu (Python 3.11) · 1.1 = 1.1.0+cpu (Python 3.11)" in grid
    notes = [line for line in grid.splitlines() if line.startswith("[^")]
    assert notes == ["[^1]: demo.b at 1.1: why broken"]  # demo.c never changes: no footnote, however deprecated
    assert len(set(notes)) == len(notes)


@pytest.mark.parametrize(
    "content, field, words",
    [
        ('{"schema_version": 3, "claims": [', None, "not valid JSON"),
        ({"schema_version": 7}, "schema_version", "newer than this tool's"),
        ({"schema_version": 3}, "suite", "'suite' is a required property"),
        ("SUMMARY", "summary", "is a required property"),
        ("VERDICT", "claims[0].verdict", "'maybe' is not one of"),
        ("LINES", "claims[0].lines", "should be non-empty"),
    ],
)
def test_bad_reports_are_skipped_naming_file_and_field(tmp_path, capsys, content, field, words):
    write_report(tmp_path, make_report("lib-1", "1.0", {"demo.a": "holds"}), "good")
    data = make_report("lib-2", "2.0", {"demo.a": "broken"}).to_json()
    if content == "SUMMARY":
        del data["summary"]
        content = data
    elif content == "VERDICT":
        data["claims"][0]["verdict"] = "maybe"
        content = data
    elif content == "LINES":
        data["claims"][0]["lines"] = []
        content = data
    path = write_json(tmp_path, "bad", content)
    loaded, skipped = load_reports(str(tmp_path))
    assert [r.environment.name for _p, r in loaded] == ["lib-1"]
    assert [s.path for s in skipped] == [path]
    reason = skipped[0].reason
    assert reason.startswith(path + ": ") and words in reason, reason
    if field:
        assert f"field {field}" in reason, reason
    assert f"warning: skipping {path}" in capsys.readouterr().err
    assert "Skipped (unreadable)" in matrix_md.render(merge(loaded, skipped))


def test_two_reports_of_one_environment_are_refused_by_name(tmp_path, capsys):
    first = write_report(tmp_path, make_report("lib-1", "1.0", {"demo.a": "holds"}), "one")
    second = write_report(tmp_path, make_report("lib-1", "1.0", {"demo.a": "broken"}), "two")
    with pytest.raises(MatrixError) as caught:
        load_reports(str(tmp_path))
    assert first in str(caught.value) and second in str(caught.value)
    before = sorted(p.name for p in tmp_path.iterdir())
    assert cli.main(["merge", str(tmp_path)]) == 2
    assert "both reports of environment lib-1" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written


def test_a_partial_report_is_not_merged(tmp_path):
    write_report(tmp_path, make_report("lib-1", "1.0", {"demo.a": "holds"}))
    path = write_report(tmp_path, make_report("lib-2", "2.0", {"demo.a": "broken"}, complete=False))
    loaded, skipped = load_reports(str(tmp_path), warn=False)
    assert [r.environment.name for _p, r in loaded] == ["lib-1"]
    assert skipped[0].path == path and "not a complete run" in skipped[0].reason


def test_merge_writes_every_file_or_none(tmp_path, monkeypatch):
    write_report(tmp_path, make_report("lib-1", "1.0", {"demo.a": "holds"}))
    (tmp_path / "compatibility.md").write_text("old")
    from claimcheck.render import matrix_html

    def broken(matrix):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(matrix_html, "render", broken)
    with pytest.raises(OSError):
        cli.main(["merge", str(tmp_path)])
    assert (tmp_path / "compatibility.md").read_text() == "old"
    assert not (tmp_path / "compatibility.json").exists()


def test_heatmap_is_a_png(tmp_path):
    pytest.importorskip("matplotlib", reason="the heatmap needs matplotlib (render extra)")
    from claimcheck.render import heatmap

    write_report(tmp_path, make_report("lib-1", "1.0", {"demo.a": "holds", "demo.b": "broken"}))
    write_report(tmp_path, make_report("lib-2", "2.0", {"demo.a": "deprecated", "demo.b": "not-run"}))
    png = heatmap.render(merge(*load_reports(str(tmp_path))))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert cli.main(["merge", "--heatmap", str(tmp_path)]) == 0
    assert (tmp_path / "compatibility.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    written = json.loads((tmp_path / "compatibility.json").read_text())
    assert written["columns"] == ["lib-1", "lib-2"]
