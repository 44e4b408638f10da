"""Measure what autograd keeps for backward, in bytes, for a real small network."""

from __future__ import annotations

from typing import Callable

import seeding
import torch


class SmallNet(torch.nn.Module):
    """Conv, batch norm, ReLU, dropout, linear: the layers line 146 talks about."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.norm = torch.nn.BatchNorm2d(8)
        self.drop = torch.nn.Dropout(0.5)
        self.head = torch.nn.Linear(8 * 16 * 16, 10)

    def forward(self, x):
        x = self.drop(torch.relu(self.norm(self.conv(x))))
        return self.head(x.reshape(x.shape[0], -1))


def network_and_input(seed: int = 0) -> tuple[SmallNet, torch.Tensor]:
    seeding.seed(seed)
    return SmallNet(), torch.randn(8, 3, 16, 16)


def _hooks():
    graph = getattr(torch.autograd, "graph", None)
    return getattr(graph, "saved_tensors_hooks", None)


def can_measure() -> str | None:
    """None when this torch can measure saved tensors, else the reason it cannot."""
    if _hooks() is None:
        return "torch.autograd.graph.saved_tensors_hooks does not exist in this torch (it arrived in 1.10)"
    return None


def _storage(t: torch.Tensor) -> tuple[int, int]:
    if hasattr(t, "untyped_storage"):
        storage = t.untyped_storage()
        return storage.data_ptr(), storage.nbytes()
    storage = t.storage()
    return storage.data_ptr(), storage.size() * t.element_size()


def saved_bytes(model: torch.nn.Module, run: Callable[[], torch.Tensor]) -> tuple[int, torch.Tensor]:
    """Bytes of the distinct storages autograd saves for backward while `run()` executes.

    The model's own parameters are left out: autograd references them but they
    cost nothing extra. What remains is activations kept alive for backward.
    """
    parameters = {_storage(p)[0] for p in model.parameters()}
    kept = {}

    def pack(tensor):
        pointer, size = _storage(tensor)
        if pointer not in parameters:
            kept[pointer] = size
        return tensor

    with _hooks()(pack, lambda tensor: tensor):
        out = run()
    return sum(kept.values()), out


# Where saved_tensors_hooks is missing (torch < 1.10), what the graph keeps is measured another way: the
# process's resident memory. Each activation of BigNet is 64 MiB, above glibc's largest mmap threshold
# (32 MiB), so the allocator maps each one when it is made and unmaps it when it is freed: resident memory
# follows the live activations exactly, to within the pages of small allocations (well under one activation).
ACTIVATION_BYTES = 8 * 8 * 512 * 512 * 4  # 64 MiB: one float32 activation of BigNet


class BigNet(torch.nn.Module):
    """SmallNet's layers on 512 x 512 images: every activation 64 MiB."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.norm = torch.nn.BatchNorm2d(8)
        self.drop = torch.nn.Dropout(0.5)

    def forward(self, x):
        return self.drop(torch.relu(self.norm(self.conv(x)))).sum(dim=(2, 3))


def big_network_and_input(seed: int = 0) -> tuple[BigNet, torch.Tensor]:
    seeding.seed(seed)
    return BigNet(), torch.randn(8, 3, 512, 512)


def _resident_bytes() -> int:
    import os

    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def resident_kept(run: Callable[[], torch.Tensor]) -> tuple[int, torch.Tensor]:
    """Resident bytes still held after `run()` returns, beyond its (small) output: what the graph keeps alive."""
    import gc

    gc.collect()
    before = _resident_bytes()
    out = run()
    gc.collect()
    return max(0, _resident_bytes() - before), out
