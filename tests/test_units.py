"""Pure pieces: verdict mapping, evidence extraction, atomic writes, report reading, schema."""

from __future__ import annotations

import glob
import os

import pytest

from claimcheck import atomic, evidence
from claimcheck.finding import ClaimBroken, finding
from claimcheck.reading import ReportError, read_report, schema
from claimcheck.report import dumps
from claimcheck.verdicts import VERDICTS, check_verdict, combine

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize(
    "setup, call, teardown, finding_, warned, expected",
    [
        ("passed", "passed", "passed", False, False, "holds"),
        ("passed", "passed", "passed", False, True, "deprecated"),
        ("passed", "failed", "passed", True, False, "broken"),
        ("passed", "failed", "passed", True, True, "broken"),
        ("passed", "failed", "passed", False, False, "error"),
        ("skipped", None, "passed", False, False, "not-run"),
        ("passed", "skipped", "passed", False, False, "not-run"),
        ("failed", None, "passed", False, False, "error"),
        ("passed", "passed", "failed", False, False, "error"),
        ("passed", None, None, False, False, "error"),
    ],
)
def test_check_verdict(setup, call, teardown, finding_, warned, expected):
    assert check_verdict(setup, call, teardown, finding_, warned) == expected


def test_combine_takes_the_most_severe_and_ignores_not_run():
    assert combine([]) == "not-run"
    assert combine(["not-run", "holds"]) == "holds"
    assert combine(["holds", "deprecated"]) == "deprecated"
    assert combine(["deprecated", "broken", "holds"]) == "broken"
    assert combine(["broken", "error"]) == "error"
    with pytest.raises(ValueError, match="unknown verdict 'fine'"):
        combine(["fine"])
    assert set(VERDICTS) == {"holds", "partly", "deprecated", "broken", "not-run", "error"}


@pytest.mark.parametrize(
    "core, edges, verdict",
    [
        (["holds"], ["holds", "not-run"], "holds"),
        (["holds"], ["broken"], "partly"),  # an edge of the scope fails, the statement's own use holds
        (["holds"], ["deprecated"], "partly"),
        (["broken"], ["holds"], "broken"),  # the statement's own use fails
        (["deprecated"], ["broken"], "deprecated"),
        (["holds"], ["error"], "error"),  # an error anywhere in scope leaves the claim unknown
        (["not-run"], ["broken"], "broken"),  # no core ran: judged by what ran
        (["not-run"], [], "not-run"),
    ],
)
def test_the_core_facets_decide_and_an_edge_makes_a_claim_partly(core, edges, verdict):
    from claimcheck.verdicts import claim_verdict

    assert claim_verdict(core, edges) == verdict


def test_finding_wraps_subject_errors_only():
    with pytest.raises(ClaimBroken) as caught, finding("int('x')"):
        int("x")
    assert evidence.describe_exception(caught.value)["call"] == "int('x')"
    assert evidence.is_finding(caught.value)
    assert not evidence.is_finding(NameError("oops"))


def test_hypothesis_errors_are_never_findings():
    from hypothesis.errors import Flaky

    assert not evidence.is_finding(Flaky("inconsistent"))


OLD_STYLE = """Falsifying example: test_view(
    t=torch.zeros(2, 2).t(),
    n=3,
)"""
NEW_STYLE = """Failing test case: test_keeps(
    family='bytes',
    data=data(...),
)
Draw 1 (a): np.zeros((2,), dtype='|S1')  # or any other generated value
Explanation:
    These lines were always and only run by failing test cases:"""

EXPLICIT = """Failing explicit example: test_sign(
    evidence=evidence,
    x=torch.from_numpy(np.array([True, False])),
)"""


@pytest.mark.parametrize(
    "text, lines, call, kept",
    [
        (OLD_STYLE, ["t = torch.zeros(2, 2).t()", "n = 3"], "t.view(-1)", ["t = torch.zeros(2, 2).t()"]),
        (
            NEW_STYLE,
            ["family = 'bytes'", "a = np.zeros((2,), dtype='|S1')"],
            "torch.from_numpy(a)",
            ["a = np.zeros((2,), dtype='|S1')"],  # the facet's name is no input of the call
        ),
        (EXPLICIT, ["x = torch.from_numpy(np.array([True, False]))"], "x.view(-1)", None),  # the fixture is no input
    ],
)
def test_falsifying_examples_become_assignments(text, lines, call, kept):
    example = evidence.falsifying_example(None, "noise before\n" + text + "\nnoise after")
    assert example is not None
    assert evidence.example_arguments(example) == lines
    snippet = evidence.snippet(example, {"type": "RuntimeError", "message": "bad\nmore", "call": call})
    assert snippet is not None and snippet.splitlines() == [*(kept or lines), f"{call}  # raises RuntimeError: bad"]


@pytest.mark.parametrize(
    "line, evaluable",
    [
        ("dtype = dtype('bool')", "dtype = np.dtype('bool')"),  # numpy's dtype repr
        ("a = array([1, 2], dtype=int8)", "a = np.array([1, 2], dtype=np.int8)"),  # numpy's array repr
        ("a = array([True], dtype=bool)", "a = np.array([True], dtype=bool)"),  # a builtin stays
        ("x = [nan, -inf, 1.0]", "x = [float('nan'), -float('inf'), 1.0]"),
        ("t = tensor([1., nan])", "t = torch.tensor([1., float('nan')])"),
        ("d = device(type='cpu')", "d = torch.device(type='cpu')"),
        ("y = np.nan", "y = np.nan"),  # qualified already
        ("s = 'dtype(x) nan'", "s = 'dtype(x) nan'"),  # inside a string
        ("m = f(\n    nan,\n    dtype('f4'))", "m = f(\n    float('nan'),\n    np.dtype('f4'))"),  # over lines
    ],
)
def test_reprs_in_a_snippet_are_made_python(line, evaluable):
    assert evidence.evaluable(line) == evaluable


def test_a_snippet_keeps_what_its_call_uses_and_what_that_uses():
    example = "Falsifying example: test_x(\n    layout='negative strides',\n    n=2,\n    a=np.zeros(n),\n    b=3,\n)"
    error = {"type": "ValueError", "message": "no", "call": "torch.from_numpy(a)"}
    assert evidence.snippet(example, error, ("import torch",)) == (
        "import torch\nn = 2\na = np.zeros(n)\ntorch.from_numpy(a)  # raises ValueError: no"
    )


def test_ansi_colours_are_stripped():
    assert evidence.describe_exception(ValueError("\x1b[1mloud\x1b[0m"))["message"] == "loud"


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "report.json"
    target.write_text("good")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        atomic.write_atomically(str(target), "new")
    assert target.read_text() == "good"
    assert os.listdir(str(tmp_path)) == ["report.json"]


def test_atomic_write_replaces(tmp_path):
    target = tmp_path / "sub" / "report.md"
    atomic.write_atomically(str(target), "x")
    assert target.read_text() == "x"


@pytest.mark.parametrize(
    "content, message",
    [
        ("{", "not valid JSON"),
        ('{"schema_version": 99}', "newer than this tool's 3; upgrade"),
        ('{"schema_version": 0}', "older than any this tool reads (2, 3); regenerate"),
        ("[]", "not a claims report"),
    ],
)
def test_reading_bad_reports(tmp_path, content, message):
    path = tmp_path / "report.json"
    path.write_text(content)
    with pytest.raises(ReportError) as caught:
        read_report(str(path))
    assert str(path) in str(caught.value) and message in str(caught.value)


def test_the_schema_is_a_valid_draft_2020_12_schema():
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator.check_schema(schema())


def test_committed_reports_follow_the_schema_and_round_trip():
    """Each committed report validates and round-trips through the model byte for byte, whatever schema
    (2 or 3) wrote it."""
    paths = glob.glob(os.path.join(ROOT, "reports", "*", "report.json"))
    assert len(paths) >= 30, "the committed matrix has 30 reports"
    for path in paths:
        report = read_report(path)  # validates, or raises naming the file and field
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        assert dumps(report) == text, f"{path} does not round-trip through the model"


def test_files_of_one_report_are_replaced_together_or_not_at_all(tmp_path, monkeypatch):
    """A full disk while writing the second file: the first keeps its old content, and no temporary is left."""
    (tmp_path / "report.json").write_text("old json")
    (tmp_path / "report.md").write_text("old md")
    real_stage = atomic._stage

    def stage(path, text):
        if path.endswith(".md"):
            raise OSError(28, "No space left on device")
        return real_stage(path, text)

    monkeypatch.setattr(atomic, "_stage", stage)
    with pytest.raises(OSError):
        atomic.write_all_atomically({str(tmp_path / "report.json"): "new json", str(tmp_path / "report.md"): "new md"})
    assert (tmp_path / "report.json").read_text() == "old json"
    assert (tmp_path / "report.md").read_text() == "old md"
    assert sorted(os.listdir(str(tmp_path))) == ["report.json", "report.md"]


def test_a_failed_rename_puts_back_the_files_already_replaced(tmp_path, monkeypatch):
    (tmp_path / "a.json").write_text("old a")
    real_replace = os.replace
    calls = []

    def replace(src, dst):
        calls.append(dst)
        if str(dst).endswith("b.md") and len(calls) == 3:  # the journal, a.json, then b.md
            raise OSError(5, "Input/output error")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError):
        atomic.write_all_atomically({str(tmp_path / "a.json"): "new a", str(tmp_path / "b.md"): "new b"})
    assert (tmp_path / "a.json").read_text() == "old a"
    assert sorted(os.listdir(str(tmp_path))) == ["a.json"]


def test_a_snippet_runs_as_pasted(tmp_path):
    """Imports first, the drawn tensors built, the call; no fixture names: it runs in a fresh interpreter."""
    import subprocess
    import sys

    example = (
        "Falsifying example: test_view(\n"
        "    evidence=evidence,\n"
        "    x=torch.from_numpy(np.array([1, 2, 3, 4], dtype='<i8').reshape((2, 2))).transpose(0, 1),\n"
        ")"
    )
    error = {"type": "RuntimeError", "message": "view size is not compatible", "call": "x.view(-1)"}
    text = evidence.snippet(example, error, ("import numpy as np", "import torch"))
    assert text is not None and "evidence" not in text
    assert text.splitlines()[:2] == ["import numpy as np", "import torch"]
    script = tmp_path / "snippet.py"
    script.write_text(text.replace("x.view(-1)", "print(x.reshape(-1).tolist())"))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "[1, 3, 2, 4]", done.stderr


def test_a_kill_between_renames_never_mixes_two_runs(tmp_path):
    """SIGKILL after the first of three renames: the next reader finishes the set from the journal, so the
    folder holds the new run's three files, and no temporary file is left."""
    import subprocess
    import sys

    for name in ("report.json", "report.md", "cheatsheet.md"):
        (tmp_path / name).write_text("old " + name)
    script = f"""
import os, signal, sys
sys.path.insert(0, {ROOT!r})
from claimcheck import atomic
real, calls = os.replace, []
def replace(src, dst):
    calls.append(dst)
    if len(calls) == 3:  # the journal, then one file: killed before the second
        os.kill(os.getpid(), signal.SIGKILL)
    real(src, dst)
os.replace = replace
folder = {str(tmp_path)!r}
atomic.write_all_atomically({{os.path.join(folder, n): "new " + n for n in ("report.json", "report.md", "cheatsheet.md")}})
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == -9, done.stderr
    assert (tmp_path / "report.json").read_text() == "new report.json"
    assert (tmp_path / "report.md").read_text() == "old report.md", "killed between the renames"
    assert (tmp_path / atomic.JOURNAL).exists()
    assert sorted(atomic.recover(str(tmp_path))) == [str(tmp_path / "cheatsheet.md"), str(tmp_path / "report.md")]
    for name in ("report.json", "report.md", "cheatsheet.md"):
        assert (tmp_path / name).read_text() == "new " + name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cheatsheet.md", "report.json", "report.md"]
