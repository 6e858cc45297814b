"""A scored project measured like `eval` measures pieces, plus how its music meets the video's cuts.

The cuts are the starts of every shot after the first (the cuts the project kept); a cut's
place in the music is its shot's first beat, or the eighth before it where the cut falls there
(piece.cut_steps), and its time in the video is the shot's start_s.
"""

from __future__ import annotations

import numpy as np

from ..music.evaluate import all_metrics
from ..music.form_metrics import cut_timing_ms, cuts_by_grid
from ..music.metrics import Annotations, estimate_key
from ..music.notes import BEATS_PER_BAR, STEPS_PER_BEAT
from .piece import cut_steps, project_score
from .state import Project

CUT_TOLERANCE_MS = 40.0  # issue 14: every kept cut within 40 ms of a beat or eighth


def project_metrics(project: Project, tonic_pc: int | None = None) -> dict[str, float]:
    """Every eval measure of the project's piece, measured on its own chords and cuts, and
    cut_ms_max / cut_on_grid: the largest distance (ms) of a video cut from the music's nearest
    beat or eighth, and the share of cuts within 40 ms of one.

    tonic_pc: the key's tonic for the ending check (default: the key a key finder hears in its
    notes, as `eval` does for a MIDI file). Phrase starts are the project's form.
    """
    n_steps = project.n_beats * STEPS_PER_BEAT
    tonic = _home(project) if tonic_pc is None else tonic_pc
    cuts, eighths = cuts_by_grid(cut_steps(project))
    ann = Annotations(
        key_tonic=np.full(project.n_beats, tonic),
        chord_pcs=project.chord_pcs,
        cut_beats=cuts,
        cut_eighths=eighths,
        phrase_starts=np.array([p.start_bar * BEATS_PER_BAR for p in project.phrases], np.int64),
    )
    out = all_metrics(project.notes(), n_steps, ann)
    beat_times = project_score(project).seconds_at(np.arange(project.n_beats + 1) * STEPS_PER_BEAT)
    error = cut_timing_ms([s.start_s for s in project.shots[1:]], beat_times)
    out["cut_ms_max"] = float(error.max()) if len(error) else float("nan")
    out["cut_on_grid"] = float((error <= CUT_TOLERANCE_MS).mean()) if len(error) else float("nan")
    return out


def _home(project: Project) -> int:
    """The tonic the piece is heard in, as `eval` finds it for a MIDI file: the key a
    Krumhansl-Schmuckler key finder reads from all its notes (music.metrics.estimate_key)."""
    return estimate_key(project.notes())[0]
