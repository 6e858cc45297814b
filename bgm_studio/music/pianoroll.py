"""Dense piano roll: two tracks x (onset, sustain) channels on the 16th grid.

Layout: onset and sustain are bool arrays of shape (tracks=2, steps, pitches);
velocity is uint8 of the same shape, set at onsets. Column j holds MIDI pitch
pitch_low + j (default: the 88 piano keys). A note occupies its onset step in
`onset` and every following step of its length in `sustain`, so two repeated notes
of one pitch stay two notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np

from .notes import MELODY, N_PITCHES, PITCH_LOW, STEPS_PER_BEAT, Note

N_TRACKS = 2


@dataclass
class PianoRoll:
    """onset, sustain: bool (2, T, P); velocity: uint8 (2, T, P); column j is pitch pitch_low + j."""

    onset: np.ndarray
    sustain: np.ndarray
    velocity: np.ndarray
    pitch_low: int = PITCH_LOW

    @classmethod
    def empty(cls, n_steps: int, pitch_low: int = PITCH_LOW, n_pitches: int = N_PITCHES) -> "PianoRoll":
        shape = (N_TRACKS, n_steps, n_pitches)
        return cls(np.zeros(shape, bool), np.zeros(shape, bool), np.zeros(shape, np.uint8), pitch_low)

    @property
    def n_steps(self) -> int:
        return int(self.onset.shape[1])

    def copy(self) -> "PianoRoll":
        return PianoRoll(self.onset.copy(), self.sustain.copy(), self.velocity.copy(), self.pitch_low)

    def to_array(self) -> np.ndarray:
        """(4, T, P) float32: melody onset, melody sustain, accomp onset, accomp sustain."""
        return np.stack([self.onset[0], self.sustain[0], self.onset[1], self.sustain[1]]).astype(np.float32)


def _rows(notes: Iterable[Note] | np.ndarray) -> list[tuple[int, int, int, int, int]]:
    if isinstance(notes, np.ndarray):
        return sorted((int(a), int(b), int(c), int(d), int(e)) for a, b, c, d, e in notes.reshape(-1, 5))
    return sorted((n.start, n.pitch, n.length, n.velocity, n.track) for n in notes)


def notes_to_roll(
    notes: Iterable[Note] | np.ndarray, n_steps: int, pitch_low: int = PITCH_LOW, n_pitches: int = N_PITCHES
) -> PianoRoll:
    """Rasterise notes (Note objects or int rows start, pitch, length, velocity, track).

    Notes outside the pitch range or starting outside the steps are dropped; lengths are clipped.
    """
    roll = PianoRoll.empty(n_steps, pitch_low, n_pitches)
    for start, pitch, length, velocity, track in _rows(notes):
        p = pitch - pitch_low
        if not 0 <= p < n_pitches or not 0 <= start < n_steps:
            continue
        roll.onset[track, start, p] = True
        roll.velocity[track, start, p] = max(1, velocity)
        # A later onset of the same pitch cuts what is left of an earlier note.
        held = roll.sustain[track, start:, p]
        run = int(np.argmin(held)) if not held.all() else len(held)
        held[:run] = False
        roll.sustain[track, start + 1 : min(start + length, n_steps), p] = True
    return roll


def roll_to_note_array(roll: PianoRoll, default_velocity: int = 80) -> np.ndarray:
    """Read notes back as int (N, 5) rows: each onset lasts through the sustain steps after it."""
    rows = []
    n_steps = roll.n_steps
    for track in range(roll.onset.shape[0]):
        steps, pitches = np.nonzero(roll.onset[track])
        for t, p in zip(steps.tolist(), pitches.tolist()):
            end = t + 1
            while end < n_steps and roll.sustain[track, end, p] and not roll.onset[track, end, p]:
                end += 1
            v = int(roll.velocity[track, t, p]) or default_velocity
            rows.append((t, p + roll.pitch_low, end - t, v, track))
    rows.sort()
    return np.array(rows, dtype=np.int64).reshape(-1, 5)


def roll_to_notes(roll: PianoRoll, default_velocity: int = 80) -> list[Note]:
    """Read notes back as Note objects, sorted."""
    return [Note(*map(int, row)) for row in roll_to_note_array(roll, default_velocity)]


def ring_out(
    roll: PianoRoll, step: int, root: int, bass_ceiling: int, chord_pcs: np.ndarray | None = None
) -> PianoRoll:
    """Close a piece on the chord struck at `step`: nothing is struck after it, notes struck at
    it ring to the end, notes from before stop there, and the lowest accompaniment note struck
    there is the chord's root below bass_ceiling (pitch class `root`; one is added where it is not).

    chord_pcs: bool (12,), the final chord's tones. Given, the chord sounds whole (a tone the
    accompaniment does not strike there is added above the bass, from a fifth over it and C3 up), and
    where the melody strikes nothing there, a melody note of the chord sounding into it rings on to
    the end: a figure that struck only its bass on the last downbeat, under a melody that stopped
    there, left a lone bass note.
    """
    notes = roll_to_note_array(roll)
    n_steps = roll.n_steps
    notes = notes[notes[:, 0] <= step]
    struck = notes[:, 0] == step
    notes[struck, 2] = n_steps - step
    before = ~struck & (notes[:, 0] + notes[:, 2] > step)
    tie = np.zeros(len(notes), bool)
    if chord_pcs is not None and not (struck & (notes[:, 4] == MELODY)).any():
        tie = before & (notes[:, 4] == MELODY) & np.asarray(chord_pcs, bool)[notes[:, 1] % 12]
    notes[before & ~tie, 2] = step - notes[before & ~tie, 0]
    notes[tie, 2] = n_steps - notes[tie, 0]
    notes = notes[notes[:, 2] > 0]
    chord = notes[(notes[:, 0] == step) & (notes[:, 4] == 1)]
    velocity = int(chord[:, 3].max()) if len(chord) else 70
    lowest = int(chord[:, 1].min()) if len(chord) else bass_ceiling
    if root >= 0 and (lowest % 12 != root or lowest >= bass_ceiling):
        pitch = max(p for p in range(bass_ceiling - 12, bass_ceiling) if p % 12 == root)
        while pitch > lowest and pitch - 12 >= roll.pitch_low:
            pitch -= 12
        notes = np.concatenate([notes, [[step, pitch, n_steps - step, velocity, 1]]])
    if chord_pcs is not None:
        notes = np.concatenate([notes, _missing_tones(notes, step, n_steps, chord_pcs, velocity, roll)])
    return notes_to_roll(notes, n_steps, roll.pitch_low, roll.onset.shape[2])


def mark_cuts_in_ring(roll: PianoRoll, step: int, cut_steps: np.ndarray, bass_ceiling: int) -> PianoRoll:
    """Mark each cut that falls inside the final chord (struck at `step`, ringing to the end) with
    a bass attack: the lowest tone of that chord above its bass and below bass_ceiling not sounding
    there, struck at the cut and ringing to the end (where none is free, the tone struck at the
    cut before, struck again). The bass struck on the bar line sounds on under it, so the piece
    still ends on its held root; a cut in the last half-beat is left alone (nothing is struck
    there). A last shot shorter than the chord's ring left its cut unmarked."""
    notes = roll_to_note_array(roll)
    n_steps = roll.n_steps
    chord = notes[(notes[:, 0] == step) & (notes[:, 4] == 1)]
    if not len(chord):
        return roll
    bass, velocity = int(chord[:, 1].min()), int(chord[:, 3].max())
    tones = set((chord[:, 1] % 12).tolist())
    added: list[list[int]] = []
    for cut in sorted(int(c) for c in cut_steps if step < c <= n_steps - STEPS_PER_BEAT // 2):
        sounding = {int(p) for s, p, length, *_ in notes.tolist() + added if s <= cut < s + length}
        free = [p for p in range(bass + 1, bass_ceiling) if p % 12 in tones and p not in sounding]
        if free:
            added.append([cut, free[0], n_steps - cut, velocity, 1])
        elif added:
            added[-1][2] = cut - added[-1][0]
            added.append([cut, added[-1][1], n_steps - cut, velocity, 1])
    if not added:
        return roll
    return notes_to_roll(np.concatenate([notes, added]), n_steps, roll.pitch_low, roll.onset.shape[2])


def anticipate_cuts(roll: PianoRoll, cut_steps: np.ndarray, chord_root: np.ndarray, bass_ceiling: int) -> PianoRoll:
    """Mark each cut that falls on an eighth (half a beat before the beat where the next shot's music
    starts, see controls.timing) with the bass anticipating that beat's chord, as pop bass pushes a
    change: its root struck at the cut for an eighth, in the octave nearest the bass struck on the
    beat (else the bass before), where the bass strikes nothing there already. A bass note held over
    the cut stops there. chord_root: int per beat, -1 for none; cut_steps on the roll's grid."""
    out = roll.copy()
    low = bass_ceiling - out.pitch_low  # columns of the bass register
    half = STEPS_PER_BEAT // 2
    for c in (int(c) for c in cut_steps):
        beat = (c + half) // STEPS_PER_BEAT
        if c < 0 or c + half > out.n_steps or beat >= len(chord_root) or chord_root[beat] < 0:
            continue
        if out.onset[1, c, :low].any():
            continue
        struck = np.flatnonzero(out.onset[1, c + half, :low])
        earlier = np.flatnonzero(out.onset[1, :c, :low].any(axis=0))
        near = struck.min() if len(struck) else earlier.max() if len(earlier) else low - 12
        columns = [j for j in range(low) if (j + out.pitch_low) % 12 == chord_root[beat]]
        if not columns:
            continue
        j = min(columns, key=lambda q: abs(q - near))
        source = out.velocity[1, c + half, struck] if len(struck) else out.velocity[1, :c, :low][out.onset[1, :c, :low]]
        for q in np.flatnonzero(out.sustain[1, c, :low] & ~out.onset[1, c, :low]):
            t = c
            while t < out.n_steps and out.sustain[1, t, q] and not out.onset[1, t, q]:
                out.sustain[1, t, q] = False
                t += 1
        out.onset[1, c, j] = True
        out.sustain[1, c + 1 : c + half, j] = True
        out.velocity[1, c, j] = int(source[-1]) if len(source) else 70
    return out


def _missing_tones(
    notes: np.ndarray, step: int, n_steps: int, chord_pcs: np.ndarray, velocity: int, roll: PianoRoll
) -> np.ndarray:
    """int (K, 5): accompaniment notes struck at `step` for each chord tone none of its notes there has,
    each the first of its pitch class from a fifth above the bass (and at least C3) up."""
    chord = notes[(notes[:, 0] == step) & (notes[:, 4] == 1), 1]
    if not len(chord):
        return np.zeros((0, 5), np.int64)
    floor = max(int(chord.min()) + 7, 48)
    have = set((chord % 12).tolist())
    pitches = [floor + (pc - floor) % 12 for pc in np.flatnonzero(chord_pcs) if pc not in have]
    top = roll.pitch_low + roll.onset.shape[2]
    return np.array([[step, p, n_steps - step, velocity, 1] for p in pitches if p < top], np.int64).reshape(-1, 5)
