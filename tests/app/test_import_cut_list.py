"""File > Import cut list: an editor's timeline re-cuts the project in one undoable step."""

from __future__ import annotations

import numpy as np
import pytest

from tests.app.helpers import wait_task

otio = pytest.importorskip("opentimelineio")
RT, TR = otio.opentime.RationalTime, otio.opentime.TimeRange


def _cut_list(path, frames: list[int], rate: float = 25.0):
    track = otio.schema.Track("V1", kind=otio.schema.TrackKind.Video)
    for i, n in enumerate(frames):
        track.append(otio.schema.Clip(f"c{i}", source_range=TR(RT(0, rate), RT(n, rate))))
    timeline = otio.schema.Timeline("edit")
    timeline.tracks.append(track)
    otio.adapters.write_to_file(timeline, str(path))
    return str(path)


def test_import_cut_list_recuts_keeps_matching_shots_and_undoes(qtbot, make_window, clip, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    window = make_window()
    state = window.state
    window.open_path(clip)
    wait_task(qtbot, window)
    window.generate()
    wait_task(qtbot, window)
    before = state.project
    assert [round(s.start_s, 2) for s in before.shots] == [0.0, 2.0, 4.52, 6.52]
    # The editor split the first shot at 1 s and kept the cut at 2 s; 6.52 s falls on frame 163.
    timeline = _cut_list(tmp_path / "edit.otio", [25, 25, 113, 37])
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (timeline, ""))
    assert window.import_cuts_action.isEnabled()
    window.import_cuts_action.trigger()
    wait_task(qtbot, window)
    assert window.last_error is None
    assert [round(s.start_s, 2) for s in state.project.shots] == [0.0, 1.0, 2.0, 6.52]
    assert state.undo_label() == "Import cut list edit.otio"
    assert all(s.take >= 0 for s in state.project.shots)
    window.undo_action.trigger()
    assert [s.start_s for s in state.project.shots] == [s.start_s for s in before.shots]
    np.testing.assert_array_equal(state.project.notes(), before.notes())


def test_a_mismatched_cut_list_is_one_line_and_changes_nothing(qtbot, make_window, clip, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    window = make_window()
    window.open_path(clip)
    wait_task(qtbot, window)
    window.generate()
    wait_task(qtbot, window)
    before = window.state.project
    timeline = _cut_list(tmp_path / "edit.otio", [100, 200, 100])  # 16 s for an 8 s video
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (timeline, ""))
    window.import_cuts_action.trigger()
    wait_task(qtbot, window)
    assert window.last_error and "\n" not in window.last_error and "lasts 16.00 s" in window.last_error
    assert window.state.project is before


def test_cut_lists_of_every_kind_read_after_generating(qtbot, make_window, clip, tmp_path):
    """Reading a cut list on a task's thread after the model had run on the pool hung the whole app (half the
    runs, reading these five in a row): OpenTimelineIO took the GIL with a stale thread state. Each kind's
    adapter loads on its first read, so this catches it only where nothing read that kind before."""
    window = make_window()
    window.open_path(clip)
    wait_task(qtbot, window)
    window.generate()
    wait_task(qtbot, window)
    for name, text in (
        ("a.edl", "garbage\n"),
        ("b.otio", "{not json"),
        ("c.xml", "<xmeml><broken"),
        ("d.fcpxml", ""),
        ("e.kdenlive", "\x00\x01"),
    ):
        (tmp_path / name).write_text(text)
        window.last_error = None
        window.edit_cuts(f"Import cut list {name}", "import_cut_list", str(tmp_path / name))
        wait_task(qtbot, window)
        assert window.last_error and "cannot be read as a cut list" in window.last_error
    assert len(window.state.project.shots) == 4
