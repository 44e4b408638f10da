"""Lines 154-159: saving whole models, moving their code, loading them again."""
from __future__ import annotations

import pytest

from claimcheck import ClaimBroken
import relocation


@pytest.fixture(scope="module")
def loads(tmp_path_factory):
    return relocation.run(str(tmp_path_factory.mktemp("relocation")))


def _describe(step):
    return "{}: {}".format(step["type"], step["message"]) if not step["ok"] else "loaded"


def _defaults_note(loads):
    default = loads["weights_only_default"]
    if default == "absent":
        return "torch.load has no weights_only parameter in this torch: it unpickles anything"
    return "torch.load's default weights_only={!r}: loading the whole model with defaults: {}".format(
        default, _describe(loads["defaults"]))


@pytest.mark.claim("serialization.whole_model.breaks_on_move")
def test_whole_model_fails_to_load_after_its_module_moves(loads, evidence):
    step = loads["after_move"]
    evidence.note("after the move, in a fresh interpreter: " + _describe(step))
    evidence.note(_defaults_note(loads))
    assert not step["ok"], "the whole model loaded although its module moved"
    assert "netdef" in step["message"], "the error should name the missing module: " + _describe(step)


@pytest.mark.claim("serialization.whole_model.path_workaround")
def test_adding_the_new_location_to_the_path_loads_it(loads, evidence):
    step = loads["path_workaround"]
    evidence.note("with the new folder on sys.path: " + _describe(step))
    if not step["ok"]:
        raise ClaimBroken("sys.path.insert(0, 'models'); torch.load('whole.pt')", step["type"], step["message"])
    assert step["max_abs_diff"] == 0.0, "the reloaded model's output differs by {}".format(step["max_abs_diff"])


@pytest.mark.claim("serialization.whole_model.loads_by_default")
def test_whole_model_loads_with_torch_load_defaults(loads, evidence):
    step = loads["defaults"]
    evidence.note(_defaults_note(loads))
    if not step["ok"]:
        raise ClaimBroken("torch.load('whole.pt')", step["type"], step["message"])
    assert step["max_abs_diff"] == 0.0


@pytest.mark.replacement("serialization.whole_model.loads_by_default")
def test_state_dict_survives_the_move_with_defaults(loads, evidence):
    step = loads["state_dict"]
    evidence.note("state_dict into a model rebuilt from the moved code, torch.load defaults: " + _describe(step))
    assert step["ok"], "the state_dict did not load: " + _describe(step)
    assert step["max_abs_diff"] == 0.0, "outputs differ by {}".format(step["max_abs_diff"])
