"""Hand edits of the notes as project values: edited takes, shots touched, saved and reloaded."""
from __future__ import annotations

import numpy as np

from bgm_studio.app.note_edits import apply_note_edit, drawn, has_edits, moved
from bgm_studio.music.notes import STEPS_PER_BEAT
from bgm_studio.project.state import load_project, save_project
from tests.app.helpers import open_and_generate


def test_edits_make_an_edited_take_of_each_shot_they_touch_and_survive_a_save(qtbot, make_window, clip, tmp_path):
    window = make_window()
    project = open_and_generate(qtbot, window, clip)
    notes = project.notes()
    first = notes[notes[:, 0] < project.shots[0].end_beat * STEPS_PER_BEAT][0]
    shifted = moved(project, first[None], project.shots[1].start_step - first[0], 2)  # into shot 1, two up
    edited = apply_note_edit(project, first[None], shifted)
    assert has_edits(edited) == [0, 1] and has_edits(project) == []
    assert [len(s.takes) for s in edited.shots[:2]] == [2, 2] and len(edited.notes()) == len(notes)
    assert shifted[0].tolist() in edited.notes().tolist() and first.tolist() not in edited.notes().tolist()
    again = apply_note_edit(edited, np.zeros((0, 5)), drawn(edited, project.shots[1].start_step + 1, 72))
    assert len(again.shots[1].takes) == 2 and len(again.notes()) == len(notes) + 1  # the edited take changes
    path = tmp_path / "edited.bgm.json"
    save_project(again, path)
    loaded = load_project(str(path))
    np.testing.assert_array_equal(loaded.notes(), again.notes())
    assert has_edits(loaded) == [0, 1] and not loaded.shots[0].takes[0].edited
