"""Progress reporting shared by the CLI and the GUI: a callback taking (done, total, label)."""

from __future__ import annotations

import os
import sys
import threading
from typing import Callable, Iterable, Iterator, TypeVar

from tqdm import tqdm

T = TypeVar("T")
ProgressFn = Callable[[float, float, str], None]


class Bar(tqdm):
    """A tqdm bar whose lock belongs to this process alone, and with no monitor thread.

    tqdm's own lock includes a multiprocessing RLock, a semaphore in memory shared with forked
    children: a child killed while drawing a bar (kill -9 of a forked worker) left it taken, and
    every later bar of the parent waited forever. Each process draws only its own bars, so a
    thread lock, made anew in a forked child, is all they need. The monitor thread only keeps up
    bars whose updates come in bursts, and would hold the lock at a fork as well.
    """

    monitor_interval = 0


def _new_bar_lock() -> None:
    Bar.set_lock(threading.RLock())


_new_bar_lock()
os.register_at_fork(after_in_child=_new_bar_lock)  # a lock a thread of the parent held stays taken in the child


def no_progress(done: float, total: float, label: str = "") -> None:
    """A progress callback that does nothing (library default)."""


def console_bar(iterable: Iterable[T], total: int | None = None, desc: str = "") -> Iterator[T]:
    """Wrap an iterable in a progress bar on stderr (none when stderr is not a terminal)."""
    return iter(Bar(iterable, total=total, desc=desc, file=sys.stderr, leave=False, dynamic_ncols=True, disable=None))


class ConsoleProgress:
    """A ProgressFn that drives one tqdm bar per label; as a context manager, its bar is gone on leaving,
    whether the work finished or failed (an error line is never printed over a half-drawn bar)."""

    def __init__(self) -> None:
        self._bar: Bar | None = None
        self._label = ""

    def __call__(self, done: float, total: float, label: str = "") -> None:
        """Update the bar; a new stage (total changes or progress goes back) starts a new bar."""
        if self._bar is None or total != self._bar.total or done < self._bar.n:
            self.close()
            self._bar = Bar(
                total=total, desc=label, file=sys.stderr, leave=False, dynamic_ncols=True, disable=None
            )  # no bar when stderr is not a terminal (logs, CI)
        if label != self._label:
            self._label = label
            self._bar.set_description(label, refresh=False)
        self._bar.n = min(max(done, 0), total)
        self._bar.refresh()

    def __enter__(self) -> "ConsoleProgress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
