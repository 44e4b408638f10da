"""The warm interpreter: scripts in forked children of one helper that imported its modules once."""

from __future__ import annotations

import json
import os
import sys
import time

import pytest

from claimcheck.warm import WarmError, WarmInterpreter

REPORT = """
import json, os, sys
json.dump({"argv": sys.argv[1:], "cwd": os.getcwd(), "path0": sys.path[0], "pid": os.getpid(),
           "env": os.environ.get("WARM_TEST"), "has_decimal": "decimal" in sys.modules,
           "has_pytest": "pytest" in sys.modules}, open(sys.argv[1], "w"))
print("done", sys.argv[2])
"""


@pytest.fixture
def helper():
    warm = WarmInterpreter(["decimal"])
    yield warm
    warm.stop()


def _spec(tmp_path, name, text, argv=(), **env):
    script = tmp_path / (name + ".py")
    script.write_text(text)
    return {
        "script": str(script),
        "argv": list(argv),
        "cwd": str(tmp_path),
        "env": dict(env),
        "log": str(tmp_path / (name + ".log")),
    }


def test_scripts_run_side_by_side_as_their_own_processes(tmp_path, helper):
    out = [tmp_path / "a.json", tmp_path / "b.json"]
    done = helper.run(
        [
            _spec(tmp_path, "a", REPORT, [str(out[0]), "a"], WARM_TEST="1"),
            _spec(tmp_path, "b", REPORT, [str(out[1]), "b"]),
        ],
        timeout=60,
    )
    assert [d.returncode for d in done] == [0, 0]
    assert [d.output.strip() for d in done] == ["done a", "done b"]
    seen = [json.loads(p.read_text()) for p in out]
    assert seen[0]["argv"] == [str(out[0]), "a"] and seen[0]["env"] == "1" and seen[1]["env"] is None
    assert seen[0]["cwd"] == str(tmp_path) and seen[0]["path0"] == str(tmp_path)
    assert seen[0]["has_decimal"], "the preloaded module is already imported"
    assert not seen[0]["has_pytest"], "nothing of the process that asked leaks into the child"
    assert len({s["pid"] for s in seen} | {os.getpid(), helper.pid}) == 4


def test_exit_codes_and_tracebacks_come_back(tmp_path, helper):
    done = helper.run(
        [
            _spec(tmp_path, "exits", "import sys; sys.exit(3)"),
            _spec(tmp_path, "raises", "raise ValueError('no such thing')"),
        ],
        timeout=60,
    )
    assert done[0].returncode == 3
    assert done[1].returncode == 1 and "ValueError: no such thing" in done[1].output


def test_a_hanging_script_is_killed_and_the_helper_restarts(tmp_path, helper):
    pid_file = tmp_path / "pid"
    hang = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(600)"
    started = time.time()
    with pytest.raises(WarmError, match="did not answer within"):
        helper.run([_spec(tmp_path, "hang", hang)], timeout=3)
    assert time.time() - started < 30
    assert helper.pid is None
    child = int(pid_file.read_text())
    time.sleep(0.2)
    state = "gone"
    if os.path.exists(f"/proc/{child}"):
        with open(f"/proc/{child}/stat") as handle:
            state = handle.read().split(")")[1].split()[0]
    assert state in ("gone", "Z"), "the hanging child is still running"
    again = helper.run([_spec(tmp_path, "after", "print('fine')")], timeout=60)
    assert again[0].output.strip() == "fine"


def test_a_preload_that_does_not_exist_is_not_fatal(tmp_path):
    warm = WarmInterpreter(["no_such_module_here", "decimal"], python=sys.executable)
    try:
        assert warm.run([_spec(tmp_path, "ok", "print(1)")], timeout=60)[0].returncode == 0
    finally:
        warm.stop()


WARNS = """
import warnings

class TorchLikeWarning(UserWarning):
    pass

warnings.warn("volatile was removed and now has no effect", UserWarning)
warnings.warn("x is deprecated", TorchLikeWarning)
warnings.warn("x is deprecated", TorchLikeWarning)  # twice: a child reports every warning, as the recorder does
print("done")
"""


def test_a_scripts_warnings_reach_the_check_as_raised(tmp_path, helper):
    import warnings

    (done,) = helper.run([_spec(tmp_path, "warns", WARNS)], timeout=60)
    assert done.returncode == 0 and done.output.strip() == "done"
    assert [(w["category"], w["message"]) for w in done.warnings] == [
        ("UserWarning", "volatile was removed and now has no effect"),
        ("TorchLikeWarning", "x is deprecated"),
        ("TorchLikeWarning", "x is deprecated"),
    ]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        done.raise_warnings()
    assert [(w.category.__name__, str(w.message)) for w in caught] == [
        (w["category"], w["message"]) for w in done.warnings
    ]
    assert issubclass(caught[0].category, UserWarning) and caught[0].filename.endswith("warns.py")
    assert not list(tmp_path.glob("*.warnings")), "the child's warning file is left behind"
