"""Dense piano roll: two tracks x (onset, sustain) channels on the 16th grid.

Layout: onset and sustain are bool arrays of shape (tracks=2, steps, pitches=88);
velocity is uint8 of the same shape, set at onsets. A note occupies its onset
step in `onset` and every following step of its length in `sustain`, so two
repeated notes of one pitch stay two notes.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .notes import N_PITCHES, PITCH_HIGH, PITCH_LOW, Note

N_TRACKS = 2


@dataclass
class PianoRoll:
    """onset, sustain: bool (2, T, 88); velocity: uint8 (2, T, 88)."""

    onset: np.ndarray
    sustain: np.ndarray
    velocity: np.ndarray

    @classmethod
    def empty(cls, n_steps: int) -> "PianoRoll":
        shape = (N_TRACKS, n_steps, N_PITCHES)
        return cls(np.zeros(shape, bool), np.zeros(shape, bool), np.zeros(shape, np.uint8))

    @property
    def n_steps(self) -> int:
        return self.onset.shape[1]

    def to_array(self) -> np.ndarray:
        """(4, T, 88) float32: melody onset, melody sustain, accomp onset, accomp sustain."""
        return np.stack(
            [self.onset[0], self.sustain[0], self.onset[1], self.sustain[1]]
        ).astype(np.float32)


def notes_to_roll(notes: list[Note], n_steps: int) -> PianoRoll:
    """Rasterise notes; notes outside the pitch range or the step range are clipped/dropped."""
    roll = PianoRoll.empty(n_steps)
    for n in sorted(notes):
        if not PITCH_LOW <= n.pitch <= PITCH_HIGH or n.start >= n_steps or n.start < 0:
            continue
        p = n.pitch - PITCH_LOW
        end = min(n.end, n_steps)
        roll.onset[n.track, n.start, p] = True
        roll.velocity[n.track, n.start, p] = n.velocity
        # A later onset of the same pitch cuts the held part of an earlier one.
        roll.sustain[n.track, n.start, p] = False
        roll.sustain[n.track, n.start + 1 : end, p] = True
    return roll


def roll_to_notes(roll: PianoRoll, default_velocity: int = 80) -> list[Note]:
    """Read notes back: each onset lasts through the sustain steps that follow it."""
    notes: list[Note] = []
    n_steps = roll.n_steps
    for track in range(roll.onset.shape[0]):
        steps, pitches = np.nonzero(roll.onset[track])
        for t, p in zip(steps.tolist(), pitches.tolist()):
            end = t + 1
            while end < n_steps and roll.sustain[track, end, p] and not roll.onset[track, end, p]:
                end += 1
            v = int(roll.velocity[track, t, p]) or default_velocity
            notes.append(Note(t, p + PITCH_LOW, end - t, v, track))
    notes.sort()
    return notes
