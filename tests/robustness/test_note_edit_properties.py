"""Hand edits of notes can never make a project the app cannot open again: any edit, however far it
drags or stretches a note (past the piece, off the keyboard, to velocity 0), saves and loads back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bgm_studio.app.note_edits import apply_note_edit, drawn, moved, resized, with_velocity
from bgm_studio.project.state import load_project, save_project

FIXTURE = Path(__file__).parents[1] / "project" / "fixtures" / "format5.bgm.json"
BIG = st.integers(-(10**6), 10**6)
EDITS = st.lists(
    st.tuples(st.sampled_from(["move", "resize", "velocity", "draw"]), st.integers(0, 10**6), BIG, BIG),
    min_size=1,
    max_size=6,
)


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=EDITS)
def test_any_hand_edit_saves_and_loads_back(tmp_path, edits):
    project = load_project(FIXTURE)
    for kind, pick, a, b in edits:
        notes = project.notes()
        row = notes[pick % len(notes) : pick % len(notes) + 1] if len(notes) else np.zeros((0, 5), np.int64)
        if kind == "draw" or not len(row):
            added, row = drawn(project, a, b, track=pick % 2), np.zeros((0, 5), np.int64)
        elif kind == "move":
            added = moved(project, row, a, b)
        elif kind == "resize":
            added = resized(project, row, a)
        else:
            added = with_velocity(project, row, b)
        project = apply_note_edit(project, row, added)
    path = tmp_path / "edited.bgm.json"
    save_project(project, path)
    back = load_project(path)
    assert np.array_equal(back.notes(), project.notes())
