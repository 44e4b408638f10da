"""Lines 154-159: saving whole models, moving their code, loading them again; exporting and serving."""

from __future__ import annotations

import inspect
import json
import os
import re

import pytest
import relocation
import torch
from closeness import assert_close

from claimcheck import ClaimBroken, finding, load_registry

_DEPLOY = load_registry(os.path.join(os.path.dirname(os.path.abspath(__file__)), "claims.toml")).get(
    "deploy.no_supported_way"
)

# the relocation scenario's processes: first, on one worker (see conftest.py)
pytestmark = pytest.mark.early


@pytest.fixture(scope="module")
def loads(tmp_path_factory):
    """The relocation scenario's results, computed once per run.

    Under pytest-xdist the checks of this module may land on several workers;
    the first to ask runs the scenario and the others read its results.
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return relocation.run(str(tmp_path_factory.mktemp("relocation")))
    from filelock import FileLock

    shared = tmp_path_factory.getbasetemp().parent / "relocation.json"
    with FileLock(str(shared) + ".lock"):
        if shared.exists():
            return json.loads(shared.read_text())
        results = relocation.run(str(tmp_path_factory.mktemp("relocation")))
        shared.write_text(json.dumps(results))
        return results


def _describe(step):
    return "{}: {}".format(step["type"], step["message"]) if not step["ok"] else "loaded"


def _defaults_note(loads):
    default = loads["weights_only_default"]
    if default == "absent":
        return "torch.load has no weights_only parameter in this torch: it unpickles anything"
    return "torch.load's default weights_only={!r}: loading the whole model with defaults: {}".format(
        default, _describe(loads["defaults"])
    )


@pytest.mark.claim("serialization.whole_model.breaks_on_move")
def test_whole_model_fails_to_load_after_its_module_moves(loads, evidence):
    step = loads["after_move"]
    relocation.raise_warnings(step)  # what torch warned in the loading process
    evidence.note("after the move, in a fresh interpreter: " + _describe(step))
    evidence.note(_defaults_note(loads))
    assert not step["ok"], "the whole model loaded although its module moved"
    assert "netdef" in step["message"], "the error should name the missing module: " + _describe(step)


@pytest.mark.claim("serialization.whole_model.path_workaround")
def test_adding_the_new_location_to_the_path_loads_it(loads, evidence):
    step = loads["path_workaround"]
    relocation.raise_warnings(step)  # what torch warned in the loading process
    evidence.note("with the new folder on sys.path: " + _describe(step))
    if not step["ok"]:
        raise ClaimBroken("sys.path.insert(0, 'models'); torch.load('whole.pt')", step["type"], step["message"])
    assert step["max_abs_diff"] == 0.0, "the reloaded model's output differs by {}".format(step["max_abs_diff"])


@pytest.mark.claim("serialization.whole_model.loads_by_default")
def test_whole_model_loads_with_torch_load_defaults(loads, evidence):
    step = loads["defaults"]
    relocation.raise_warnings(step)  # what torch warned in the loading process
    evidence.note(_defaults_note(loads))
    if not step["ok"]:
        raise ClaimBroken("torch.load('whole.pt')", step["type"], step["message"])
    assert step["max_abs_diff"] == 0.0


@pytest.mark.replacement("serialization.whole_model.loads_by_default")
def test_state_dict_survives_the_move(loads, evidence):
    """The idiom the release documents (claims.toml): torch.load's defaults before 1.13, weights_only=True after."""
    has_weights_only = loads["weights_only_default"] != "absent"
    name, spelling = (
        ("state_dict_weights_only", "torch.load(f, weights_only=True)") if has_weights_only
        else ("state_dict", "torch.load(f) with its defaults")
    )  # fmt: skip
    step = loads[name]
    relocation.raise_warnings(step)  # what torch warned in the loading process
    evidence.note(f"state_dict into a model rebuilt from the moved code, {spelling}: " + _describe(step))
    assert step["ok"], "the state_dict did not load: " + _describe(step)
    assert step["max_abs_diff"] == 0.0, "outputs differ by {}".format(step["max_abs_diff"])
    if has_weights_only:  # the idiom's second half, from 1.13
        trusted = loads["path_workaround"]
        relocation.raise_warnings(trusted)
        evidence.note(
            "torch.load(f, weights_only=False) of the whole model, its class importable: " + _describe(trusted)
        )
        assert trusted["ok"], "torch.load(f, weights_only=False) did not load a file you trust: " + _describe(trusted)


@pytest.mark.claim("deploy.no_supported_way")
def test_there_is_no_supported_way_to_serve(loads, evidence):
    """Holds only when every supported form this release documented (claims.toml) was tried and failed."""
    ran = []
    for form in _DEPLOY.forms_for(torch.__version__):
        step = loads.get(form.text + "_without_class")
        assert step is not None, f"the relocation scenario did not try the form {form.text!r} ({form.source})"
        relocation.raise_warnings(loads["made"][form.text])  # what torch warned while making the program
        relocation.raise_warnings(step)
        evidence.tried(form.text, "in a fresh interpreter without the class: " + _describe(step))
        if step["ok"]:
            ran.append(form.text)
    assert not ran, (
        "{} ran a saved program in a fresh interpreter without its Python class: a supported way "
        "to deploy exists".format(" and ".join(ran))
    )


@pytest.mark.replacement("deploy.no_supported_way")
def test_the_documented_deployment_runs_without_the_class(loads, evidence):
    """The forms of the replacement this release documents, each run where the class cannot be imported."""
    shown = _DEPLOY.replacement_for(torch.__version__)
    if shown is None:
        pytest.skip("no replacement is documented for this release")
    for name in shown.forms:
        step = loads[name + "_without_class"]
        relocation.raise_warnings(loads["made"][name])  # what torch warned while making the program
        relocation.raise_warnings(step)
        assert step["ok"], f"{name} failed without the class: {_describe(step)}"
        evidence.measure(f"{name} output difference", step["max_abs_diff"], "max abs")
        assert step["max_abs_diff"] == 0.0, "{} changed the outputs by {}".format(name, step["max_abs_diff"])


class Served(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 3)

    def forward(self, x):
        return torch.relu(self.fc(x)) * 2


@pytest.mark.claim("deploy.onnx_export")
def test_export_to_onnx_and_run_elsewhere(tmp_path, evidence):
    onnx = pytest.importorskip(
        "onnx", reason="needs onnx and onnxruntime (nox installs them where this torch's Python can)"
    )
    ort = pytest.importorskip(
        "onnxruntime", reason="needs onnx and onnxruntime (nox installs them where this torch's Python can)"
    )
    torch.manual_seed(0)
    model, x = Served().eval(), torch.randn(2, 4)
    path = str(tmp_path / "model.onnx")
    with finding("torch.onnx.export(model, (x,), path)"):
        torch.onnx.export(model, (x,), path)
    with finding("onnx.checker.check_model(onnx.load(path))"):
        onnx.checker.check_model(onnx.load(path))
    with finding("onnxruntime.InferenceSession(path).run(...)"):
        session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        (got,) = session.run(None, {session.get_inputs()[0].name: x.numpy()})
    with torch.no_grad():
        assert_close(torch.from_numpy(got), model(x))
    evidence.note(f"exported with torch.onnx.export and run by onnxruntime {ort.__version__}")


# The caveat the line points to: saving a whole model ties it to its class's module and folder.
_CAVEAT = re.compile(
    r"director(y|ies) structure|class definition|definition of the (model )?class|where the class", re.I
)


@pytest.mark.claim("serialization.documented_caveat")
def test_the_documentation_states_the_caveat(evidence):
    """The line cites the serialization notes, a web page torch does not ship; its docstrings are what is here.

    Found there, the caveat holds with the sentence quoted; not found, the page
    itself cannot be read on this machine, so the claim is not checked (not-run),
    never judged by some other sentence.
    """
    for function in (torch.save, torch.load):
        doc = " ".join((inspect.getdoc(function) or "").split())
        sentence = next((s for s in re.split(r"(?<=[.!?])\s+", doc) if _CAVEAT.search(s)), None)
        if sentence is not None:
            evidence.note(f"torch.{function.__name__} docstring: {sentence!r}")
            return
    pytest.skip(
        "the serialization notes are a web page torch does not ship, and neither torch.save's nor torch.load's "
        "docstring states the caveat (class definitions, directory structure): not checkable here"
    )


class _RunsCode:
    """Unpickling this runs code: the payload of a malicious checkpoint."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').write('unpickled')",))


@pytest.mark.claim("serialization.load_untrusted_is_safe")
def test_torch_load_of_an_untrusted_file_runs_no_code(tmp_path, evidence):
    # The file is crafted here, in our own temporary folder: nothing else is ever unpickled.
    marker = tmp_path / "code-ran"
    path = tmp_path / "untrusted.pt"
    torch.save({"weights": torch.zeros(2), "payload": _RunsCode(str(marker))}, str(path))
    try:
        torch.load(str(path))
        outcome = "torch.load returned"
    except Exception as exc:
        outcome = f"torch.load raised {type(exc).__name__}: {str(exc).strip().splitlines()[0]}"
    evidence.note(outcome)
    evidence.note(_defaults_note_from_signature())
    assert not marker.exists(), f"torch.load with its defaults ran the code in the file ({outcome})"


def _defaults_note_from_signature():
    parameter = inspect.signature(torch.load).parameters.get("weights_only")
    if parameter is None:
        return "torch.load has no weights_only parameter in this torch"
    return f"torch.load's default weights_only={parameter.default!r}"


@pytest.mark.replacement("serialization.load_untrusted_is_safe")
def test_weights_only_load_refuses_code(tmp_path):
    if "weights_only" not in inspect.signature(torch.load).parameters:
        pytest.skip("torch.load has no weights_only parameter in this torch (it arrived in 1.13)")
    marker = tmp_path / "code-ran"
    path = tmp_path / "untrusted.pt"
    torch.save({"payload": _RunsCode(str(marker))}, str(path))
    refusal = None
    try:
        torch.load(str(path), weights_only=True)
    except Exception as exc:  # whichever error torch raises, the payload must not run
        refusal = exc
    assert not marker.exists(), "torch.load(weights_only=True) ran the code in the file"
    assert refusal is not None, "torch.load(weights_only=True) loaded a file whose unpickling runs code"
