"""Files: errors as one-line dialogs, drag and drop, autosave and recovery, relinking a moved video."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from bgm_studio.app import recovery
from tests.app.helpers import open_and_generate, wait_task
from tests.video_clips import make_bad_file


def _dialogs() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


def test_a_bad_file_shows_a_one_line_error_dialog(qtbot, make_window, tmp_path):
    window = make_window()
    window.open_path(str(make_bad_file(tmp_path / "notes.mp4", "text")))
    wait_task(qtbot, window)
    message = window.last_error
    assert message and "notes.mp4" in message and "\n" not in message and "Traceback" not in message
    assert any(box.text() == message for box in _dialogs())
    assert window.state.analysis is None and window.open_action.isEnabled()
    for box in _dialogs():
        box.close()


def test_dropping_a_video_opens_it(qtbot, make_window, clip):
    window = make_window()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(clip)])
    event = QDropEvent(QPointF(50, 50), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    window.dropEvent(event)
    wait_task(qtbot, window)
    assert window.state.video_path == clip and len(window.state.analysis.shots) == 4


def test_autosave_and_recovery_after_a_crash(qtbot, make_window, clip):
    window = make_window()
    window.open_path(clip)
    wait_task(qtbot, window)
    window.generate()
    wait_task(qtbot, window)
    qtbot.waitUntil(lambda: recovery.pending_recovery() is not None, timeout=10000)
    notes = window.state.project.notes()
    # A crash: the window never closes, so the recovery file stays. The next start offers it.
    again = make_window()
    again.offer_recovery()
    box = next(b for b in _dialogs() if "Recover" in b.text())
    box.button(QMessageBox.Yes).click()
    wait_task(qtbot, again)
    assert (again.state.project.notes() == notes).all()
    assert again.state.dirty and again.state.project_path is None  # unsaved until the user saves it


def test_a_moved_video_can_be_relinked(qtbot, make_window, clip, tmp_path, monkeypatch):
    video = tmp_path / "mine.mp4"
    shutil.copy(clip, video)
    window = make_window()
    open_and_generate(qtbot, window, str(video))
    saved = str(tmp_path / "mine.bgm.json")
    window.save_to(saved)
    wait_task(qtbot, window)
    moved = tmp_path / "moved.mp4"
    video.rename(moved)

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(moved), ""))
    again = make_window()
    again.open_path(saved)
    wait_task(qtbot, again)
    qtbot.waitUntil(lambda: again.state.project is not None, timeout=20000)
    assert again.state.project.video_path == str(moved) and again.state.dirty  # save to keep the new link


def test_a_recovered_project_whose_video_moved_stays_unsaved_after_relinking(
    qtbot, make_window, clip, tmp_path, monkeypatch
):
    """Relinking a recovered project's video keeps it a recovery: Save asks where, never writes over the
    recovery file (whose clean exit then deleted the saved work), and the recovery file is not a recent file."""
    from bgm_studio.app.recent import load_recent

    video = tmp_path / "mine.mp4"
    shutil.copy(clip, video)
    window = make_window()
    open_and_generate(qtbot, window, str(video))
    recovery.autosave(window.state.project)  # then a crash
    moved = tmp_path / "moved.mp4"
    video.rename(moved)

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(moved), ""))
    again = make_window()
    again.offer_recovery()
    next(b for b in _dialogs() if "Recover" in b.text()).button(QMessageBox.Yes).click()
    qtbot.waitUntil(lambda: again.state.project is not None, timeout=20000)
    wait_task(qtbot, again)
    assert again.state.project.video_path == str(moved) and again.state.dirty
    assert again.state.project_path is None  # unsaved until the user says where
    assert str(recovery.recovery_path()) not in load_recent()


def test_instrument_and_soundfont_choice(qtbot, make_window, clip):
    """A preset and an instrument per part are project edits (undoable), heard at once by the same player."""
    from tests.app.test_playback import _scored_window

    outputs = []
    window = _scored_window(qtbot, make_window, clip, outputs)
    panel = window.sound_panel
    qtbot.waitUntil(lambda: panel.speech is not None, timeout=30000)  # the video's sound read, its speech found
    assert len(panel.speech) == pytest.approx(window.state.duration_s / 0.01, abs=2)
    panel.preset.setCurrentIndex(panel.preset.findData("piano-strings"))
    assert window.state.project.arrangement.preset == "piano-strings"
    assert panel.parts["accompaniment"].currentData() == 48  # the preset's strings shown
    panel.parts["melody"].setCurrentIndex(panel.parts["melody"].findData(73))  # flute
    assert window.state.project.arrangement.programs[0] == 73 and len(outputs) == 1  # same player
    score = window.sound.playback.player._performance.score
    assert {(c.track, c.program) for c in score.sound_changes} == {(0, 73), (1, 48), (2, 42)}  # heard live
    window.state.select(1)
    panel.shot_preset.setCurrentIndex(panel.shot_preset.findData("music-box"))
    assert window.state.project.arrangement.shot_presets == ((1, "music-box"),)
    window.state.undo()
    assert window.state.project.arrangement.shot_presets == () and panel.shot_preset.currentData() == ""
    assert panel.original.isChecked() and window.state.sound.original_gain_db == 0.0  # heard, level with the music
    panel.original.setChecked(False)
    assert window.state.sound.original_gain_db is None
    panel.duck.setChecked(False)
    assert not window.state.sound.ducking.enabled
    from dataclasses import replace

    window.state.set_sound(replace(window.state.sound, soundfont="/nonexistent.sf2"))
    qtbot.waitUntil(lambda: window.transport.sound.text().startswith("Playback off"), timeout=10000)
    assert "soundfont not found" in window.transport.sound.toolTip()


def test_measured_loudness_and_stems_from_the_sound_tab(qtbot, make_window, clip, tmp_path):
    window = make_window()
    window.open_path(clip)
    wait_task(qtbot, window)
    window.generate()
    wait_task(qtbot, window)
    panel = window.sound_panel
    panel.loudness.setCurrentIndex(panel.loudness.findData("web"))
    panel.measure.click()
    qtbot.waitUntil(lambda: "LUFS" in panel.measured.text(), timeout=60000)
    wait_task(qtbot, window)  # the measuring task has ended too
    assert float(panel.measured.text().split()[0]) == pytest.approx(-16.0, abs=0.5)  # the web target (BS.1770)
    panel.stems_requested.emit(str(tmp_path / "stems"))
    wait_task(qtbot, window)
    assert sorted(p.name for p in (tmp_path / "stems").iterdir()) == [
        "accompaniment.wav",
        "bass.wav",
        "melody.wav",
        "mix.wav",
        "parts.mid",
        "video-sound.wav",  # the clip's own sound, kept by default
    ]


def test_measure_and_stems_wait_for_music(qtbot, make_window, clip):
    """Without music, Measure and Write stems are off: Write stems ended in a traceback on stderr."""
    window = make_window()
    window.open_path(clip)
    wait_task(qtbot, window)
    panel = window.sound_panel
    assert not panel.measure.isEnabled() and not panel.stems.isEnabled()
    window.generate()
    wait_task(qtbot, window)
    assert panel.measure.isEnabled() and panel.stems.isEnabled()
    window.undo_action.trigger()  # back to no music
    assert not panel.measure.isEnabled() and not panel.stems.isEnabled()


def test_the_arrangement_waits_while_a_task_runs(qtbot, make_window, clip):
    """A task's result replaces the project, so a preset chosen while a shot regenerated was lost without a
    word (the box went back): the arrangement, Measure and Write stems wait for it, as the Shot tab does."""
    window = make_window()
    open_and_generate(qtbot, window, clip)
    panel = window.sound_panel
    window.state.select(1)
    waiting = (panel.preset, panel.shot_preset, *panel.parts.values(), panel.measure, panel.stems)
    window.regenerate(1)
    assert window.busy is not None and not any(w.isEnabled() for w in waiting)
    wait_task(qtbot, window)
    assert all(w.isEnabled() for w in waiting)
    panel.preset.setCurrentIndex(panel.preset.findData("ambient"))
    assert window.state.project.arrangement.preset == "ambient"


def test_a_failed_measurement_does_not_stay_measuring(qtbot, make_window, clip, tmp_path):
    video = tmp_path / "mine.mp4"
    shutil.copy(clip, video)
    window = make_window()
    open_and_generate(qtbot, window, str(video))
    video.unlink()  # the mix needs the video's sound
    window.sound_panel.measure.click()
    wait_task(qtbot, window)
    assert "missing" in window.last_error and window.sound_panel.measured.text() == "not measured"
    shutil.copy(clip, video)
    window.sound_panel.measure.click()
    window.busy.cancel()
    wait_task(qtbot, window)
    assert window.sound_panel.measured.text() == "not measured"


def test_closing_for_the_system_keeps_unsaved_work(qtbot, make_window, clip):
    window = make_window()
    window.open_path(clip)
    wait_task(qtbot, window)
    window.generate()
    wait_task(qtbot, window)
    assert window.state.dirty
    window.close_keeping_recovery()  # SIGTERM or Ctrl+C: no question asked
    assert not window.isVisible() and recovery.pending_recovery() is not None


def test_without_a_model_the_app_opens_and_generate_says_why(qtbot, clip, tmp_path):
    from bgm_studio.app.main_window import MainWindow
    from tests.app.helpers import no_sound

    window = MainWindow(model_path=str(tmp_path / "missing.pt"), player_factory=no_sound)
    window.show()
    window.open_path(clip)
    wait_task(qtbot, window)
    window.generate()
    wait_task(qtbot, window)
    assert "model checkpoint not found" in window.last_error and "\n" not in window.last_error
    assert window.state.project is None and window.generate_action.isEnabled()
    window.close()
