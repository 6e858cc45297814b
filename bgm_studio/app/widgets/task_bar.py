"""The running task in the status bar: what it does, a progress bar with percentage and time left, and Cancel."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from ..workers import Task

STEPS = 1000
MIN_ESTIMATE_S = 1.0  # no time left is guessed before a stage has run this long
MIN_ESTIMATE_FRACTION = 0.02  # ... or done this much


def time_left(elapsed_s: float, fraction: float) -> float | None:
    """Seconds left at the pace so far, None while too little is done to tell."""
    if elapsed_s < MIN_ESTIMATE_S or fraction < MIN_ESTIMATE_FRACTION:
        return None
    return elapsed_s * (1.0 - fraction) / fraction


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return (
        f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        if seconds >= 3600
        else f"{seconds // 60}:{seconds % 60:02d}"
    )


class TaskBar(QWidget):
    """Follows one foreground task at a time; hidden when idle.

    Each stage of a task (its label changes, or its progress starts again) gets its own estimate.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setRange(0, STEPS)
        self.bar.setFixedWidth(220)
        self.bar.setTextVisible(False)
        self.percent = QLabel()
        self.percent.setMinimumWidth(110)
        self.cancel = QPushButton("Cancel")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.percent)
        layout.addWidget(self.cancel)
        self.task: Task | None = None
        self.clock = time.monotonic  # tests replace it
        self._stage: tuple[str, float, float] = ("", 0.0, 0.0)  # label, start time, fraction last reported
        self.cancel.clicked.connect(self._on_cancel_clicked)
        self.hide()

    def track(self, task: Task) -> None:
        self.task = task
        self.label.setText(task.label + "…")
        self.percent.setText("")
        self.bar.setRange(0, 0)  # busy until the first progress report
        self.cancel.setEnabled(True)
        self._stage = ("", self.clock(), 0.0)
        task.progress.connect(self._on_progress)
        task.ended.connect(self._on_ended)
        self.show()

    def _on_progress(self, done: float, total: float, label: str) -> None:
        self.label.setText(label[:1].upper() + label[1:] + "…")
        if total <= 0:
            return
        fraction = min(done / total, 1.0)
        name, start, last = self._stage
        now = self.clock()
        if label != name or fraction < last:  # a new stage: its own pace
            start = now if name else start
        self._stage = (label, start, fraction)
        self.bar.setRange(0, STEPS)
        self.bar.setValue(int(STEPS * fraction))
        left = time_left(now - start, fraction)
        self.percent.setText(f"{100 * fraction:.0f}%" + (f" · {_duration(left)} left" if left is not None else ""))

    def _on_cancel_clicked(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.cancel.setEnabled(False)
            self.label.setText("Cancelling…")

    def _on_ended(self) -> None:
        self.task = None
        self.hide()
