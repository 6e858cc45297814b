"""The whole flow on a synthesised clip with a tiny model: open, generate, regenerate a shot, undo,
export MIDI/WAV/MP4, save and reopen; plus cut edits, locks, takes, new chords and Cancel."""

from __future__ import annotations

import wave

import av
import mido
import numpy as np
from PySide6.QtCore import Qt

from bgm_studio.music.harmony import chord_changes
from bgm_studio.music.notes import STEPS_PER_BEAT

from tests.app.helpers import click_time, open_and_generate, wait_task


def _outside(notes: np.ndarray, a: int, b: int) -> np.ndarray:
    return notes[(notes[:, 0] < a) | (notes[:, 0] >= b)]


def test_open_generate_regenerate_undo_export_save_reopen(qtbot, make_window, clip, tmp_path):
    window = make_window()
    state = window.state
    project = open_and_generate(qtbot, window, clip)
    assert len(project.shots) == 4 and len(project.notes()) > 0
    assert window.timeline.shots.boundingRect().width() == project.duration_s

    shot = project.shots[2]
    click_time(qtbot, window.timeline, window.timeline.shot_plot, (shot.start_s + shot.end_s) / 2)
    assert state.selected == 2
    before = project.notes()
    qtbot.mouseClick(window.shot_panel.regenerate, Qt.LeftButton)
    wait_task(qtbot, window)
    after = state.project.notes()
    a, b = shot.start_step, shot.end_beat * STEPS_PER_BEAT
    np.testing.assert_array_equal(_outside(after, a, b), _outside(before, a, b))  # other shots did not move
    assert len(state.project.shots[2].takes) == 2 and window.shot_panel.takes.count() == 2

    window.undo_action.trigger()
    np.testing.assert_array_equal(state.project.notes(), before)
    window.redo_action.trigger()
    np.testing.assert_array_equal(state.project.notes(), after)

    out = {kind: str(tmp_path / f"music.{ext}") for kind, ext in (("midi", "mid"), ("wav", "wav"), ("mp4", "mp4"))}
    for kind, path in out.items():
        window.export_to(kind, path)
        wait_task(qtbot, window)
    assert window.last_error is None
    midi = mido.MidiFile(out["midi"])
    assert sum(msg.type == "note_on" and msg.velocity > 0 for msg in midi) == len(after)
    with wave.open(out["wav"]) as w:
        assert abs(w.getnframes() / w.getframerate() - project.duration_s) < 0.05
    with av.open(out["mp4"]) as mp4:
        assert mp4.streams.video and mp4.streams.audio
        assert abs(mp4.duration / av.time_base - project.duration_s) < 0.2

    saved = str(tmp_path / "scored.bgm.json")
    window.save_to(saved)
    wait_task(qtbot, window)
    assert not state.dirty and state.project_path == saved and "•" not in window.windowTitle()

    again = make_window()
    again.open_path(saved)
    wait_task(qtbot, again)
    np.testing.assert_array_equal(again.state.project.notes(), after)
    assert len(again.state.project.shots[2].takes) == 2 and not again.state.dirty


def test_cut_edits_regenerate_only_changed_shots(qtbot, make_window, clip):
    window = make_window()
    state = window.state
    project = open_and_generate(qtbot, window, clip)
    window.seek(1.0)
    window.split_action.trigger()
    wait_task(qtbot, window)
    assert [round(s.start_s, 2) for s in state.project.shots] == [0.0, 1.0, 2.0, 4.52, 6.52]
    kept = project.shots[3]  # unchanged bounds keep their music
    assert np.array_equal(state.project.shots[4].current_notes(), kept.current_notes())

    window.timeline.cut_moved.emit(3, 5.0)  # drag the cut at 4.52 s to 5.0 s
    wait_task(qtbot, window)
    assert round(state.project.shots[3].start_s, 2) == 5.0
    assert all(s.take >= 0 for s in state.project.shots)

    state.select(0)
    window.merge_action.trigger()
    wait_task(qtbot, window)
    assert len(state.project.shots) == 4
    window.undo_action.trigger()
    window.undo_action.trigger()
    window.undo_action.trigger()
    assert [s.start_s for s in state.project.shots] == [s.start_s for s in project.shots]

    window.timeline.cut_moved.emit(1, 4.4)  # too close to the next cut: refused, the line goes back
    wait_task(qtbot, window)
    assert window.last_error and "\n" not in window.last_error
    assert window.timeline.cut_lines.cuts[0] == project.shots[1].start_s


def test_lock_keeps_a_shot_through_generate_and_takes_switch(qtbot, make_window, clip):
    window = make_window()
    state = window.state
    open_and_generate(qtbot, window, clip)
    state.select(1)
    window.shot_panel.lock.setChecked(True)
    assert state.project.shots[1].overrides.locked and state.undo_label() == "Lock shot 1"
    locked_notes = state.project.shots[1].current_notes()
    window.generate()
    wait_task(qtbot, window)
    assert np.array_equal(state.project.shots[1].current_notes(), locked_notes)
    assert len(state.project.shots[0].takes) == 2 and len(state.project.shots[1].takes) == 1

    state.select(0)
    first = window.shot_panel.takes.item(0)
    window.shot_panel.takes.itemClicked.emit(first)
    assert state.project.shots[0].take == 0
    window.undo_action.trigger()
    assert state.project.shots[0].take == 1


def test_generate_is_off_while_every_shot_is_locked(qtbot, make_window, clip):
    """With every shot locked Generate has nothing to change: it made an empty "Generate" step that
    marked the saved project changed."""
    window = make_window()
    state = window.state
    open_and_generate(qtbot, window, clip)
    state.dirty = False
    for k in range(len(state.project.shots)):
        state.select(k)
        window.shot_panel.lock.setChecked(True)
    assert not window.generate_action.isEnabled()
    state.dirty = False
    window.generate()  # Ctrl+G
    wait_task(qtbot, window)
    assert state.undo_label() == "Lock shot 3" and not state.dirty
    window.shot_panel.lock.setChecked(False)
    assert window.generate_action.isEnabled()


def test_regenerate_with_overrides(qtbot, make_window, clip):
    window = make_window()
    state = window.state
    open_and_generate(qtbot, window, clip)
    state.select(3)
    panel = window.shot_panel
    panel.energy_auto.setChecked(False)
    panel.energy.setValue(90)
    panel.mode.setCurrentIndex(2)
    qtbot.keyClick(window, Qt.Key_R)
    wait_task(qtbot, window)
    overrides = state.project.shots[3].overrides
    assert overrides.energy == 0.9 and overrides.mode == "minor" and not overrides.locked
    assert not panel.energy_auto.isChecked() and panel.mode.currentIndex() == 2


def test_cancel_generation_leaves_the_document(qtbot, make_window, clip):
    window = make_window()
    window.open_path(clip)
    wait_task(qtbot, window)
    window.generate()
    window.task_bar.cancel.click()
    wait_task(qtbot, window)
    assert window.state.project is None and window.last_error is None
    assert window.generate_action.isEnabled()


def test_one_long_task_at_a_time(qtbot, make_window, clip):
    window = make_window()
    window.open_path(clip)
    wait_task(qtbot, window)
    window.generate()
    window.open_path(clip)  # refused while generating, with a message
    assert window.last_error and "still running" in window.last_error
    wait_task(qtbot, window)
    assert window.state.project is not None


def test_cancel_export_writes_nothing(qtbot, make_window, clip, tmp_path):
    window = make_window()
    open_and_generate(qtbot, window, clip)
    out = tmp_path / "cancelled.mp4"
    window.export_to("mp4", str(out))
    window.task_bar.cancel.click()
    wait_task(qtbot, window)
    assert not out.exists() and not list(tmp_path.iterdir()) and window.last_error is None


def test_new_chords_for_a_shot_make_a_take_that_undo_takes_back(qtbot, make_window, clip):
    window = make_window()
    state, panel = window.state, window.shot_panel
    project = open_and_generate(qtbot, window, clip)
    state.select(len(project.shots) - 1)
    assert not panel.new_chords.isEnabled()  # the closing bar always holds the home chord
    state.select(1)
    assert panel.new_chords.isEnabled()
    qtbot.mouseClick(panel.new_chords, Qt.LeftButton)
    wait_task(qtbot, window)
    assert window.last_error is None and state.undo_label() == "New chords for shot 1"
    after = state.project
    shot = after.shots[1]
    inside = np.zeros(after.n_beats, bool)
    inside[shot.start_beat : shot.end_beat] = True
    np.testing.assert_array_equal(after.chord_pcs[~inside], project.chord_pcs[~inside])
    assert not np.array_equal(after.chord_pcs[inside], project.chord_pcs[inside])
    a, b = shot.start_step, shot.end_beat * STEPS_PER_BEAT
    np.testing.assert_array_equal(_outside(after.notes(), a, b), _outside(project.notes(), a, b))
    assert len(shot.takes) == 2 and shot.take == 1 and panel.takes.count() == 2
    lane_names = lambda: [name for _, _, name in window.timeline.chords.chords]  # noqa: E731
    assert lane_names() == [name for _, name in chord_changes(after.chord_root, after.chord_pcs)]

    window.undo_action.trigger()
    np.testing.assert_array_equal(state.project.chord_pcs, project.chord_pcs)
    np.testing.assert_array_equal(state.project.notes(), project.notes())
    assert lane_names() == [name for _, name in chord_changes(project.chord_root, project.chord_pcs)]
    window.redo_action.trigger()
    np.testing.assert_array_equal(state.project.chord_pcs, after.chord_pcs)

    state.select(1)
    panel.takes.itemClicked.emit(panel.takes.item(0))  # the first take brings back its chords
    np.testing.assert_array_equal(state.project.chord_pcs, project.chord_pcs)


def test_the_shot_panel_says_when_a_shot_returns_to_an_earlier_look(qtbot, make_window, tmp_path):
    from tests.video_clips import ShotSpec, make_clip

    look_a, look_b = dict(hue=30, brightness=0.65, motion=0.05), dict(hue=210, brightness=0.35, look="texture")
    path = tmp_path / "abab.mp4"
    make_clip(path, [ShotSpec(seconds=2.5, seed=i, **(look_a if i % 2 == 0 else look_b)) for i in range(4)])
    window = make_window()
    project = open_and_generate(qtbot, window, str(path))
    assert [s.theme for s in project.shots] == [0, 1, 0, 1]
    for k, says in ((2, True), (1, False)):
        shot = project.shots[k]
        click_time(qtbot, window.timeline, window.timeline.shot_plot, (shot.start_s + shot.end_s) / 2)
        assert ("looks like shot 0" in window.shot_panel.detail.text()) == says
