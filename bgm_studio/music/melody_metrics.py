"""Melody-line measures: how a melody moves, pure functions over note arrays (int (N, 5): start, pitch,
length, velocity, track), as listed in issue 14.

The melody line is the highest note of the melody track at each onset step (a melody track
that doubles a note in octaves or adds a harmony counts once, by its top voice). Intervals are
taken between consecutive notes of that line, across rests too. Definitions:
- repeats: share of intervals of 0 semitones (the same pitch struck again);
- most_common: share of melody-line notes on the line's most common pitch (whole piece);
- distinct_8: distinct pitches in each 8-bar window, sliding by one bar over the span from the
  first to the last bar holding a melody note, averaged over windows (an intro or outro
  without melody does not count as a window of little variety);
- stepwise: share of intervals of 1 or 2 semitones;
- leaps: share of intervals larger than an octave (> 12 semitones).
A piece with fewer than two melody-line notes has NaN for the interval measures.
"""

from __future__ import annotations

import numpy as np

from .notes import MELODY, STEPS_PER_BAR

START, PITCH, LENGTH, VELOCITY, TRACK = range(5)
WINDOW_BARS = 8
OCTAVE = 12


def melody_line(notes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(onset steps, pitches) of the top melody-track note at each onset, in time order."""
    notes = np.asarray(notes, dtype=np.int64).reshape(-1, 5)
    melody = notes[notes[:, TRACK] == MELODY]
    if not len(melody):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = np.lexsort((-melody[:, PITCH], melody[:, START]))  # by start, highest pitch first
    melody = melody[order]
    first = np.r_[True, np.diff(melody[:, START]) > 0]
    return melody[first, START], melody[first, PITCH]


def distinct_per_window(starts: np.ndarray, pitches: np.ndarray, window_bars: int = WINDOW_BARS) -> float:
    """Mean distinct pitches over every window of `window_bars` bars (sliding by a bar) inside the
    span from the first to the last bar with a melody note (one window if the span is shorter)."""
    if not len(starts):
        return float("nan")
    bars = starts // STEPS_PER_BAR
    first, last = int(bars[0]), int(bars[-1])
    counts = [
        len(np.unique(pitches[(bars >= b) & (bars < b + window_bars)]))
        for b in range(first, max(first, last - window_bars + 1) + 1)
    ]
    return float(np.mean(counts))


def melody_metrics(notes: np.ndarray) -> dict[str, float]:
    """repeats, most_common, distinct_8, stepwise and leaps of the melody line (module docstring)."""
    starts, pitches = melody_line(notes)
    step = np.abs(np.diff(pitches))
    nan = float("nan")
    return {
        "mel_repeats": float((step == 0).mean()) if len(step) else nan,
        "mel_most_common": float(np.bincount(pitches).max() / len(pitches)) if len(pitches) else nan,
        "mel_distinct_8": distinct_per_window(starts, pitches),
        "mel_stepwise": float(((step >= 1) & (step <= 2)).mean()) if len(step) else nan,
        "mel_leaps": float((step > OCTAVE).mean()) if len(step) else nan,
    }
