"""Helpers of the app tests."""
from __future__ import annotations


def wait_task(qtbot, window, timeout: int = 60000) -> None:
    """Wait until the window's foreground task has ended."""
    qtbot.waitUntil(lambda: window.busy is None, timeout=timeout)


def click_time(qtbot, timeline, plot, t_s: float) -> None:
    """Click the lane `plot` of the timeline at time t_s, as a user would."""
    from PySide6.QtCore import QPointF, Qt

    y = 60.0 if plot is timeline.roll_plot else 0.5
    scene_pos = plot.getViewBox().mapViewToScene(QPointF(t_s, y))
    qtbot.mouseClick(timeline.view.viewport(), Qt.LeftButton, pos=timeline.view.mapFromScene(scene_pos))


def no_sound(_settings):
    from bgm_studio.errors import BgmError

    raise BgmError("no audio output device (test): playback is unavailable, export still works")
