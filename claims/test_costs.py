"""What the cheatsheet's statements cost: copies or views, memory and time
without autograd, DataParallel's overhead, the data loader's batches, moves to
and from the GPU. Each check asserts what decides the claim without a clock
(a view starts at its source's address, a copy elsewhere; bytes kept for
backward) and records the timings beside it as figures: how much a view or a
copy costs here, never a pass or a fail, which a loaded machine would decide.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from closeness import assert_close
from costs import seconds
from facets import CONTIGUOUS, NO_CUDA
from memory import can_measure, network_and_input, saved_bytes

SMALL, LARGE = 10**3, 10**7


def _arrays():
    return np.arange(SMALL, dtype=np.float32), np.arange(LARGE, dtype=np.float32)


@pytest.mark.claim("numpy.from_numpy.shares_memory")
@pytest.mark.facet(CONTIGUOUS)
def test_from_numpy_costs_the_same_at_any_size(figures, evidence):
    small, large = _arrays()
    t = figures.subject("torch.from_numpy(a), 10^7 float32", lambda: torch.from_numpy(large))
    assert t.data_ptr() == large.ctypes.data, "from_numpy copied: the tensor starts at another address"
    figures.reference("torch.from_numpy(a), 10^3 float32", lambda: torch.from_numpy(small))
    figures.reference("numpy a.copy(), 10^7 float32", large.copy)
    ratio = figures.ratio(
        "10^7 over 10^3 elements", "torch.from_numpy(a), 10^7 float32", "torch.from_numpy(a), 10^3 float32"
    )
    if ratio is not None:
        copy = figures.median["numpy a.copy(), 10^7 float32"]
        evidence.note(
            f"from_numpy of 10^7 elements takes {ratio:.1f}x the time of 10^3 (the tensor starts at the array's "
            f"address: no copy); numpy's own copy of the 10^7 takes {seconds(copy)}"
        )


@pytest.mark.claim("numpy.float_tensor.casts")
@pytest.mark.facet(CONTIGUOUS)
def test_float_tensor_of_an_array_is_a_copy(figures, evidence):
    # numpy's default dtype, the cheatsheet's own example (line 34): a real cast
    small, large = np.arange(SMALL, dtype=np.float64), np.arange(LARGE, dtype=np.float64)
    t = figures.subject("torch.FloatTensor(a), 10^7 float64", lambda: torch.FloatTensor(large))
    assert t.dtype == torch.float32 and t.data_ptr() != large.ctypes.data
    assert_close(t, torch.from_numpy(large.astype(np.float32)))
    same = np.arange(4, dtype=np.float32)
    if torch.FloatTensor(same).data_ptr() == same.ctypes.data:
        evidence.note("an array that is float32 already is not copied: FloatTensor(a) shares its memory")
    figures.reference("torch.FloatTensor(a), 10^3 float64", lambda: torch.FloatTensor(small))
    figures.reference("numpy a.astype(np.float32), 10^7 float64", lambda: large.astype(np.float32))
    figures.reference("numpy a.copy(), 10^7 float64", large.copy)
    ratio = figures.ratio(
        "10^7 over 10^3 elements", "torch.FloatTensor(a), 10^7 float64", "torch.FloatTensor(a), 10^3 float64"
    )
    if ratio is not None:
        ours = figures.rate(
            "torch.FloatTensor(a), bytes read per second", "torch.FloatTensor(a), 10^7 float64", large.nbytes
        )
        cast = figures.rate(
            "numpy astype(float32), bytes read per second", "numpy a.astype(np.float32), 10^7 float64", large.nbytes
        )
        copy = figures.rate("numpy copy, bytes read per second", "numpy a.copy(), 10^7 float64", large.nbytes)
        evidence.note(
            "FloatTensor(a) copies (the tensor starts elsewhere): 10^7 float64 in {} ({:.2f} GB/s read), {:.0f}x the time "
            "of 10^3, against numpy's own cast of the same bytes at {:.2f} GB/s and copy at {:.2f} GB/s "
            "on this machine".format(
                seconds(figures.median["torch.FloatTensor(a), 10^7 float64"]), ours, ratio, cast, copy
            )
        )


def _square(n):
    side = round(n**0.5)
    return torch.arange(float(side * side)).reshape(side, side)


@pytest.mark.claim("tensor.view.is_numpy_reshape")
@pytest.mark.facet(CONTIGUOUS)
def test_view_costs_the_same_at_any_size(figures, evidence):
    small, large = _square(SMALL), _square(LARGE)
    v = figures.subject("t.view(-1), 10^7 elements", lambda: large.view(-1))
    assert v.data_ptr() == large.data_ptr(), "view copied"
    figures.reference("t.view(-1), 10^3 elements", lambda: small.view(-1))
    figures.reference("t.t().contiguous(), 10^7 elements (a copy)", lambda: large.t().contiguous())
    ratio = figures.ratio("view: 10^7 over 10^3 elements", "t.view(-1), 10^7 elements", "t.view(-1), 10^3 elements")
    if ratio is not None:
        copy = figures.ratio(
            "contiguous() copy over view, 10^7 elements",
            "t.t().contiguous(), 10^7 elements (a copy)",
            "t.view(-1), 10^7 elements",
        )
        evidence.note(
            f"view of 10^7 elements takes {ratio:.1f}x the time of 10^3 (it starts at its source's address: no "
            f"copy); making a transposed 10^7 contiguous takes {copy:.0f}x a view"
        )


@pytest.mark.replacement("tensor.view.is_numpy_reshape")
def test_reshape_copies_only_when_it_must(figures, evidence):
    small, large = _square(SMALL), _square(LARGE)
    r = figures.subject("t.reshape(-1), contiguous, 10^7 elements", lambda: large.reshape(-1))
    assert r.data_ptr() == large.data_ptr(), "reshape of a contiguous tensor copied"
    copied = large.t().reshape(-1)
    assert copied.data_ptr() != large.data_ptr(), "reshape of a transposed tensor cannot be a view"
    assert_close(copied, torch.from_numpy(large.numpy().T.reshape(-1)))
    figures.reference("t.reshape(-1), contiguous, 10^3 elements", lambda: small.reshape(-1))
    figures.reference("t.t().reshape(-1), transposed, 10^7 elements", lambda: large.t().reshape(-1))
    figures.reference("numpy a.copy(), 10^7 float32", large.numpy().copy)
    ratio = figures.ratio(
        "contiguous: 10^7 over 10^3 elements",
        "t.reshape(-1), contiguous, 10^7 elements",
        "t.reshape(-1), contiguous, 10^3 elements",
    )
    if ratio is not None:
        copy = figures.ratio(
            "transposed over contiguous, 10^7 elements",
            "t.t().reshape(-1), transposed, 10^7 elements",
            "t.reshape(-1), contiguous, 10^7 elements",
        )
        evidence.note(
            "reshape is a view when it can be (10^7 over 10^3 elements: {:.1f}x) and a copy when it must "
            "(a transposed 10^7: {:.0f}x, {})".format(
                ratio, copy, seconds(figures.median["t.t().reshape(-1), transposed, 10^7 elements"])
            )
        )


@pytest.mark.replacement("inference.volatile_saves_memory")
def test_inference_without_autograd_time_and_memory(figures, evidence):
    model, x = network_and_input()
    model.eval()

    def inference():
        with torch.no_grad():
            return model(x)

    out = figures.subject("forward under torch.no_grad(), eval mode, batch of 8", inference)
    assert not out.requires_grad
    figures.reference("forward with autograd, eval mode, batch of 8", lambda: model(x))
    if can_measure() is None:
        kept, _ = saved_bytes(model, lambda: model(x))
        with torch.no_grad():
            nothing, _ = saved_bytes(model, lambda: model(x))
        evidence.measure("kept for backward, with autograd", kept, "bytes")
        evidence.measure("kept for backward, torch.no_grad()", nothing, "bytes")
        assert nothing == 0 < kept, f"no_grad kept {nothing} bytes, autograd {kept}"
    ratio = figures.ratio(
        "no_grad over autograd forward time",
        "forward under torch.no_grad(), eval mode, batch of 8",
        "forward with autograd, eval mode, batch of 8",
    )
    if ratio is not None:
        evidence.note(
            "a no_grad forward takes {:.2f}x the time of one with autograd ({} against {})".format(
                ratio,
                seconds(figures.median["forward under torch.no_grad(), eval mode, batch of 8"]),
                seconds(figures.median["forward with autograd, eval mode, batch of 8"]),
            )
        )


def _mlp():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(64, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))


@pytest.mark.claim("nn.data_parallel.wraps_model")
@pytest.mark.facet(NO_CUDA)
def test_data_parallel_overhead_on_this_machine(figures, evidence):
    if torch.cuda.is_available() and torch.cuda.device_count():
        pytest.skip("this machine has CUDA devices: DataParallel would need the model on them, which this "
                    "measurement of the pass-through does not do")  # fmt: skip
    model, x = _mlp(), torch.randn(32, 64)
    wrapped = torch.nn.DataParallel(model)
    out = figures.subject("DataParallel(model)(x), batch of 32", lambda: wrapped(x))
    assert_close(out, model(x))
    figures.reference("model(x), batch of 32", lambda: model(x))
    ratio = figures.ratio(
        "DataParallel over the bare model", "DataParallel(model)(x), batch of 32", "model(x), batch of 32"
    )
    if ratio is not None:
        evidence.note(f"DataParallel without CUDA (a pass-through) takes {ratio:.2f}x the bare model's forward time")


class Pairs(torch.utils.data.Dataset):
    def __init__(self, n=2048, features=32):
        torch.manual_seed(0)
        self.x, self.y = torch.randn(n, features), torch.arange(n)

    def __getitem__(self, index):
        return self.x[index], self.y[index]

    def __len__(self):
        return len(self.y)


@pytest.mark.claim("data.dataset.subclass")
def test_data_loader_batches_cost(figures, evidence):
    data = Pairs()
    loader = torch.utils.data.DataLoader(data, batch_size=64)

    def epoch():
        return list(loader)

    def slices():
        return [(data.x[i : i + 64], data.y[i : i + 64]) for i in range(0, len(data), 64)]

    batches = figures.subject("one epoch of DataLoader(dataset, batch_size=64), 2048 samples", epoch)
    expected = slices()
    assert len(batches) == len(expected) == 32
    for (x, y), (ex, ey) in zip(batches, expected):
        assert_close(x, ex)
        assert torch.equal(y, ey)
    figures.reference("the same 32 batches sliced from the tensors", slices)
    ratio = figures.ratio(
        "DataLoader over slicing",
        "one epoch of DataLoader(dataset, batch_size=64), 2048 samples",
        "the same 32 batches sliced from the tensors",
    )
    if ratio is not None:
        per_batch = figures.median["one epoch of DataLoader(dataset, batch_size=64), 2048 samples"] / 32
        evidence.measure("per batch through the DataLoader", per_batch, "s")
        evidence.note(
            "the DataLoader (one process, __getitem__ per sample, default collate) delivers a batch of 64 "
            f"in {seconds(per_batch)}: {ratio:.0f}x slicing the same batches from the tensors"
        )


# -- on a GPU ------------------------------------------------------------------

BUS_SIZES = (2**20, 2**24, 2**27)  # 1 MiB to 128 MiB of float32


def _transfer(figures, direction, pinned, nbytes):
    import torch.cuda

    n = nbytes // 4
    if direction == "host to device":
        source = torch.arange(n, dtype=torch.float32)
        source = source.pin_memory() if pinned else source

        def move():
            out = source.cuda(non_blocking=pinned)
            torch.cuda.synchronize()
            return out
    else:
        source = torch.arange(n, dtype=torch.float32, device="cuda")
        target = torch.empty(n, dtype=torch.float32, pin_memory=pinned)

        def move():
            target.copy_(source, non_blocking=pinned)
            torch.cuda.synchronize()
            return target

    name = "{}, {}, {} MiB".format(direction, "pinned" if pinned else "pageable", nbytes >> 20)
    out = figures.reference(name, move)
    assert torch.equal(out.cpu(), torch.arange(n, dtype=torch.float32)), name + " changed the data"
    return name


@pytest.mark.cuda
@pytest.mark.claim("device.cuda.moves")
def test_host_to_device_and_back_bandwidth(figures, evidence):
    warm = figures.subject("x.cuda(), 1 MiB pageable", lambda: torch.ones(2**18).cuda())
    assert warm.is_cuda
    rates = {}
    for direction in ("host to device", "device to host"):
        for pinned in (False, True):
            for nbytes in BUS_SIZES:
                name = _transfer(figures, direction, pinned, nbytes)
                rate = figures.rate(name + " bandwidth", name, nbytes)
                if rate is not None:
                    rates[(direction, pinned, nbytes)] = rate
    if rates:
        for direction in ("host to device", "device to host"):
            peak = max(v for (d, _p, _n), v in rates.items() if d == direction)
            evidence.measure(direction + " peak measured", round(peak, 2), "GB/s")
            pageable = rates[(direction, False, BUS_SIZES[-1])]
            evidence.note(
                f"{direction}: pageable 128 MiB at {pageable:.1f} GB/s, {100 * pageable / peak:.0f}% of the {peak:.1f} GB/s peak measured here "
                "(pinned)"
            )


@pytest.mark.cuda
@pytest.mark.replacement("inference.volatile_saves_memory")
def test_no_grad_peak_memory_on_the_gpu(figures, evidence):
    model, x = network_and_input()
    model, x = model.cuda().eval(), x.cuda()

    def peak(fn):
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        out = fn()
        torch.cuda.synchronize()
        return torch.cuda.max_memory_allocated() - base, out

    def inference():
        with torch.no_grad():
            return model(x)

    figures.subject("forward under torch.no_grad() on the GPU, batch of 8", inference)
    with_grad, out = peak(lambda: model(x))
    without, out_ng = peak(inference)
    evidence.measure("peak allocated, forward with autograd", with_grad, "bytes")
    evidence.measure("peak allocated, forward under torch.no_grad()", without, "bytes")
    assert_close(out_ng, out.detach())
    assert without < with_grad, f"no_grad peaked at {without} bytes, autograd at {with_grad}"


@pytest.mark.cuda
@pytest.mark.claim("data.dataloader.cuda_batches")
def test_loader_batches_to_the_gpu_pinned_or_not(figures, evidence):
    data = Pairs(n=4096, features=1024)

    def epoch(pin):
        loader = torch.utils.data.DataLoader(data, batch_size=256, pin_memory=pin)
        out = [(x.cuda(non_blocking=pin), y.cuda(non_blocking=pin)) for x, y in loader]
        torch.cuda.synchronize()
        return out

    batches = figures.subject("epoch to the GPU, pin_memory=True", lambda: epoch(True))
    figures.reference("epoch to the GPU, pin_memory=False", lambda: epoch(False))
    for i, (x, y) in enumerate(batches):
        assert torch.equal(y.cpu(), data.y[i * 256 : (i + 1) * 256]), f"batch {i} lost its labels' pairing"
        assert_close(x.cpu(), data.x[i * 256 : (i + 1) * 256])
    figures.ratio(
        "pinned over pageable epoch time", "epoch to the GPU, pin_memory=True", "epoch to the GPU, pin_memory=False"
    )
