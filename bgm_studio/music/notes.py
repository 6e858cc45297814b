"""Notes on a 16th-note grid and the constants of that grid."""
from __future__ import annotations

from dataclasses import dataclass, field

STEPS_PER_BEAT = 4  # 16th-note grid
BEATS_PER_BAR = 4  # 4/4 only
STEPS_PER_BAR = STEPS_PER_BEAT * BEATS_PER_BAR
PITCH_LOW = 21  # A0, lowest piano key
N_PITCHES = 88  # A0..C8
PITCH_HIGH = PITCH_LOW + N_PITCHES - 1

MELODY = 0
ACCOMPANIMENT = 1
TRACK_NAMES = ("Melody", "Accompaniment")


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


@dataclass
class Score:
    """A piece on the grid: notes plus tempo and segment (shot) boundaries.

    segment_starts holds the start step of every segment after the first
    (the cut positions); they are written to MIDI as markers.
    """

    notes: list[Note]
    n_steps: int
    tempo_bpm: float = 120.0
    segment_starts: list[int] = field(default_factory=list)

    @property
    def n_bars(self) -> int:
        return -(-self.n_steps // STEPS_PER_BAR)

    def track_notes(self, track: int) -> list[Note]:
        return [n for n in self.notes if n.track == track]

    def seconds_per_step(self) -> float:
        return 60.0 / self.tempo_bpm / STEPS_PER_BEAT
