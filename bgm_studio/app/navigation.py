"""Where the keys move the playhead: a beat at a time with the arrows, a shot's span for looping. Qt-free."""

from __future__ import annotations

import numpy as np

from ..music.notes import STEPS_PER_BEAT
from ..project.piece import project_score
from .state import AppState

STEP_WITHOUT_MUSIC_S = 1.0  # the arrows' step before there are beats
SHUTTLE_BACK_S = 2.0  # J: back this far, playing on (the player cannot play backwards)


def beat_times(state: AppState) -> np.ndarray:
    """Seconds of every beat of the project's tempo map, the end included; a 1-s grid without music."""
    project = state.project
    if project is None or project.n_beats == 0:
        return np.arange(0.0, state.duration_s + STEP_WITHOUT_MUSIC_S, STEP_WITHOUT_MUSIC_S)
    score = project_score(project)
    return np.atleast_1d(score.seconds_at(np.arange(project.n_beats + 1) * STEPS_PER_BEAT))


def step_from(beats: np.ndarray, t_s: float, step: int) -> float:
    """The beat `step` beats after (or, negative, before) time t_s: the next one strictly past it first."""
    if step > 0:  # index of the first beat after t_s, then further on
        i = int(np.searchsorted(beats, t_s + 1e-6, side="left")) + step - 1
    else:  # index of the last beat before t_s, then further back
        i = int(np.searchsorted(beats, t_s - 1e-6, side="right")) + step
    return float(beats[min(max(i, 0), len(beats) - 1)])


def loop_span(state: AppState) -> tuple[float, float] | None:
    """The selected shot's (start_s, end_s), what loop playback repeats; None without a selection."""
    shots = state.project.shots if state.project is not None else state.analysis.shots if state.analysis else ()
    k = state.selected
    return (shots[k].start_s, shots[k].end_s) if 0 <= k < len(shots) else None
