"""What the window shows and plays of a project, derived once per project and, for new music, off the UI thread.

The timeline, the player and the shot panel all read the project as a Score, its beats in
seconds, its chords and phrases and its notes as rectangles. Deriving these took 100-150 ms for
a 3-minute piece, on the UI thread, right when generation ended: the longest stall of the event
loop. A task that makes a project calls `prepare` before it returns, so the widgets, handed the
same project, find its view ready. Projects are immutable values (app.state), so a view stays
true for as long as its project lives.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
from PySide6.QtGui import QPicture

from ..music.harmony import chord_changes
from ..music.notes import BEATS_PER_BAR, STEPS_PER_BEAT, Score
from ..project.piece import project_score
from ..project.state import Project
from . import jobs
from .widgets.lanes import notes_picture

if TYPE_CHECKING:  # torch: the scorer exists once a task has loaded it
    from ..project.scoring import Scorer

Span = tuple[float, float, str]  # (start_s, end_s, label)


@dataclass(frozen=True)
class ProjectView:
    """One project as the widgets draw and play it."""

    score: Score | None  # the piece with its arrangement (None: no beats, no music)
    beat_s: np.ndarray  # shape=(n_beats + 1,) seconds of every beat, the end included
    notes: np.ndarray  # int shape=(N, 5) rows (start_step, pitch, length_steps, velocity, track), sorted
    note_starts_s: np.ndarray  # shape=(N,)
    note_ends_s: np.ndarray  # shape=(N,)
    chords: list[Span]  # one per chord change, named
    phrases: list[Span]  # one per phrase of the form, lettered ("A 8", "A' 8")
    picture: QPicture  # the notes drawn in (seconds, pitch), see lanes.notes_picture


_memo: dict[tuple[int, str], tuple[weakref.ref, Any]] = {}  # (id of a project, what) -> (the project, value)
_lock = threading.Lock()


def view_of(project: Project) -> ProjectView:
    """The project's view: derived now unless a task prepared it (or it was asked for before)."""
    return _derived(project, "view", lambda: derive_view(project))


def auto_controls(project: Project, scorer: Scorer) -> dict[int, tuple[float, float]]:
    """Each shot's mapped (energy, density), what the shot panel shows beside its Auto boxes."""
    return _derived(project, "auto", lambda: jobs.mapped_controls(scorer, project))


def prepare(project: Project, scorer: Scorer | None = None) -> Project:
    """Derive what the window shows of the project now (in the task that made it), so the UI thread finds it."""
    view_of(project)
    if scorer is not None:
        auto_controls(project, scorer)
    return project


def prepare_opened(opened: jobs.Opened, scorer: Scorer | None) -> jobs.Opened:
    """prepare() for the project of an opened project file."""
    if opened.project is not None:
        prepare(opened.project, scorer)
    return opened


def _derived(project: Project, what: str, derive: Callable[[], Any]) -> Any:
    key = (id(project), what)
    with _lock:
        held = _memo.get(key)
    if held is not None and held[0]() is project:
        return held[1]
    value = derive()
    with _lock:  # forgotten with its project (a weak reference: the undo history decides how long it lives)
        _memo[key] = (weakref.ref(project, lambda _ref: _forget(key)), value)
    return value


def _forget(key: tuple[int, str]) -> None:
    with _lock:
        _memo.pop(key, None)


def derive_view(project: Project) -> ProjectView:
    if project.n_beats == 0:
        empty = np.zeros(0)
        return ProjectView(None, empty, np.zeros((0, 5), np.int64), empty, empty, [], [], QPicture())
    score = project_score(project)
    beat_s = np.atleast_1d(score.seconds_at(np.arange(project.n_beats + 1) * STEPS_PER_BEAT))
    changes = chord_changes(project.chord_root, project.chord_pcs)
    next_beats = [beat for beat, _ in changes[1:]] + [project.n_beats]
    chords = [(float(beat_s[a]), float(beat_s[b]), name) for (a, name), b in zip(changes, next_beats)]
    notes = project.notes()
    starts = np.atleast_1d(score.seconds_at(notes[:, 0]))
    ends = np.atleast_1d(score.seconds_at(notes[:, 0] + notes[:, 2]))
    picture = notes_picture(starts, ends, notes)
    return ProjectView(score, beat_s, notes, starts, ends, chords, form_spans(project, beat_s), picture)


def form_spans(project: Project, beat_s: np.ndarray) -> list[Span]:
    """(start_s, end_s, label) of each phrase of the project's form: its letter and bars ("A 8"),
    a prime where the letter returns ("A' 8")."""
    spans, seen = [], set()
    for p in project.phrases:
        a = min(p.start_bar * BEATS_PER_BAR, project.n_beats)
        b = min(p.end_bar * BEATS_PER_BAR, project.n_beats)
        prime = "'" if p.letter in seen else ""
        if b > a:
            spans.append((float(beat_s[a]), float(beat_s[b]), f"{p.letter}{prime} {p.n_bars}"))
        seen.add(p.letter)
    return spans
