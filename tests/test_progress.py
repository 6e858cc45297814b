"""The console progress every CLI command uses: one bar per stage, gone when the work ends or fails."""

from __future__ import annotations

import io
import os
import signal

import pytest
from tqdm import tqdm

from bgm_studio.progress import Bar, ConsoleProgress
from tests.robustness.helpers import alarm


class Terminal(io.StringIO):
    """A stderr that says it is a terminal, so tqdm draws."""

    def isatty(self) -> bool:
        return True


def terminal(monkeypatch) -> Terminal:
    """stderr replaced by a terminal, inside the test (pytest's capture sets stderr again after fixtures)."""
    term = Terminal()
    monkeypatch.setattr("sys.stderr", term)
    return term


def test_each_stage_gets_a_bar_and_the_last_is_cleared_on_leaving(monkeypatch):
    tty = terminal(monkeypatch)
    with ConsoleProgress() as progress:
        progress(3, 10, "analysing")
        first = progress._bar
        progress(4, 10, "analysing")
        assert progress._bar is first and first.n == 4
        progress(1, 5, "scoring")  # a new total: a new stage
        assert progress._bar is not first and first.disable  # tqdm marks a closed bar disabled
        assert progress._bar.desc.startswith("scoring") and progress._bar.n == 1
    assert progress._bar is None
    text = tty.getvalue()
    assert "analysing:  40%" in text and "scoring:  20%" in text
    assert text.endswith("\r") or text.endswith("\x1b[A")  # leave=False: the line is wiped, nothing left drawn


def test_a_failure_inside_closes_the_bar_and_passes_the_error_on(monkeypatch):
    tty = terminal(monkeypatch)
    progress = ConsoleProgress()
    with pytest.raises(RuntimeError, match="disk full"):
        with progress:
            progress(2, 8, "rendering")
            raise RuntimeError("disk full")
    assert progress._bar is None and "rendering:  25%" in tty.getvalue()
    after = len(tty.getvalue())
    progress.close()  # closing again draws nothing
    assert len(tty.getvalue()) == after


def test_no_bar_is_drawn_where_stderr_is_not_a_terminal(monkeypatch):
    log = io.StringIO()
    monkeypatch.setattr("sys.stderr", log)
    with ConsoleProgress() as progress:
        progress(5, 10, "analysing")
    assert log.getvalue() == ""


def test_a_forked_child_killed_while_drawing_a_bar_does_not_stop_the_parents_bars():
    """tqdm's own lock is a semaphore shared with forked children: one killed while drawing (kill -9 of a
    forked worker) held it for good, and every later bar of the parent waited forever (a CI run hung so)."""
    with ConsoleProgress() as progress:
        progress(0, 10, "before")  # the bars' locks exist before the fork, as in a forked worker
    pid = os.fork()
    if pid == 0:  # the child: takes every lock a bar may take, then dies holding them
        try:
            tqdm.get_lock().acquire()
            Bar.get_lock().acquire()
            os.kill(os.getpid(), signal.SIGKILL)
        finally:
            os._exit(1)
    os.waitpid(pid, 0)
    with alarm(10), ConsoleProgress() as progress:
        progress(1, 10, "after")
        assert progress._bar is not None and progress._bar.n == 1
