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


def test_the_unsaved_changes_question_offers_save_dont_save_and_cancel(qtbot, make_window, clip, tmp_path, monkeypatch):
    from bgm_studio.project.state import load_project

    window = make_window()
    project = open_and_generate(qtbot, window, clip)
    saved = tmp_path / "asked.bgm.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "asked"), ""))
    asked = answer_next_dialog(QMessageBox.Save)
    window.open_path(clip)  # Save, then open: the project is written first, where the user chose
    wait_task(qtbot, window)
    assert len(asked) == 1 and saved.is_file()
    assert (load_project(str(saved)).notes() == project.notes()).all()
    assert window.state.project is None and not window.state.dirty

    open_and_generate(qtbot, window, clip)
    asked = answer_next_dialog(QMessageBox.Cancel)
    window.close()
    assert window.isVisible() and len(asked) == 1
    asked = answer_next_dialog(QMessageBox.Discard)
    window.close()
    assert not window.isVisible() and len(asked) == 1


def test_energy_and_density_stay_editable_after_regenerate_and_new_chords(qtbot, make_window, clip):
    window = make_window()
    open_and_generate(qtbot, window, clip)
    panel = window.shot_panel
    window.state.select(1)
    qtbot.mouseClick(panel.energy_auto, Qt.LeftButton)
    qtbot.mouseClick(panel.density_auto, Qt.LeftButton)
    assert panel.energy.isEnabled() and panel.density.isEnabled()
    for button in (panel.regenerate, panel.new_chords):
        qtbot.mouseClick(button, Qt.LeftButton)
        wait_task(qtbot, window)
        assert not panel.energy_auto.isChecked() and not panel.density_auto.isChecked()
        assert panel.energy.isEnabled() and panel.density.isEnabled()
        panel.energy.setFocus()
        value = panel.energy.value()
        qtbot.keyClick(panel.energy, Qt.Key_PageUp)  # the user's keys reach the slider
        assert panel.energy.value() > value


def test_auto_values_follow_undo_and_a_new_video(qtbot, make_window, clip):
    from bgm_studio.app import jobs
    from bgm_studio.app.state import AppState
    from bgm_studio.app.widgets.shot_panel import ShotPanel

    window = make_window()
    state, panel = window.state, window.shot_panel
    open_and_generate(qtbot, window, clip)
    state.select(1)
    qtbot.mouseClick(panel.energy_auto, Qt.LeftButton)
    qtbot.mouseClick(panel.density_auto, Qt.LeftButton)
    panel.energy.setValue(100)
    panel.density.setValue(20.0)
    qtbot.mouseClick(panel.regenerate, Qt.LeftButton)
    wait_task(qtbot, window)
    window.undo_action.trigger()
    energy, density = jobs.mapped_controls(window.scorer.get(), state.project)[1]
    assert panel.energy_auto.isChecked() and panel.density_auto.isChecked()
    assert panel.energy.value() == round(100 * energy) != 100 and abs(panel.density.value() - density) < 0.01

    answer_next_dialog(QMessageBox.Discard)
    window.open_path(clip)
    wait_task(qtbot, window)
    fresh = ShotPanel(AppState())
    assert panel.overrides() == fresh.overrides()
    assert (panel.energy.value(), panel.density.value(), panel.energy_value.text()) == (
        fresh.energy.value(),
        fresh.density.value(),
        fresh.energy_value.text(),
    )


def test_split_at_the_playhead_keeps_the_selection_on_the_users_shot(qtbot, make_window, clip):
    window = make_window()
    state = window.state
    project = open_and_generate(qtbot, window, clip)
    state.select(2)
    window.seek(1.0)  # in shot 0: shot 2 becomes shot 3
    qtbot.keyClick(window, Qt.Key_S)
    wait_task(qtbot, window)
    assert len(state.project.shots) == 5 and state.selected == 3
    assert state.project.shots[3].start_s == project.shots[2].start_s
    assert window.shot_panel.title.text() == "Shot 3"
    state.select(1)
    window.seek(state.project.shots[1].start_s + 0.5)  # in the selected shot: its left part stays selected
    qtbot.mouseClick(window.shot_panel.split, Qt.LeftButton)
    wait_task(qtbot, window)
    assert len(state.project.shots) == 6 and state.selected == 1
    state.select(3)
    window.merge_action.trigger()  # shot 3 with 4: the merged shot stays selected
    wait_task(qtbot, window)
    assert state.selected == 3 and state.project.shots[3].start_s == project.shots[1].start_s


def test_mood_minor_redraws_that_shots_chords_in_minor(qtbot, make_window, clip):
    import numpy as np

    from bgm_studio.music.harmony import chord_changes

    window = make_window()
    state, panel = window.state, window.shot_panel
    project = open_and_generate(qtbot, window, clip)
    state.select(1)
    shot = project.shots[1]
    panel.mode.setCurrentIndex(panel.mode.findText("Minor"))
    qtbot.mouseClick(panel.regenerate, Qt.LeftButton)
    wait_task(qtbot, window)
    after = state.project
    inside = np.zeros(after.n_beats, bool)
    inside[shot.start_beat : shot.end_beat] = True
    assert not np.array_equal(after.chord_pcs[inside], project.chord_pcs[inside])
    np.testing.assert_array_equal(after.chord_pcs[~inside], project.chord_pcs[~inside])
    names = [name for beat, name in chord_changes(after.chord_root, after.chord_pcs) if inside[beat]]
    assert (
        after.shots[1].overrides.mode == "minor"
    )  # a shot's few chords in minor need not hold a minor triad (A#m: F F#)
    lane = [name for a, _, name in window.timeline.chords.chords if shot.start_s <= a < shot.end_s]
    assert lane == names
    before = after.chord_pcs.copy()
    qtbot.mouseClick(panel.regenerate, Qt.LeftButton)  # the same mood again: new notes, the same chords
    wait_task(qtbot, window)
    np.testing.assert_array_equal(state.project.chord_pcs, before)


def test_save_and_export_dialogs_start_where_the_project_or_last_export_went(
    qtbot, make_window, clip, tmp_path, monkeypatch
):
    from pathlib import Path

    window = make_window()
    open_and_generate(qtbot, window, clip)
    asked: list[Path] = []
    answer = {"path": ""}

    def dialog(_parent, _title, suggested, _filter):
        asked.append(Path(suggested).parent)
        return answer["path"], ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", dialog)
    (tmp_path / "projects").mkdir()
    (tmp_path / "renders").mkdir()
    window.save_to(str(tmp_path / "projects" / "mine.bgm.json"))
    wait_task(qtbot, window)
    window.export_actions["wav"].trigger()
    assert asked[-1] == tmp_path / "projects"
    answer["path"] = str(tmp_path / "renders" / "mine.wav")
    window.export_actions["wav"].trigger()
    wait_task(qtbot, window)
    assert (tmp_path / "renders" / "mine.wav").is_file()
    answer["path"] = ""
    window.export_actions["midi"].trigger()
    assert asked[-1] == tmp_path / "renders"
    window.save_as_action.trigger()
    assert asked[-1] == tmp_path / "projects"


def _wheel(widget, pos, modifiers=Qt.NoModifier, steps: int = 1) -> None:
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    event = QWheelEvent(
        QPointF(pos),
        QPointF(widget.mapToGlobal(pos)),
        QPoint(),
        QPoint(0, 120 * steps),
        Qt.NoButton,
        modifiers,
        Qt.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def test_lanes_resize_and_the_roll_zooms_in_pitch_at_1280_by_720(qtbot, make_window, clip):
    window = make_window()
    window.resize(1280, 720)
    open_and_generate(qtbot, window, clip)
    qtbot.wait(50)
    timeline = window.timeline
    vb = timeline.roll_plot.getViewBox()
    low, high = vb.viewRange()[1]
    assert vb.height() / (high - low) >= 5  # px a semitone: notes at least 4 px high
    sizes = timeline.splitter.sizes()
    timeline.splitter.setSizes([sizes[0] + 60] + sizes[1:-1] + [sizes[-1] - 60])  # drag the shot lane taller
    qtbot.wait(20)
    assert timeline.shot_plot.getViewBox().height() > sizes[0] + 30
    view = timeline.roll_plot.scene().views()[0]
    centre = view.viewport().rect().center()
    times = timeline.visible_range()
    _wheel(view.viewport(), centre, Qt.ControlModifier, steps=3)  # Ctrl+wheel: taller rows, same time
    new_low, new_high = vb.viewRange()[1]
    assert new_high - new_low < 0.8 * (high - low) and timeline.visible_range() == times
    _wheel(view.viewport(), centre, steps=3)  # the wheel alone: time zooms, pitch stays
    assert vb.viewRange()[1] == [new_low, new_high] and timeline.visible_range()[1] - timeline.visible_range()[
        0
    ] < 0.8 * (times[1] - times[0])


def test_export_to_mp4_re_encodes_a_video_mp4_cannot_hold_and_says_so(qtbot, make_window, clip, tmp_path):
    import av

    from tests.media import ffmpeg

    avi = tmp_path / "cinepak.avi"
    ffmpeg("-i", clip, "-c:v", "cinepak", "-s", "64x48", "-c:a", "pcm_s16le", str(avi))  # small: Cinepak encodes slowly
    window = make_window()
    open_and_generate(qtbot, window, str(avi))
    window.export_to("mp4", str(tmp_path / "scored.mp4"))
    wait_task(qtbot, window)
    assert window.last_error is None
    assert "re-encoded as H.264" in window.statusBar().currentMessage()
    with av.open(str(tmp_path / "scored.mp4")) as out:
        assert out.streams.video[0].codec_context.name == "h264" and out.streams.audio


def test_open_recent_lists_what_was_opened_and_saved_across_sessions(qtbot, make_window, clip, tmp_path):
    window = make_window()
    open_and_generate(qtbot, window, clip)
    saved = str(tmp_path / "recent.bgm.json")
    window.save_to(saved)
    wait_task(qtbot, window)
    again = make_window()  # a later session
    again.recent_menu.aboutToShow.emit()
    entries = again.recent_menu.actions()
    assert [a.toolTip() for a in entries] == [saved, clip] and entries[0].text() == "recent.bgm.json"
    entries[0].trigger()
    wait_task(qtbot, again)
    assert again.state.project_path == saved and len(again.state.project.shots) == 4
    open_and_generate(qtbot, again, clip)
    again.recent_menu.aboutToShow.emit()
    asked = answer_next_dialog(QMessageBox.Cancel)  # the recent entry replaces unsaved work: it asks
    again.recent_menu.actions()[1].trigger()
    assert len(asked) == 1 and again.state.project_path is None


def test_arrows_step_a_beat_jkl_shuttle_and_loop_the_selected_shot(qtbot, make_window, clip):
    import numpy as np

    from bgm_studio.app.navigation import beat_times

    window = make_window()  # no sound card: the picture plays on the wall clock
    state, playback = window.state, window.sound.playback
    open_and_generate(qtbot, window, clip)
    beats = beat_times(state)
    window.seek(1.0)
    qtbot.keyClick(window, Qt.Key_Right)
    after = beats[beats > 1.0 + 1e-6][0]
    assert state.position_s == after
    qtbot.keyClick(window, Qt.Key_Left)
    qtbot.keyClick(window, Qt.Key_Left)
    assert state.position_s == beats[np.searchsorted(beats, after) - 2]
    qtbot.keyClick(window, Qt.Key_Down)  # the next shot
    assert state.selected == 0 and state.position_s == 0.0

    window.seek(5.0)
    qtbot.keyClick(window, Qt.Key_L)
    assert playback.playing
    qtbot.keyClick(window, Qt.Key_K)
    assert not playback.playing
    paused = state.position_s
    qtbot.keyClick(window, Qt.Key_J)
    assert playback.playing and abs(state.position_s - (paused - 2.0)) < 1e-6
    qtbot.keyClick(window, Qt.Key_K)

    state.select(3)  # 6.52-8.0 s, the video's last shot: looped, it never stops at the end
    qtbot.keyClick(window, Qt.Key_L, Qt.ControlModifier)
    assert window.loop_action.isChecked()
    qtbot.keyClick(window, Qt.Key_L)  # outside the shot: the loop starts at its start
    assert abs(state.position_s - 6.52) < 0.05 or state.position_s >= 6.52
    seen = []
    qtbot.waitUntil(lambda: seen.append(state.position_s) or len(seen) > 5 and seen[-1] < seen[-2], timeout=4000)
    assert playback.playing and 6.5 <= min(seen[1:]) and max(seen) <= 8.0


def test_the_waveform_lane_shows_the_videos_own_sound(qtbot, make_window, clip):
    from bgm_studio.app.widgets import theme

    window = make_window()
    window.open_path(clip)
    wait_task(qtbot, window)
    wave = window.timeline.wave
    qtbot.waitUntil(lambda: len(wave.peaks) > 0, timeout=10000)
    assert abs(len(wave.peaks) / 100 - window.state.duration_s) < 0.1 and 0.05 < wave.peaks.max() <= 1.0
    image = window.timeline.wave_plot.scene().views()[0].grab().toImage()
    colours = {image.pixelColor(x, y).name() for x in range(0, image.width(), 3) for y in range(image.height())}
    assert theme.WAVE.name() in colours  # the lane draws it


def test_the_waveform_lane_shows_only_for_a_video_with_sound(qtbot, make_window, tmp_path):
    from tests.video_clips import ShotSpec, make_clip

    silent = tmp_path / "silent.mp4"
    make_clip(silent, [ShotSpec(seconds=1.5), ShotSpec(seconds=1.5, hue=200)])
    window = make_window()
    from bgm_studio.app.main_window import LANES_DELAY_MS

    window.open_path(str(silent))
    wait_task(qtbot, window)
    qtbot.wait(LANES_DELAY_MS + 50)  # the waveform is read once the opened video has painted
    qtbot.waitUntil(lambda: not window._tasks and window.pool.activeThreadCount() == 0, timeout=10000)
    assert not window.timeline.wave_plot.getViewWidget().isVisible() and len(window.timeline.wave.peaks) == 0


def test_ctrl_z_takes_the_first_generate_back_to_no_music_and_redo_brings_it_back(qtbot, make_window, clip):
    window = make_window()
    state, editor = window.state, window.timeline.note_editor
    window.open_path(clip)
    wait_task(qtbot, window)
    analysis = state.analysis
    qtbot.keyClick(window, Qt.Key_G, Qt.ControlModifier)
    wait_task(qtbot, window)
    project = state.project
    assert project is not None and len(editor.notes) == len(project.notes()) > 0
    assert window.undo_action.isEnabled() and window.undo_action.text() == "&Undo Generate"

    qtbot.keySequence(window, window.undo_action.shortcut())
    assert state.project is None and state.analysis is analysis and len(editor.notes) == 0
    assert not window.undo_action.isEnabled() and window.redo_action.text() == "&Redo Generate"
    assert window.generate_action.isEnabled() and not window.export_actions["mp4"].isEnabled()
    assert "•" not in window.windowTitle()  # nothing to save: no question on closing

    qtbot.keySequence(window, window.redo_action.shortcut())
    assert state.project is project and len(editor.notes) == len(project.notes())
    assert window.undo_action.isEnabled() and not window.redo_action.isEnabled() and "•" in window.windowTitle()


def test_a_video_saved_at_once_after_opening_is_listed_after_its_project(
    qtbot, make_window, clip, tmp_path, monkeypatch
):
    """The video went into the recent list only once its thumbnails were asked for (200 ms after it
    opened): a save before then was listed first, or the video not at all when the window closed."""
    from bgm_studio.app import main_window
    from bgm_studio.app.recent import load_recent

    monkeypatch.setattr(main_window, "LANES_DELAY_MS", 60000)  # a save well before the thumbnails
    window = make_window()
    open_and_generate(qtbot, window, clip)
    saved = str(tmp_path / "quick.bgm.json")
    window.save_to(saved)
    wait_task(qtbot, window)
    assert load_recent()[:2] == [saved, clip]
