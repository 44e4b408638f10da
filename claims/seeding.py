"""Seeding torch's CPU generator, the one every check here draws from."""

from __future__ import annotations

import torch


def seed(value: int) -> None:
    """Like torch.manual_seed, for the CPU only.

    torch.manual_seed also queues the seeding of CUDA (and other lazily
    initialised devices) with a formatted stack trace: 4 ms a call here, paid
    on every Hypothesis example.
    """
    torch.default_generator.manual_seed(value)
