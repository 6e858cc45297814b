"""The share of the cores this process may use: the whole machine, or what a batch worker was given."""

from __future__ import annotations

import contextlib
import os
from typing import Iterator

# What torch (OpenMP), numpy's and SciPy's OpenBLAS and MKL read for their thread counts, each once when loaded
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def thread_share() -> int:
    """Threads this process should run its own work on: $OMP_NUM_THREADS when set (a batch worker sets
    its share of the cores there, as torch and OpenCV read it), else 0, which lets each library use every core.

    Workers that each decoded on every core would fight over them, and frame-threaded decoding costs
    about a third more CPU than decoding on one thread.
    """
    try:
        return max(0, int(os.environ.get("OMP_NUM_THREADS", "0")))
    except ValueError:
        return 0


def cores() -> int:
    """The cores this process may keep busy: its share (thread_share), else the machine's."""
    return thread_share() or os.cpu_count() or 1


def decode_threads() -> int:
    """Threads for a video decoder that runs beside the thread measuring its frames: the process's
    share of the cores less that one, at least one. On 2 cores that is one: frame-threaded decoding
    would cost more CPU and gain nothing once the other core measures."""
    return max(1, cores() - 1)


@contextlib.contextmanager
def started_with_threads(threads: int) -> Iterator[None]:
    """Processes started inside the block start with `threads` as every math library's thread count.

    A spawned pool process imports the parent's main module (the CLI, which imports numpy) before its
    initializer runs: numpy's OpenBLAS had sized its pool to every core by then, so two workers on two
    cores ran four BLAS threads, whose idle ones spin between calls.
    """
    before = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    os.environ.update({name: str(threads) for name in THREAD_VARIABLES})
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
