"""Cost figures for the claims about copies, memory and overhead.

pytest-benchmark times the subject of a claim (its calibrated rounds, its
statistics, its JSON in full mode). The references a figure is compared with
(the same call on 1,000 elements, numpy's own copy of the same bytes, the
model without its wrapper) are timed in the same check, right after, with the
same settings and pytest-benchmark's statistics: ratios of figures taken
together, not absolute times, which are noisy on a shared machine.

Under --benchmark-disable every callable still runs once, as a check, and no
figure is recorded.
"""

from __future__ import annotations

import math
import time
from typing import Callable

from claimcheck import quantity


def seconds(value: float) -> str:
    """A time for a sentence, as the report writes it: 1.2 ms, 850 ns."""
    return quantity(value, "s")


class Figures:
    def __init__(self, benchmark, evidence, config) -> None:
        self.benchmark, self.evidence, self.config = benchmark, evidence, config
        self.median: dict[str, float] = {}

    @property
    def measuring(self) -> bool:
        return not getattr(self.benchmark, "disabled", False)

    def _option(self, name: str, default: float) -> float:
        try:
            value = self.config.getoption(name)
        except ValueError:
            return default
        return default if value is None else float(value)

    def subject(self, name: str, fn: Callable[[], object]) -> object:
        """Time `fn` with pytest-benchmark (once per check: its fixture allows one)."""
        result = self.benchmark(fn)
        if self.measuring:
            stats = self.benchmark.stats.stats
            self._record(name, stats.median, stats.iqr, stats.rounds)
        return result

    def reference(self, name: str, fn: Callable[[], object]) -> object:
        """Time `fn` as pytest-benchmark would: calibrated iterations per round, at least
        --benchmark-min-rounds rounds, until --benchmark-max-time is spent."""
        result = fn()
        if not self.measuring:
            return result
        from pytest_benchmark.stats import Stats

        min_rounds = int(self._option("benchmark_min_rounds", 5))
        max_time = self._option("benchmark_max_time", 1.0)
        min_time = self._option("benchmark_min_time", 5e-6)
        start = time.perf_counter()
        fn()
        once = max(time.perf_counter() - start, 1e-9)
        iterations = max(1, math.ceil(min_time / once))
        durations: list[float] = []
        began = time.perf_counter()
        while len(durations) < min_rounds or time.perf_counter() - began < max_time:
            start = time.perf_counter()
            for _ in range(iterations):
                fn()
            durations.append((time.perf_counter() - start) / iterations)
        stats = Stats()  # its figures are cached properties: fill it, then read it
        for duration in durations:
            stats.update(duration)
        self._record(name, stats.median, stats.iqr, stats.rounds)
        return result

    def _record(self, name: str, median: float, iqr: float, rounds: int) -> None:
        self.median[name] = median
        self.evidence.measure(name, median, "s", iqr=iqr, rounds=rounds)

    def ratio(self, name: str, top: str, bottom: str) -> float | None:
        if top not in self.median or bottom not in self.median:
            return None
        value = self.median[top] / self.median[bottom]
        self.evidence.measure(name, round(value, 2), "ratio")
        return value

    def rate(self, name: str, timed: str, nbytes: int) -> float | None:
        if timed not in self.median:
            return None
        value = nbytes / self.median[timed] / 1e9
        self.evidence.measure(name, round(value, 2), "GB/s")
        return value
