"""A real project on disk: save a model, move its module, load in a fresh interpreter.

Each step is its own process (see fresh.py). The loading process also runs the saved programs (TorchScript traced
and scripted, torch.export) before the class can be imported: one subprocess serves lines 155-159.

Everything happens in a temporary directory the check made itself; the only
files unpickled are the ones the save step just wrote there.
"""

from __future__ import annotations

import json
import os
import textwrap

import fresh

NET_SOURCE = textwrap.dedent("""
    import torch

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(4, 3)

        def forward(self, x):
            return torch.tanh(self.fc(x))
""")

# Both scripts record the warnings of each step with the stack each was raised with (whose warning it is:
# see claimcheck/attribution.py), for the check about that step to raise again.
RECORDING = textwrap.dedent("""
    import contextlib, os, sys, warnings

    @contextlib.contextmanager
    def recording():
        caught = []
        def keep(w):
            frames, frame = [], sys._getframe(1)
            while frame is not None:
                if os.path.realpath(frame.f_code.co_filename) != os.path.realpath(warnings.__file__):
                    frames.append([frame.f_code.co_filename, frame.f_lineno])
                frame = frame.f_back
            caught.append({"category": w.category.__name__, "module": w.category.__module__,
                           "message": str(w.message), "filename": w.filename, "lineno": w.lineno,
                           "stack": frames[::-1]})
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            warnings._showwarnmsg_impl = keep
            yield caught
""")

SAVE = RECORDING + textwrap.dedent("""
    import os, sys
    sys.path.insert(0, os.getcwd())  # the user runs from the project folder
    import torch, netdef
    torch.manual_seed(0)
    net = netdef.Net()
    x = torch.randn(2, 4)
    torch.save(net, "../whole.pt")
    torch.save(net.state_dict(), "../weights.pt")
    torch.save({"x": x, "y": net(x).detach()}, "../io.pt")
    # Programs that should run without the class, one per supported form (claims.toml lists each form
    # with the release that documented it): TorchScript by tracing and by scripting, and torch.export.
    # A torch that cannot make one says why, for the evidence.
    import json
    made = {}
    def make(name, program):
        made[name] = {"refusal": None}
        with recording() as caught:
            try:
                program()
            except Exception as exc:
                made[name]["refusal"] = "{}: {}".format(type(exc).__name__, str(exc).strip()[:300])
        made[name]["warnings"] = caught
    make("trace", lambda: torch.jit.trace(net.eval(), (x,)).save("../traced.pt"))
    make("script", lambda: torch.jit.script(net.eval()).save("../scripted.pt"))
    make("export", lambda: torch.export.save(torch.export.export(net, (x,)), "../exported.pt2"))
    with open("../made.json", "w") as handle:
        json.dump(made, handle)
""")

# One fresh interpreter tries every way of loading, in an order where no step
# can help a later one: the failing load comes before the class is importable.
LOAD = RECORDING + textwrap.dedent("""
    import inspect, json, os, sys, traceback
    import torch
    results = {}
    has_weights_only = "weights_only" in inspect.signature(torch.load).parameters
    results["weights_only_default"] = (
        inspect.signature(torch.load).parameters["weights_only"].default if has_weights_only else "absent")
    trusted = {"weights_only": False} if has_weights_only else {}
    io = torch.load("../io.pt")

    import warnings

    def attempt(name, load):
        with recording() as caught:
            try:
                y = load()(io["x"]).detach()
                results[name] = {"ok": True, "max_abs_diff": float((y - io["y"]).abs().max())}
            except Exception as exc:
                results[name] = {"ok": False, "type": type(exc).__name__,
                                 "message": str(exc).strip().splitlines()[0] if str(exc).strip() else ""}
        results[name]["warnings"] = caught

    # Nothing below can import netdef until the path is extended: this is a
    # machine without the model's class.
    with open("../made.json") as handle:
        made = json.load(handle)
    results["made"] = made  # each form's warnings while it was made
    for name, step in made.items():
        if step["refusal"]:
            kind, _, message = step["refusal"].partition(": ")
            results[name + "_without_class"] = {"ok": False, "type": kind, "message": "could not be saved: " + message}
    if os.path.exists("../traced.pt"):
        attempt("trace_without_class", lambda: torch.jit.load("../traced.pt"))
    if os.path.exists("../scripted.pt"):
        attempt("script_without_class", lambda: torch.jit.load("../scripted.pt"))
    if os.path.exists("../exported.pt2"):
        attempt("export_without_class", lambda: torch.export.load("../exported.pt2").module())
    attempt("after_move", lambda: torch.load("../whole.pt", **trusted))
    sys.path.insert(0, os.path.join(os.getcwd(), "models"))  # the cheatsheet's workaround
    attempt("defaults", lambda: torch.load("../whole.pt"))
    attempt("path_workaround", lambda: torch.load("../whole.pt", **trusted))

    with open(os.path.join("models", "netdef.py")) as handle:
        exec(compile(handle.read(), "rebuilt", "exec"), globals())
    def from_state_dict():
        net = Net()
        net.load_state_dict(torch.load("../weights.pt"))
        return net
    attempt("state_dict", from_state_dict)
    if has_weights_only:  # the recommended spelling from 1.13: tensors only, and no FutureWarning on 2.4-2.5
        def from_state_dict_weights_only():
            net = Net()
            net.load_state_dict(torch.load("../weights.pt", weights_only=True))
            return net
        attempt("state_dict_weights_only", from_state_dict_weights_only)
    print("RESULTS " + json.dumps(results))
""")


def raise_warnings(step: dict) -> None:
    """Raise again, in the check, the warnings torch raised during one step of the loading process."""
    fresh.Finished(0, "", step.get("warnings", ())).raise_warnings()


def run(folder: str, timeout: float = 120.0) -> dict:
    project = os.path.join(folder, "project")
    os.makedirs(os.path.join(project, "models"))
    for name, text in (("save.py", SAVE), ("load.py", LOAD)):
        with open(os.path.join(folder, name), "w") as handle:
            handle.write(text)
    with open(os.path.join(project, "netdef.py"), "w") as handle:
        handle.write(NET_SOURCE)
    env = fresh.environment()
    _python(os.path.join(folder, "save.py"), project, env, timeout)
    os.rename(os.path.join(project, "netdef.py"), os.path.join(project, "models", "netdef.py"))
    out = _python(os.path.join(folder, "load.py"), project, env, timeout).output
    line = [text for text in out.splitlines() if text.startswith("RESULTS ")]
    if not line:
        raise RuntimeError("the load script printed no results:\n" + out)
    results: dict = json.loads(line[-1][len("RESULTS ") :])
    return results


def _python(script: str, cwd: str, env: dict, timeout: float) -> fresh.Finished:
    (done,) = fresh.run(
        [{"script": script, "argv": [], "cwd": cwd, "env": env, "log": script + ".log"}], timeout=timeout
    )
    if done.returncode != 0:
        raise RuntimeError(f"{os.path.basename(script)} exited with {done.returncode}:\n{done.output[-3000:]}")
    return done
