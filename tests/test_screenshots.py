"""`claimcheck screenshots`: the README's four pictures, at the widths readers see, or a clear word of what is missing."""

from __future__ import annotations

import os
import struct

import pytest
from builders import make_report, write_report

from claimcheck import __main__ as cli

CHROMIUM = "/usr/bin/chromium"


def _size(path):
    """A PNG's width and height, from its header."""
    with open(path, "rb") as handle:
        head = handle.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


def test_the_four_pictures_at_their_widths(tmp_path, capsys):
    pytest.importorskip("playwright.sync_api", reason="pip install -e .[screenshots]")
    pytest.importorskip("markdown_it", reason="pip install -e .[screenshots]")
    pytest.importorskip("matplotlib", reason="the heatmap needs matplotlib (render extra)")
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    write_report(tmp_path, make_report("lib-1.0", "1.0", {"demo.a": "holds", "demo.b": "holds"}))
    write_report(tmp_path, make_report("lib-2.0", "2.0", {"demo.a": "holds", "demo.b": "broken"}))
    assert cli.main(["merge", "--heatmap", str(tmp_path)]) == 0
    assert cli.main(["screenshots", str(tmp_path)]) == 0
    shots = tmp_path / "screenshots"
    assert sorted(os.listdir(shots)) == ["heatmap.png", "markdown-top.png", "page-1400.png", "page-390.png"]
    assert _size(shots / "page-1400.png") == (1400, 900)
    assert _size(shots / "page-390.png") == (390, 844)
    assert _size(shots / "markdown-top.png")[0] == 880
    assert _size(shots / "heatmap.png")[0] == 880
    assert "wrote" in capsys.readouterr().out


def test_without_the_compatibility_files_it_says_what_to_run(tmp_path, capsys):
    assert cli.main(["screenshots", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "compatibility.html" in err and f"claimcheck merge --heatmap {tmp_path}" in err
    assert not (tmp_path / "screenshots").exists()
