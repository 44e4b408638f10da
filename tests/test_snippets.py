"""Every counterexample snippet of the default torch's report runs as pasted and reproduces its failure.

A snippet ends with the line that shows the failure, in one of two forms:

    CALL  # raises Type: message    the script, run in a fresh interpreter, fails with that exception type
    EXPR  # -> VALUE                everything above it runs, and str(EXPR) is VALUE

Any other last line fails the test. Each snippet runs in its own interpreter
(this venv's Python, which has the report's torch), from an empty folder.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from importlib import metadata

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPORT = os.path.join(ROOT, "reports", "torch-2.13.0+cpu-py3.11", "report.json")
TIMEOUT_S = 180

RAISES = re.compile(r"  # raises ([\w.]+):")
VALUE = "  # -> "
MARKER = "<<snippet value>>"

# Runs in the fresh interpreter: all but the last line, then the last line's expression, printed with str().
HARNESS = """\
import sys
body, expression = sys.argv[1], sys.argv[2]
namespace = {"__name__": "__main__"}
exec(compile(body, "<snippet>", "exec"), namespace)
value = str(eval(compile(expression, "<snippet>", "eval"), namespace))
sys.stdout.write("\\n%s\\n%s" % (MARKER, value))
""".replace("MARKER", repr(MARKER))


def _report():
    try:
        with open(REPORT, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def _snippets(report):
    """(node id, snippet) of every check of every claim and replacement that has one."""
    found: list[tuple[str, str]] = []
    for claim in (report or {}).get("claims", []):
        checks = list(claim.get("checks") or []) + list((claim.get("replacement") or {}).get("checks") or [])
        found.extend((check["nodeid"], check["snippet"]) for check in checks if check.get("snippet"))
    return found


REPORTED = _report()
SNIPPETS = _snippets(REPORTED)


def _skip_unless_this_torch() -> None:
    if REPORTED is None:
        pytest.skip(f"no readable report at {os.path.relpath(REPORT, ROOT)}: run `nox -s claims` first")
    reported = REPORTED.get("environment", {}).get("subject", {}).get("torch")
    try:
        installed = metadata.version("torch")
    except metadata.PackageNotFoundError:
        pytest.skip(f"the report is of torch {reported}, and this environment has no torch to run its snippets")
    if installed != reported:
        pytest.skip(f"the report is of torch {reported}, but this environment has torch {installed}")


def _run(args, cwd):
    return subprocess.run(
        [sys.executable, "-I", *args], cwd=str(cwd), capture_output=True, text=True, timeout=TIMEOUT_S
    )


def _split_value(line: str):
    """(expression, value) of `EXPR  # -> VALUE`, at the first separator after which EXPR parses; else None."""
    start = line.find(VALUE)
    while start >= 0:
        expression = line[:start]
        try:
            ast.parse(expression, mode="eval")
            return expression, line[start + len(VALUE) :]
        except SyntaxError:
            start = line.find(VALUE, start + 1)
    return None


def _raises(stderr: str, kind: str) -> bool:
    """Does the last traceback in `stderr` end with an exception of type `kind` (`torch.X` for `X` too)?"""
    tail = stderr.rsplit("Traceback (most recent call last):", 1)[-1]
    return re.search(rf"^(?:[\w.]+\.)?{re.escape(kind)}(?::|$)", tail, re.M) is not None


def problem(snippet: str, folder) -> str | None:
    """Why `snippet` does not reproduce what its last line says (None: it does), run from `folder`."""
    lines = snippet.splitlines()
    last = lines[-1] if lines else ""
    raises = RAISES.search(last)
    if raises is not None:
        path = folder / "snippet.py"
        path.write_text(snippet + "\n", encoding="utf-8")
        done = _run([str(path)], folder)
        expected = raises.group(1)
        if done.returncode == 0:
            return f"it ran without raising {expected}\nstdout:\n{done.stdout}"
        if not _raises(done.stderr, expected):
            return f"it did not raise {expected}\nstderr:\n{done.stderr}"
        return None
    value = _split_value(last)
    if value is None:
        return "its last line shows no failure (`CALL  # raises Type: ...` or `EXPR  # -> VALUE`)"
    expression, wanted = value
    done = _run(["-c", HARNESS, "\n".join(lines[:-1]), expression], folder)
    if done.returncode != 0 or MARKER not in done.stdout:
        return f"it failed to run\nstderr:\n{done.stderr}"
    got = done.stdout.split("\n" + MARKER + "\n", 1)[1]
    return None if got == wanted else f"{expression} is {got!r} here, the snippet says {wanted!r}"


@pytest.mark.parametrize(
    "nodeid, snippet", SNIPPETS or [pytest.param("", "", id="no-snippets")], ids=[n for n, _ in SNIPPETS] or None
)
def test_snippet_reproduces_its_failure(nodeid, snippet, tmp_path):
    _skip_unless_this_torch()
    if not SNIPPETS:
        pytest.skip("the report has no snippets")
    why = problem(snippet, tmp_path)
    assert why is None, (
        f"the snippet of {nodeid} does not reproduce its failure: {why}\n--- snippet ---\n{snippet}\n---"
    )


@pytest.mark.parametrize(
    "snippet, reproduces",
    [
        ("x = [1, 2]\nlen(x)  # -> 2", True),
        ("x = [1, 2]\nlen(x)  # -> 3", False),  # a wrong value
        ("x = {'a': '  # -> '}\nx['a']  # ->   # -> ", True),  # the separator inside the expression's string
        ("x = {}\nx['a']  # raises KeyError: 'a'", True),
        ("x = {'a': 1}\nx['a']  # raises KeyError: 'a'", False),  # runs without raising
        ("int('a')  # raises KeyError: 'a'", False),  # raises something else
        ("x = 1\n# fails: AssertionError: x is 1", False),  # no line that shows the failure
        ("y = undefined\ny  # -> 1", False),  # does not run
    ],
)
def test_the_judge_of_snippets(snippet, reproduces, tmp_path):
    assert (problem(snippet, tmp_path) is None) == reproduces
