"""What a benchmark's process and its machine are doing: CPU and memory, the event loop's lag and the
collector's pauses, and the CPU time a VM's host takes from the machine (steal), per second.

Imported by the scale benchmark beside it (`scale_books.py`); not a test.
"""

from __future__ import annotations

import asyncio
import gc
import os
import resource
import threading
import time
from typing import Any


def cpu_seconds() -> float:
    """user+system CPU seconds of this process."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory of a process in MB (Linux /proc)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def proc_cpu(pid: int) -> float:
    """user+system CPU seconds of another process."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


CALM_STEAL = 0.05  # a second with less steal than this counts as calm


class StealSampler:
    """Reads the machine's steal time once a second from `t0` (time.monotonic()) in a thread of its own,
    so a busy event loop does not shift the samples."""

    def __init__(self, t0: float) -> None:
        self.t0 = t0
        self.shares: list[float | None] = []
        self._first = _stolen()
        self._last = self._first
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        k = 1
        while not self._done.wait(max(0.0, self.t0 + k - time.monotonic())):
            now = _stolen()
            self.shares.append(_steal_share(self._last, now))
            self._last, k = now, k + 1

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def total(self) -> float | None:
        return _steal_share(self._first, self._last)


def _stolen() -> tuple[int, int] | None:
    """(steal, total) CPU ticks of the machine so far (Linux /proc/stat; None elsewhere): a VM's host
    running other guests on our CPUs shows as steal, and it delays both processes alike."""
    try:
        with open("/proc/stat") as f:
            ticks = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    return (ticks[7] if len(ticks) > 7 else 0), sum(ticks[:8])


def _steal_share(t0: tuple[int, int] | None, t1: tuple[int, int] | None) -> float | None:
    if t0 is None or t1 is None or t1[1] <= t0[1]:
        return None
    return (t1[0] - t0[0]) / (t1[1] - t0[1])


def pct(values: list[float], q: float) -> float:
    """The q-quantile of `values` (nan for none)."""
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


class LoopWatch:
    """How late a 5 ms timer fires (the event loop's lag) and how long the collector's passes take."""

    def __init__(self) -> None:
        self.lags: list[float] = []
        self.gc: dict[int, list[float]] = {}
        self._t0 = 0.0
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._t0 = time.perf_counter()
        else:
            self.gc.setdefault(info["generation"], []).append(time.perf_counter() - self._t0)

    def reset(self) -> None:
        self.lags, self.gc = [], {}

    def stop(self) -> None:
        gc.callbacks.remove(self._on_gc)

    async def run(self) -> None:
        while True:
            t = time.perf_counter()
            await asyncio.sleep(0.005)
            self.lags.append(time.perf_counter() - t - 0.005)

    def summary(self) -> dict[str, Any]:
        return {"lag_p50": 1000 * pct(self.lags, 0.5), "lag_p99": 1000 * pct(self.lags, 0.99),
                "lag_max": 1000 * pct(self.lags, 1.0),
                "gc": {g: (len(v), 1000 * sum(v), 1000 * max(v)) for g, v in sorted(self.gc.items())}}
