"""The app as an editor expects it: each defect found by trying it as a user (issue 16) has a test here."""
from __future__ import annotations

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QFileDialog, QMessageBox

from tests.app.helpers import answer_next_dialog, open_and_generate, wait_task


def _drop(window, path: str) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(path)])
    window.dropEvent(QDropEvent(QPointF(50, 50), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))


def test_every_path_that_replaces_the_project_asks_first(qtbot, make_window, clip, monkeypatch):
    window = make_window()
    project = open_and_generate(qtbot, window, clip)
    assert window.state.dirty
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (clip, ""))
    for replace_it in (window.open_action.trigger, lambda: _drop(window, clip), lambda: window.open_path(clip)):
        asked = answer_next_dialog(QMessageBox.Cancel)
        replace_it()
        wait_task(qtbot, window)
        assert len(asked) == 1 and "unsaved" in asked[0]
        assert window.state.project is project and window.state.dirty
    asked = answer_next_dialog(QMessageBox.Discard)
    window.open_action.trigger()
    wait_task(qtbot, window)
    assert len(asked) == 1 and window.state.project is None and window.state.analysis is not None
