"""What every benchmark prints beside its figures: the hardware and a reference CPU workload."""

from __future__ import annotations

import resource
import time

import numpy as np

from .audio_common import hardware

__all__ = ["hardware", "reference_seconds", "peak_rss_mb"]


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
