"""Training windows from POP909: piano-roll tensors, chord rolls, controls and random segments.

Segments: POP909 has no shots, so each window is cut at 0-3 random beats; controls are
computed from the music itself, so the model learns to follow the controls of the
segment each step lies in. Augmentation: pitch shift by -5..+6 semitones (notes, chords
and key move together).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..controls.music_controls import Controls, controls_from_roll
from ..music.notes import STEPS_PER_BAR, STEPS_PER_BEAT
from ..music.pianoroll import PianoRoll, notes_to_roll
from ..music.pop909 import Song
from .denoiser import MODEL_PITCH_LOW, MODEL_PITCHES

MODEL_PITCH_NUMBERS = np.arange(MODEL_PITCH_LOW, MODEL_PITCH_LOW + MODEL_PITCHES)


@dataclass
class SongRoll:
    """A song on the model grid: onset velocities and sustain flags (2, T, 96) plus per-beat labels."""

    velocity: np.ndarray  # uint8 (2, T, 96)
    sustain: np.ndarray  # bool (2, T, 96)
    chord_pcs: np.ndarray  # bool (n_beats, 12)
    chord_root: np.ndarray  # int (n_beats,)
    minor: np.ndarray  # bool (n_beats,)


def model_roll(notes: np.ndarray, n_steps: int) -> PianoRoll:
    """Note rows (start, pitch, length, velocity, track) -> piano roll on the model's 96-pitch grid."""
    return notes_to_roll(notes, n_steps, MODEL_PITCH_LOW, MODEL_PITCHES)


def song_to_roll(song: Song) -> SongRoll:
    roll = model_roll(song.notes, song.n_steps)
    return SongRoll(roll.velocity, roll.sustain, song.chord_pcs, song.chord_root.astype(np.int64), song.key_minor)


def chord_roll(chord_pcs: np.ndarray, chord_root: np.ndarray) -> np.ndarray:
    """Per-beat chords -> pitch-aligned (2, steps, 96) float: chord tones, root pitch class."""
    pcs = MODEL_PITCH_NUMBERS % 12
    tones = chord_pcs[:, pcs]  # (beats, 96)
    root = (chord_root[:, None] == pcs[None]) & (chord_root[:, None] >= 0)
    both = np.stack([tones, root]).astype(np.float32)  # (2, beats, 96)
    return np.repeat(both, STEPS_PER_BEAT, axis=1)


def shift_pitch(a: np.ndarray, k: int, axis: int) -> np.ndarray:
    """Move an array k places along axis, filling with zeros (notes pushed out are dropped)."""
    out = np.zeros_like(a)
    n = a.shape[axis]
    src = [slice(None)] * a.ndim
    dst = [slice(None)] * a.ndim
    src[axis] = slice(max(0, -k), n - max(0, k))
    dst[axis] = slice(max(0, k), n - max(0, -k))
    out[tuple(dst)] = a[tuple(src)]
    return out


def random_segment_starts(n_beats: int, rng: np.random.Generator, max_cuts: int = 3) -> np.ndarray:
    starts = np.zeros(n_beats, bool)
    n_cuts = rng.integers(0, max_cuts + 1)
    if n_cuts:
        starts[rng.choice(np.arange(2, n_beats - 1), size=n_cuts, replace=False)] = True
    return starts


@dataclass
class Window:
    """One training example (numpy): x0 in {0,1} (4, T, 96), chord roll (2, T, 96), controls."""

    roll: np.ndarray
    chords: np.ndarray
    controls: Controls


def sample_window(song: SongRoll, n_beats: int, rng: np.random.Generator, shift: int = 0) -> Window:
    n_bars = song.velocity.shape[1] // STEPS_PER_BAR
    bars = n_beats // 4
    start_bar = int(rng.integers(0, max(1, n_bars - bars + 1)))
    s0, s1 = start_bar * STEPS_PER_BAR, (start_bar + bars) * STEPS_PER_BAR
    b0, b1 = s0 // STEPS_PER_BEAT, s1 // STEPS_PER_BEAT
    vel = shift_pitch(song.velocity[:, s0:s1], shift, axis=2)
    sus = shift_pitch(song.sustain[:, s0:s1], shift, axis=2)
    pcs = np.roll(song.chord_pcs[b0:b1], shift, axis=1)
    root = np.where(song.chord_root[b0:b1] >= 0, (song.chord_root[b0:b1] + shift) % 12, -1)
    roll = np.stack([vel[0] > 0, sus[0], vel[1] > 0, sus[1]]).astype(np.float32)
    seg = random_segment_starts(n_beats, rng)
    controls = controls_from_roll(vel, MODEL_PITCH_NUMBERS, song.minor[b0:b1], seg, pcs, root)
    return Window(roll, chord_roll(pcs, root), controls)


def collate(windows: list[Window]) -> dict[str, torch.Tensor]:
    """Stack windows into the tensors the denoiser takes."""
    c = [w.controls for w in windows]
    return {
        "x0": torch.from_numpy(np.stack([w.roll for w in windows])) * 2 - 1,
        "chords": torch.from_numpy(np.stack([w.chords for w in windows])),
        "density": torch.tensor(np.stack([x.density for x in c]), dtype=torch.float32),
        "energy": torch.tensor(np.stack([x.energy for x in c]), dtype=torch.float32),
        "register": torch.tensor(np.stack([x.register for x in c]), dtype=torch.float32),
        "minor": torch.tensor(np.stack([x.minor for x in c]), dtype=torch.float32),
        "segment_start": torch.tensor(np.stack([x.segment_start for x in c])),
    }


class WindowSampler:
    """Random batches from a list of songs (length-weighted). Window i of step s is drawn from its own
    seed stream (seed, s, i), so a global batch is the same however many ranks share it out, and a
    run resumed at step s goes on with the batches it would have had."""

    def __init__(self, songs: list[SongRoll], n_beats: int, seed: int, augment: bool = True) -> None:
        self.songs = songs
        self.n_beats = n_beats
        self.seed = seed
        lengths = np.array([s.velocity.shape[1] for s in songs], dtype=np.float64)
        self.weights = lengths / lengths.sum()
        self.augment = augment

    def batch(self, step: int, indices: range) -> dict[str, torch.Tensor]:
        """Windows `indices` of step `step`'s global batch, collated, with each window's noise seed."""
        rngs = [np.random.default_rng([self.seed, step, i]) for i in indices]
        out = collate([self.window(rng) for rng in rngs])
        out["noise_seed"] = torch.tensor([int(rng.integers(2**62)) for rng in rngs])
        return out

    def window(self, rng: np.random.Generator) -> Window:
        """One window; near-silent intros and outros are drawn again."""
        while True:
            song = self.songs[rng.choice(len(self.songs), p=self.weights)]
            shift = int(rng.integers(-5, 7)) if self.augment else 0
            w = sample_window(song, self.n_beats, rng, shift)
            if (w.controls.density > 0).mean() >= 0.5:
                return w
