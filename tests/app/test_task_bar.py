"""The task bar: percentage and time left of a running task, per stage."""

from __future__ import annotations

from bgm_studio.app.widgets.task_bar import TaskBar
from bgm_studio.app.workers import Task


def test_progress_shows_percentage_and_time_left(qtbot):
    bar = TaskBar()
    qtbot.addWidget(bar)
    now = [100.0]
    bar.clock = lambda: now[0]
    task = Task("Generating", lambda p, c: None)
    bar.track(task)
    task.progress.emit(0.5, 100.0, "generating")
    assert bar.percent.text() == "0%"  # too early to tell
    now[0] = 110.0
    task.progress.emit(25.0, 100.0, "generating")
    assert bar.percent.text() == "25% · 0:30 left" and bar.bar.value() == 250
    now[0] = 140.0
    task.progress.emit(0.0, 10.0, "writing video")  # a new stage: a new pace
    now[0] = 142.0
    task.progress.emit(5.0, 10.0, "writing video")
    assert bar.percent.text() == "50% · 0:02 left" and "Writing video" in bar.label.text()
