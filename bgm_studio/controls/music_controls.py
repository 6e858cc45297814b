"""Controls computed from music, per beat, for training and for measuring generated pieces.

Every control is per beat, and each of density, energy and register is the value of the
bar that holds the beat (bar-level statistics are what a listener hears as "busier",
"louder", "higher", and what a shot of a video can ask for):
- density: note onsets per bar, both tracks (POP909 train: median ~20, 5th-95th pct ~8-36).
- energy: mean onset velocity in the bar / 127, in [0, 1] (0 for an empty bar).
- register: mean onset pitch in the bar, MIDI number (60 = middle C; 0 when empty).
- minor: 1 where the annotated key is minor (per segment at inference), else 0.
- segment_start: 1 on the first beat of each segment (shot), else 0.
- chord_pcs: (n_beats, 12) chord tones of the beat's chord; chord_root: -1 for no chord.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..music.notes import BEATS_PER_BAR, STEPS_PER_BAR


@dataclass
class Controls:
    """Per-beat control series for one piece or window (all arrays have n_beats rows)."""

    density: np.ndarray  # float (n_beats,) onsets per bar
    energy: np.ndarray  # float (n_beats,) in [0, 1]
    register: np.ndarray  # float (n_beats,) MIDI pitch
    minor: np.ndarray  # float (n_beats,) 0 or 1
    segment_start: np.ndarray  # bool (n_beats,)
    chord_pcs: np.ndarray  # bool (n_beats, 12)
    chord_root: np.ndarray  # int (n_beats,), -1 = no chord

    @property
    def n_beats(self) -> int:
        return len(self.density)

    def slice(self, start_beat: int, end_beat: int) -> "Controls":
        return Controls(*(getattr(self, f)[start_beat:end_beat] for f in self.__dataclass_fields__))

    def segment_ids(self) -> np.ndarray:
        """int (n_beats,): segment index of every beat (a start on beat 0 is implied)."""
        starts = self.segment_start.copy()
        if len(starts):
            starts[0] = True
        return np.cumsum(starts) - 1


def bar_statistics(onset_velocity: np.ndarray, pitches: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-bar (density, energy, register) from an onset-velocity roll.

    onset_velocity: (tracks, steps, pitches) velocities at onsets (0 elsewhere), steps a whole
    number of bars; pitches: MIDI pitch of each pitch column.
    """
    n_bars = onset_velocity.shape[1] // STEPS_PER_BAR
    vel = onset_velocity[:, : n_bars * STEPS_PER_BAR].reshape(onset_velocity.shape[0], n_bars, STEPS_PER_BAR, -1)
    on = vel > 0
    count = on.sum(axis=(0, 2, 3)).astype(np.float64)
    safe = np.maximum(count, 1)
    energy = vel.sum(axis=(0, 2, 3)) / safe / 127.0
    register = (on.sum(axis=(0, 2)) * pitches[None, :]).sum(axis=1) / safe
    return count, np.where(count > 0, energy, 0.0), np.where(count > 0, register, 0.0)


def controls_from_roll(
    onset_velocity: np.ndarray,
    pitches: np.ndarray,
    minor: np.ndarray,
    segment_start: np.ndarray,
    chord_pcs: np.ndarray,
    chord_root: np.ndarray,
) -> Controls:
    """Controls of a piece given its onset-velocity roll and per-beat annotations."""
    density, energy, register = bar_statistics(onset_velocity, pitches)

    def per_beat(a: np.ndarray) -> np.ndarray:  # bar value on each of its beats
        return np.repeat(a, BEATS_PER_BAR)

    return Controls(
        per_beat(density),
        per_beat(energy),
        per_beat(register),
        minor.astype(np.float64),
        segment_start.astype(bool),
        chord_pcs.astype(bool),
        chord_root.astype(np.int64),
    )


def measured_bar_controls(notes: np.ndarray, n_bars: int) -> dict[str, np.ndarray]:
    """Per-bar density, energy and register of a note array (start, pitch, length, velocity, track)."""
    bar = notes[:, 0] // STEPS_PER_BAR
    keep = bar < n_bars
    bar, notes = bar[keep], notes[keep]
    count = np.bincount(bar, minlength=n_bars).astype(np.float64)
    safe = np.maximum(count, 1)
    energy = np.bincount(bar, weights=notes[:, 3], minlength=n_bars) / safe / 127.0
    register = np.bincount(bar, weights=notes[:, 1], minlength=n_bars) / safe
    return {"density": count, "energy": energy, "register": register}
