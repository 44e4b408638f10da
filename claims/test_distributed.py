"""Line 90: distributed data parallel training over several processes, on CPUs."""

from __future__ import annotations

import json
import os
import socket
import textwrap

import fresh
import pytest
import torch
from closeness import assert_close

from claimcheck import ClaimBroken, load_registry

_SPELLINGS = load_registry(os.path.join(os.path.dirname(os.path.abspath(__file__)), "claims.toml")).get(
    "distributed.ddp.cpu_gloo"
)

RANK = textwrap.dedent("""
    import json, sys
    import torch
    import torch.distributed as dist
    rank, port, out, spelling = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    torch.set_num_threads(1)  # two ranks share this machine's cores
    dist.init_process_group("gloo", init_method="tcp://127.0.0.1:" + port, rank=rank, world_size=2)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    ddp = getattr(torch.nn.parallel, spelling)(model)  # the module this release documents (claims.toml)
    torch.manual_seed(1)
    x, y = torch.randn(8, 4), torch.randn(8, 1)
    half = slice(4 * rank, 4 * rank + 4)
    torch.nn.functional.mse_loss(ddp(x[half]), y[half]).backward()
    with open(out, "w") as handle:
        json.dump([p.grad.tolist() for p in model.parameters()], handle)
    dist.destroy_process_group()
""")

# two rank processes: first (see conftest.py)
pytestmark = pytest.mark.early


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _single_process_gradients():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    torch.manual_seed(1)
    x, y = torch.randn(8, 4), torch.randn(8, 1)
    torch.nn.functional.mse_loss(model(x), y).backward()
    return [p.grad for p in model.parameters()]


@pytest.mark.claim("distributed.ddp.cpu_gloo")
def test_two_gloo_ranks_match_one_process(tmp_path, evidence):
    if not torch.distributed.is_available():
        raise ClaimBroken("torch.distributed", "NotAvailable", "this torch was built without torch.distributed")
    (form,) = _SPELLINGS.forms_for(torch.__version__)  # the one spelling this release documents
    script = tmp_path / "rank.py"
    script.write_text(RANK)
    port = str(_free_port())
    env = fresh.environment(OMP_NUM_THREADS="1")
    ranks = fresh.run(
        [
            {
                "script": str(script),
                "argv": [str(r), port, str(tmp_path / f"grads{r}.json"), form.text],
                "cwd": str(tmp_path),
                "env": env,
                "log": str(tmp_path / f"rank{r}.log"),
            }
            for r in range(2)
        ],
        timeout=180,
    )
    for rank, done in enumerate(ranks):
        if done.returncode != 0:
            out = done.output.strip()
            evidence.tried(form.text, f"rank {rank} exited with {done.returncode}")
            raise ClaimBroken(
                f"{form.text} over gloo, rank {rank}",
                f"ExitCode{done.returncode}",
                out.splitlines()[-1] if out else "no output",
            )
    expected = _single_process_gradients()
    for rank in range(2):
        grads = json.loads((tmp_path / f"grads{rank}.json").read_text())
        for got, want in zip(grads, expected):
            assert_close(torch.tensor(got), want, msg=lambda m, r=rank: f"rank {r}: {m}")
    evidence.tried(form.text, "2 gloo ranks on 127.0.0.1, 4 samples each: gradients equal one process on all 8")
