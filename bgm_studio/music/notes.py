"""Notes on a 16th-note grid and the constants of that grid."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import overload

import numpy as np

STEPS_PER_BEAT = 4  # 16th-note grid
BEATS_PER_BAR = 4  # 4/4 only
STEPS_PER_BAR = STEPS_PER_BEAT * BEATS_PER_BAR
PITCH_LOW = 21  # A0, lowest piano key
N_PITCHES = 88  # A0..C8
PITCH_HIGH = PITCH_LOW + N_PITCHES - 1

MELODY = 0
ACCOMPANIMENT = 1
TRACK_NAMES = ("Melody", "Accompaniment", "Bass")  # by track number (bass: music/parts.py)


@dataclass(frozen=True, order=True)
class Note:
    """One quantised note: start and length in 16th steps, MIDI pitch, velocity 1..127."""

    start: int
    pitch: int
    length: int
    velocity: int = 80
    track: int = ACCOMPANIMENT

    @property
    def end(self) -> int:
        return self.start + self.length


@dataclass(frozen=True)
class SoundChange:
    """From `step` on, `track` plays GM `program` at channel volume, reverb and chorus send (MIDI CC 7, 91, 93)."""

    step: int
    track: int
    program: int
    volume: int = 100
    reverb: int = 0
    chorus: int = 0


@dataclass
class Score:
    """A piece on the grid: notes plus tempo and segment (shot) boundaries.

    segment_starts holds the start step of every segment after the first (the cut
    positions); they are written to MIDI as markers. tempo_changes lists (step, bpm)
    where the tempo changes after the start (a video score gives each shot a whole
    number of beats, so its tempo may move a little at a cut); tempo_bpm holds from step 0.
    sound_changes sets each track's instrument from a step on (empty: GM piano throughout).
    """

    notes: list[Note]
    n_steps: int
    tempo_bpm: float = 120.0
    segment_starts: list[int] = field(default_factory=list)
    tempo_changes: list[tuple[int, float]] = field(default_factory=list)
    sound_changes: list[SoundChange] = field(default_factory=list)

    @property
    def n_bars(self) -> int:
        return -(-self.n_steps // STEPS_PER_BAR)

    def track_notes(self, track: int) -> list[Note]:
        return [n for n in self.notes if n.track == track]

    def seconds_per_step(self) -> float:
        """Length of a 16th step at the opening tempo."""
        return 60.0 / self.tempo_bpm / STEPS_PER_BEAT

    def tempo_map(self) -> tuple[np.ndarray, np.ndarray]:
        """(change steps, bpm) including step 0, sorted."""
        changes = sorted({0: self.tempo_bpm, **dict(self.tempo_changes)}.items())
        return np.array([c[0] for c in changes], np.float64), np.array([c[1] for c in changes], np.float64)

    @overload
    def seconds_at(self, step: float) -> float: ...
    @overload
    def seconds_at(self, step: np.ndarray) -> np.ndarray: ...
    def seconds_at(self, step: float | np.ndarray) -> float | np.ndarray:
        """Time in seconds of a (fractional) step or array of steps, through the tempo map."""
        starts, bpm = self.tempo_map()
        sec_per_step = 60.0 / bpm / STEPS_PER_BEAT
        start_sec = np.concatenate([[0.0], np.cumsum(np.diff(starts) * sec_per_step[:-1])])
        s = np.asarray(step, dtype=np.float64)
        i = np.clip(np.searchsorted(starts, s, side="right") - 1, 0, len(starts) - 1)
        out = start_sec[i] + (s - starts[i]) * sec_per_step[i]
        return float(out) if out.ndim == 0 else out

    def duration_s(self) -> float:
        return self.seconds_at(self.n_steps)
