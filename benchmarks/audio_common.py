"""Shared pieces of the audio benchmarks: the hardware line and the 3-minute test piece."""

from __future__ import annotations

import os
import platform

from bgm_studio.music.notes import Score
from bgm_studio.music.pop909 import default_root, load_song

PIECE_ID = "820"  # a POP909 test-split song of 2:51


def hardware() -> str:
    """CPU model, core count and load, for reading the numbers that follow."""
    model = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return f"{model}, nproc {os.cpu_count()}, load average {load}, Python {platform.python_version()}"


def test_piece() -> tuple[str, Score]:
    """(name, score) of the benchmark piece."""
    return f"POP909 {PIECE_ID}", load_song(default_root() / PIECE_ID).score()
