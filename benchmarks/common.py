"""What every benchmark prints beside its figures: the hardware and a reference CPU workload."""

from __future__ import annotations

import os
import resource
import time

import numpy as np

from .audio_common import hardware

__all__ = ["hardware", "reference_seconds", "peak_rss_mb", "machine_busy_s", "own_cpu_s"]


def reference_seconds(repeats: int = 3) -> float:
    """Best-of time of a fixed single-thread numpy workload: divide by it to cancel machine load."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((256, 256)).astype(np.float32)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(200):
            a = np.tanh(a @ a.T / 256)
        best = min(best, time.perf_counter() - t0)
    return best


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine_busy_s() -> float:
    """CPU seconds every process on the machine has used since boot (/proc/stat: all but idle and I/O wait).

    Its growth over a run, less this process's and its children's CPU (own_cpu_s), is what other
    users took meanwhile: on a shared machine, the load a figure was measured under."""
    with open("/proc/stat") as stat:
        ticks = [int(v) for v in stat.readline().split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def own_cpu_s() -> float:
    """User + system CPU seconds of this process and its finished children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
