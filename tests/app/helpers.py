"""Helpers of the app tests."""

from __future__ import annotations


def wait_task(qtbot, window, timeout: int = 60000) -> None:
    """Wait until the window's foreground task has ended."""
    qtbot.waitUntil(lambda: window.busy is None, timeout=timeout)


def click_time(qtbot, timeline, plot, t_s: float) -> None:
    """Click the lane `plot` of the timeline at time t_s, as a user would to seek: on the roll, on a
    pitch in view with no note under the click (a click on a note selects it; which pitch is free
    depends on the piece, and so on the clip's bytes as the machine's x264 and PyAV write them)."""
    from PySide6.QtCore import QPointF, Qt

    y = 0.5
    if plot is timeline.roll_plot:
        low, high = plot.getViewBox().viewRange()[1]
        y = next(p for p in range(int(high) - 1, int(low), -1) if timeline.note_editor.note_at(t_s, p) < 0)
    scene_pos = plot.getViewBox().mapViewToScene(QPointF(t_s, y))
    view = plot.scene().views()[0]  # each lane is a view of its own
    qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=view.mapFromScene(scene_pos))


def no_sound(_settings):
    from bgm_studio.errors import BgmError

    raise BgmError("no audio output device (test): playback is unavailable, export still works")


def open_and_generate(qtbot, window, clip):
    """Open a clip and score it; the project."""
    window.open_path(clip)
    wait_task(qtbot, window)
    window.generate()
    wait_task(qtbot, window)
    assert window.last_error is None
    return window.state.project


def answer_next_dialog(button, tries: int = 100) -> list[str]:
    """Click `button` of the next modal message box as a user would; the texts of the boxes answered.

    Polls from the event loop (the box runs its own), giving up after `tries` polls of 10 ms.
    """
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    seen: list[str] = []

    def click(left: int = tries) -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.text())
            box.button(button).click() if box.button(button) else box.reject()  # a box without it: Esc
        elif left > 0:
            QTimer.singleShot(10, lambda: click(left - 1))

    QTimer.singleShot(0, click)
    return seen
