"""The share of the cores this process may use: the whole machine, or what a batch worker was given."""

from __future__ import annotations

import os


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


def decode_threads() -> int:
    """Threads for a video decoder that runs beside the thread measuring its frames: the process's
    share of the cores less that one, at least one. On 2 cores that is one: frame-threaded decoding
    would cost more CPU and gain nothing once the other core measures."""
    return max(1, (thread_share() or os.cpu_count() or 1) - 1)
