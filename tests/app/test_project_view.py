"""New music is read for the window in the task that made it, not on the UI thread (app.project_view)."""

from __future__ import annotations

import gc
import threading
from dataclasses import replace

import numpy as np

from bgm_studio.app import project_view
from bgm_studio.music.harmony import chord_changes
from bgm_studio.project.piece import project_score
from tests.app.helpers import open_and_generate, wait_task


def _record_derivations(monkeypatch) -> list[tuple[int, str]]:
    """(id of the project, thread name) of every view derived from now on."""
    seen: list[tuple[int, str]] = []
    derive = project_view.derive_view

    def recording(project):
        seen.append((id(project), threading.current_thread().name))
        return derive(project)

    monkeypatch.setattr(project_view, "derive_view", recording)
    return seen


def test_generate_regenerate_and_cut_edits_derive_the_view_off_the_ui_thread(qtbot, make_window, clip, monkeypatch):
    window = make_window()
    seen = _record_derivations(monkeypatch)
    main = threading.main_thread().name
    projects = [open_and_generate(qtbot, window, clip)]
    window.state.select(1)
    window.regenerate(1)
    wait_task(qtbot, window)
    projects.append(window.state.project)
    window.state.set_position(3.0)
    window._on_split()
    wait_task(qtbot, window)
    projects.append(window.state.project)
    assert len({id(p) for p in projects}) == 3
    assert window.last_error is None
    for project in projects:
        threads = [name for key, name in seen if key == id(project)]
        assert threads and main not in threads  # derived once in the task, and never again on the UI thread
    # what the window shows is that project's music
    view = project_view.view_of(window.state.project)
    assert len(window.timeline.note_editor.notes) == len(window.state.project.notes()) == len(view.notes)
    assert window.timeline.notes.boundingRect().right() == float(view.note_ends_s.max())


def test_the_view_is_the_projects_music(qtbot, make_window, clip):
    window = make_window()
    project = open_and_generate(qtbot, window, clip)
    view = project_view.view_of(project)
    score = project_score(project)
    np.testing.assert_array_equal(view.notes, project.notes())
    assert len(view.beat_s) == project.n_beats + 1 and view.beat_s[0] == 0.0
    assert abs(view.beat_s[-1] - score.seconds_at(project.n_beats * 4)) < 1e-9
    np.testing.assert_allclose(view.note_starts_s, score.seconds_at(project.notes()[:, 0]))
    assert [name for _, _, name in view.chords] == [
        name for _, name in chord_changes(project.chord_root, project.chord_pcs)
    ]
    assert view.chords[0][0] == 0.0 and abs(view.chords[-1][1] - view.beat_s[-1]) < 1e-9
    assert [label.split()[0][0] for _, _, label in view.phrases] == [p.letter for p in project.phrases]
    assert [n.pitch for n in view.score.notes] == [n.pitch for n in score.notes]
    assert window.shot_panel.auto == project_view.auto_controls(project, window.scorer.loaded)


def test_a_view_lives_as_long_as_its_project(qtbot, make_window, clip):
    window = make_window()
    project = open_and_generate(qtbot, window, clip)
    assert project_view.view_of(project) is project_view.view_of(project)
    twin = replace(project)  # equal, but another value: a view of its own
    assert project_view.view_of(twin) is not project_view.view_of(project)
    key = (id(twin), "view")
    assert key in project_view._memo
    del twin
    gc.collect()
    assert key not in project_view._memo
