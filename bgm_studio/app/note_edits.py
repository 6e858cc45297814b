"""Hand edits of the piano roll as project values (Qt-free): delete, move, resize, velocity, draw.

Notes are rows (start_step, pitch, length_steps, velocity, track) on the piece's absolute steps,
as Project.notes() gives them. An edit rewrites the current take of every shot it touches (a
note belongs to the shot it starts in): the first edit of a generated take makes a new take
marked `edited`, later edits change that one, so the generated take stays among the takes and
undo, save and reopen work as for any other change.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..music.notes import STEPS_PER_BEAT
from ..project.state import Project

PITCH_RANGE = (21, 108)  # the piano's keys
DRAWN_VELOCITY = 80
VELOCITY_STEP = 10


def shot_of_step(project: Project, step: int) -> int:
    """The shot a step falls in (the last one for the piece's end)."""
    for s in project.shots:
        if s.start_step <= step < s.end_beat * STEPS_PER_BEAT:
            return s.index
    return len(project.shots) - 1


def matching(notes: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """bool (len(notes),): which notes are among `rows` (each row matched once)."""
    hit = np.zeros(len(notes), bool)
    for row in rows:
        same = np.nonzero(np.all(notes == row, axis=1) & ~hit)[0]
        if len(same):
            hit[same[0]] = True
    return hit


def apply_note_edit(project: Project, removed: np.ndarray, added: np.ndarray) -> Project:
    """The project with the rows `removed` taken out and `added` put in, as edited takes of the shots touched.

    Shots without music yet are left alone (a note drawn there is dropped).
    """
    removed, added = np.asarray(removed, np.int64).reshape(-1, 5), np.asarray(added, np.int64).reshape(-1, 5)
    notes = project.notes()
    notes = np.concatenate([notes[~matching(notes, removed)], added])
    touched = {shot_of_step(project, int(step)) for step in np.concatenate([removed[:, 0], added[:, 0]])}
    shots = list(project.shots)
    for k in sorted(touched):
        s = shots[k]
        if s.take < 0:
            continue
        a, b = s.start_step, s.end_beat * STEPS_PER_BEAT
        mine = notes[(notes[:, 0] >= a) & (notes[:, 0] < b)] - np.array([a, 0, 0, 0, 0])
        mine = mine[np.lexsort(mine.T[::-1])]
        current = s.takes[s.take]
        take = replace(current, notes=mine.astype(np.int64), edited=True)
        takes = list(s.takes)
        if current.edited:
            takes[s.take] = take
        else:
            takes.append(take)
        shots[k] = replace(s, takes=takes, take=s.take if current.edited else len(takes) - 1)
    return replace(project, shots=shots)


def clamp_notes(project: Project, rows: np.ndarray) -> np.ndarray:
    """Rows kept inside the piece: starts on its steps, pitches on the piano, at least a step long,
    ending by the piece's end, velocities 1-127."""
    rows = np.array(rows, np.int64).reshape(-1, 5)
    end = project.n_beats * STEPS_PER_BEAT
    rows[:, 0] = np.clip(rows[:, 0], 0, end - 1)
    rows[:, 1] = np.clip(rows[:, 1], *PITCH_RANGE)
    rows[:, 2] = np.clip(rows[:, 2], 1, end - rows[:, 0])
    rows[:, 3] = np.clip(rows[:, 3], 1, 127)
    return rows


def moved(project: Project, rows: np.ndarray, d_steps: int, d_pitch: int) -> np.ndarray:
    return clamp_notes(project, np.asarray(rows) + np.array([d_steps, d_pitch, 0, 0, 0]))


def resized(project: Project, rows: np.ndarray, d_steps: int) -> np.ndarray:
    return clamp_notes(project, np.asarray(rows) + np.array([0, 0, d_steps, 0, 0]))


def with_velocity(project: Project, rows: np.ndarray, d_velocity: int) -> np.ndarray:
    return clamp_notes(project, np.asarray(rows) + np.array([0, 0, 0, d_velocity, 0]))


def drawn(project: Project, step: int, pitch: int, track: int = 0) -> np.ndarray:
    """A new note of one beat at a step and pitch (melody unless told)."""
    return clamp_notes(project, np.array([[step, pitch, STEPS_PER_BEAT, DRAWN_VELOCITY, track]]))


def has_edits(project: Project, shots: list[int] | None = None) -> list[int]:
    """The shots (of `shots`, else all) whose current take holds hand edits."""
    ks = range(len(project.shots)) if shots is None else shots
    return [k for k in ks if project.shots[k].take >= 0 and project.shots[k].takes[project.shots[k].take].edited]
