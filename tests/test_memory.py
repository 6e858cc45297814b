"""Freed memory is reused by the next array instead of being faulted in (and zeroed) again."""

from __future__ import annotations

import subprocess
import sys

import pytest

REALLOCATE = """
import resource, sys
import numpy as np
from bgm_studio.memory import keep_freed_memory
kept = keep_freed_memory() if sys.argv[1] == "keep" else None
audio = np.ones((8_000_000, 2), np.float32)  # 3 minutes of stereo at 44.1 kHz
del audio
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
audio = np.ones((8_000_000, 2), np.float32)
print(kept, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _page_faults(mode: str) -> tuple[str, int]:
    out = subprocess.run([sys.executable, "-c", REALLOCATE, mode], capture_output=True, text=True, check=True).stdout
    kept, faults = out.split()
    return kept, int(faults)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_a_freed_audio_array_serves_the_next_one_without_page_faults():
    kept, faults = _page_faults("keep")
    assert kept == "True"
    assert faults < 20  # a few for numpy's own bookkeeping at most
    assert _page_faults("default")[1] > 50  # without it: every page (or huge page) of 64 MB again


FRESH = """
import resource, sys
import numpy as np
from bgm_studio.memory import keep_freed_memory
if sys.argv[1] == "keep":
    keep_freed_memory()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
audio = np.ones((8_000_000, 2), np.float32)  # never freed before: every page is new
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _huge_pages_offered() -> bool:
    """Whether the kernel gives transparent huge pages to memory that asks for them."""
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as f:
            return "[never]" not in f.read()
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_a_new_audio_array_gets_ordinary_pages_not_huge_ones():
    def faults(mode: str) -> int:
        return int(
            subprocess.run([sys.executable, "-c", FRESH, mode], capture_output=True, text=True, check=True).stdout
        )

    assert faults("keep") > 10_000  # 64 MB in 4 KB pages: 16384 faults
    if _huge_pages_offered():
        assert faults("default") < 2_000  # numpy asks for 2 MB pages: ~32 faults
