"""A warm interpreter: a helper process that imports heavy modules once, then
forks a fresh child for each script it is asked to run.

Checks that must happen in another process (loading a model in an interpreter
that never saw its class, several distributed ranks) would otherwise pay for a
new Python and `import torch` each time: seconds per process on a small
machine. A forked child is a real, separate process with its own memory; what
it shares with a fresh `python script.py` is everything that matters to those
checks: only the preloaded modules and the standard library are imported, the
script's folder is `sys.path[0]`, `sys.argv`, the working folder and the
environment are the ones asked for. (torch's own data loader forks workers from
an interpreter that imported torch in the same way.) One difference: when the
script returns, the child ends at once (os._exit), without atexit handlers or
destructors; scripts write their results before they end. Tearing down what a
script made can wait forever: a distributed rank's process group did, one run
in five, when rank 0 outlived its peer.

One helper serves one pytest process, is started at its first use, and is
stopped when that process ends. Its pid is known to the claims plugin, so its
lifetime is not mistaken for a process a check left running.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import subprocess
import sys
import textwrap
import threading
import time
from typing import Sequence

from . import attribution

# The helper's own code: read one JSON request per line, answer one per line.
_SERVER = textwrap.dedent(r"""
    import json, os, runpy, sys, traceback
    for name in json.loads(sys.argv[1]):
        try:
            __import__(name)
        except Exception:  # not in this version: the child imports what it needs
            pass
    # stdin/stdout are the request pipes; keep them away from the children
    requests, answers = os.fdopen(os.dup(0), "r"), os.fdopen(os.dup(1), "w")
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    clean_path = list(sys.path[1:])
    answers.write(json.dumps({"ready": True}) + "\n")
    answers.flush()
    for line in requests:
        request = json.loads(line)
        if request["op"] == "wait":
            _, status = os.waitpid(request["pid"], 0)
            code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -os.WTERMSIG(status)
            answers.write(json.dumps({"pid": request["pid"], "returncode": code}) + "\n")
            answers.flush()
            continue
        pid = os.fork()
        if pid:
            answers.write(json.dumps({"pid": pid}) + "\n")
            answers.flush()
            continue
        code = 1
        try:
            requests.close()
            answers.close()
            log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(log, 1)
            os.dup2(log, 2)
            os.chdir(request["cwd"])
            os.environ.clear()
            os.environ.update(request["env"])
            sys.argv = [request["script"]] + request["argv"]
            import warnings
            # every warning the script raises goes to the parent, which raises it again in the check
            sink = open(request["log"] + ".warnings", "w")
            here = os.path.realpath(warnings.__file__)
            def forward(message, category, filename, lineno, file=None, line=None):
                # the stack as the warning was raised, for the recorder to tell who raised it about what
                frames, frame = [], sys._getframe(1)
                while frame is not None:
                    if os.path.realpath(frame.f_code.co_filename) != here:
                        frames.append([frame.f_code.co_filename, frame.f_lineno])
                    frame = frame.f_back
                sink.write(json.dumps({"category": category.__name__, "module": category.__module__,
                                       "message": str(message), "filename": filename, "lineno": lineno,
                                       "stack": frames[::-1]}) + "\n")
                sink.flush()
            warnings.showwarning = forward
            warnings.simplefilter("always")
            sys.path[:] = [os.path.dirname(os.path.abspath(request["script"]))] + clean_path
            # Keep what the script made alive until _exit: tearing it down (a
            # distributed process group, say) could wait on peers that are gone.
            kept = runpy.run_path(request["script"], run_name="__main__")
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:
            traceback.print_exc()
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)  # as the script left it: no destructors, no atexit handlers
""")


class WarmError(RuntimeError):
    """The helper could not run a script (it died, or did not answer in time)."""


class Finished:
    """A script's exit code, its output, and the warnings it raised ({category, module, message, filename, lineno})."""

    def __init__(self, returncode: int, output: str, warnings: Sequence[dict] = ()) -> None:
        self.returncode, self.output, self.warnings = returncode, output, list(warnings)

    def raise_warnings(self) -> None:
        """Raise the script's warnings again in this process, as it raised them (class name, text, place).

        A check that runs code in another process calls this, so that the
        plugin records those warnings exactly as it records its own.
        """
        import builtins
        import warnings

        for record in self.warnings:
            base = getattr(builtins, record["category"], None)
            if not (isinstance(base, type) and issubclass(base, Warning)):
                # a library's own class (torch's, say): the same name, as the recorder reads it
                base = type(record["category"], (UserWarning,), {"__module__": record.get("module", "builtins")})
            message = base(record["message"])
            # the stack it was raised with in the other process: whose warning it is (see attribution.py)
            setattr(message, attribution.STACK_ATTRIBUTE, record.get("stack") or None)
            with warnings.catch_warnings():
                warnings.simplefilter("always")
                warnings.warn_explicit(message, base, record.get("filename") or "<script>", record.get("lineno") or 0)


class WarmInterpreter:
    def __init__(self, preload: Sequence[str], python: str = sys.executable) -> None:
        self.preload, self.python = list(preload), python
        self.process: subprocess.Popen | None = None
        self.lock = threading.Lock()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None and self.process.poll() is None else None

    def _start(self, timeout: float) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSTARTUP")}
        self.process = subprocess.Popen(
            [self.python, "-c", _SERVER, json.dumps(self.preload)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            universal_newlines=True,
            bufsize=1,
        )
        self._answer(timeout)

    def _answer(self, timeout: float) -> dict:
        assert self.process is not None and self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        line = self.process.stdout.readline() if ready else ""
        if not line:
            self.stop()
            raise WarmError(
                "the warm interpreter {} (preloading {}) did not answer within {:.0f} s".format(
                    "died" if ready else "hung", ", ".join(self.preload), timeout
                )
            )
        return json.loads(line)

    def _ask(self, request: dict, timeout: float) -> dict:
        if self.pid is None:
            self._start(timeout)
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        return self._answer(timeout)

    def run(self, scripts: list[dict], timeout: float = 120.0) -> list[Finished]:
        """Run scripts side by side, each in its own forked child; wait for all.

        Each script is a dict: script (path), argv (list), cwd, env (the child's
        whole environment), log (path that receives its stdout and stderr).
        """
        with self.lock:
            deadline = time.time() + timeout
            pids = []
            try:
                for spec in scripts:
                    pids.append(self._ask(dict(spec, op="spawn"), timeout)["pid"])
                codes = [
                    self._ask({"op": "wait", "pid": pid}, max(deadline - time.time(), 1.0))["returncode"]
                    for pid in pids
                ]
            except BaseException:
                for pid in pids:  # a child the helper no longer watches must not outlive the check
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
                self.stop()
                raise
        finished = []
        for spec, code in zip(scripts, codes):
            with open(spec["log"], errors="replace") as handle:
                output = handle.read()
            raised = []
            try:
                with open(spec["log"] + ".warnings", errors="replace") as handle:
                    raised = [json.loads(line) for line in handle if line.strip()]
                os.unlink(spec["log"] + ".warnings")
            except (OSError, ValueError):
                pass
            finished.append(Finished(code, output, raised))
        return finished

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None


_SHARED: dict[tuple, WarmInterpreter] = {}


def shared(preload: Sequence[str]) -> WarmInterpreter:
    """The process-wide helper for this preload list (started at its first run)."""
    key = tuple(preload)
    if key not in _SHARED:
        _SHARED[key] = WarmInterpreter(key)
    return _SHARED[key]


def helper_pids() -> list[int]:
    return [w.pid for w in _SHARED.values() if w.pid is not None]


@atexit.register
def _stop_all() -> None:
    for helper in _SHARED.values():
        helper.stop()
