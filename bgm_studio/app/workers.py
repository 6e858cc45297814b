"""Long work off the UI thread: a Task runs a function in Qt's thread pool and reports by signals.

The function gets a ProgressFn and a `cancelled()` callable. Progress is throttled
so a chatty loop cannot flood the event loop, and it is also where Cancel takes
effect: once cancelled, the next progress call raises `Cancelled`, so flows that
report progress (analysis, generation) stop without knowing about Qt. Exports
also poll `cancelled()` between blocks. A BgmError ends the task with its
BgmError; any other exception is logged with its traceback and reported
as one line too, so the user never sees a traceback.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable

from PySide6.QtCore import QObject, QThreadPool, Signal

from ..errors import BgmError
from ..progress import ProgressFn

Work = Callable[[ProgressFn, Callable[[], bool]], Any]
PROGRESS_INTERVAL_S = 0.05  # at most 20 progress signals a second

log = logging.getLogger(__name__)


class Cancelled(Exception):
    """Raised inside a task's work when the user pressed Cancel."""


class Task(QObject):
    """One piece of background work; exactly one of succeeded/failed/cancelled is emitted, then ended."""

    progress = Signal(float, float, str)
    succeeded = Signal(object)
    failed = Signal(object)  # the BgmError, whose str() is the one-line message
    cancelled = Signal()
    ended = Signal()

    def __init__(self, label: str, work: Work) -> None:
        super().__init__()
        self.label = label
        self._work = work
        self._cancel = threading.Event()
        self._last_report = 0.0

    def start(self, pool: QThreadPool | None = None) -> "Task":
        (pool or QThreadPool.globalInstance()).start(self._run)
        return self

    def cancel(self) -> None:
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def _report(self, done: float, total: float, label: str = "") -> None:
        if self._cancel.is_set():
            raise Cancelled()
        now = time.monotonic()
        if now - self._last_report >= PROGRESS_INTERVAL_S or done >= total:
            self._last_report = now
            self.progress.emit(float(done), float(total), label or self.label)

    def _run(self) -> None:
        try:
            outcome = self._outcome()
            outcome[0].emit(*outcome[1:])
            self.ended.emit()
        except RuntimeError:  # the window (and this QObject) went away while the work ran: nobody to tell
            pass

    def _outcome(self) -> tuple:
        """(signal, args...) to emit once the work is done."""
        try:
            return self.succeeded, self._work(self._report, self.is_cancelled)
        except Cancelled:
            return (self.cancelled,)
        except BgmError as exc:  # an export stopped by Cancel reports it as an error
            return (self.cancelled,) if self._cancel.is_set() else (self.failed, exc)
        except Exception as exc:  # a bug: keep the traceback in the log, show one line
            log.exception("%s failed", self.label)
            return self.failed, BgmError(
                f"{self.label} failed unexpectedly ({type(exc).__name__}: {exc})".splitlines()[0]
            )
