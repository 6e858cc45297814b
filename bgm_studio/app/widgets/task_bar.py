"""The running task in the status bar: what it does, a progress bar and Cancel."""
from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from ..workers import Task

STEPS = 1000


class TaskBar(QWidget):
    """Follows one foreground task at a time; hidden when idle."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setRange(0, STEPS)
        self.bar.setFixedWidth(220)
        self.bar.setTextVisible(False)
        self.cancel = QPushButton("Cancel")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel)
        self.task: Task | None = None
        self.cancel.clicked.connect(self._on_cancel_clicked)
        self.hide()

    def track(self, task: Task) -> None:
        self.task = task
        self.label.setText(task.label + "…")
        self.bar.setRange(0, 0)  # busy until the first progress report
        self.cancel.setEnabled(True)
        task.progress.connect(self._on_progress)
        task.ended.connect(self._on_ended)
        self.show()

    def _on_progress(self, done: float, total: float, label: str) -> None:
        self.label.setText(label[:1].upper() + label[1:] + "…")
        if total > 0:
            self.bar.setRange(0, STEPS)
            self.bar.setValue(int(STEPS * min(done / total, 1.0)))

    def _on_cancel_clicked(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.cancel.setEnabled(False)
            self.label.setText("Cancelling…")

    def _on_ended(self) -> None:
        self.task = None
        self.hide()
