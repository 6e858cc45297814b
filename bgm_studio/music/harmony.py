"""Chord and key labels (Harte-style, as in POP909) -> pitch classes, and chords -> lead-sheet names.

A chord label reads ROOT:QUALITY[/BASS], e.g. "C:maj", "A:min7/b7"; "N" is no chord.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..errors import BgmError

PITCH_CLASS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
QUALITY_INTERVALS = {
    "maj": (0, 4, 7),
    "min": (0, 3, 7),
    "dim": (0, 3, 6),
    "aug": (0, 4, 8),
    "sus2": (0, 2, 7),
    "sus4": (0, 5, 7),
    "7": (0, 4, 7, 10),
    "maj7": (0, 4, 7, 11),
    "min7": (0, 3, 7, 10),
    "minmaj7": (0, 3, 7, 11),
    "maj6": (0, 4, 7, 9),
    "min6": (0, 3, 7, 9),
    "dim7": (0, 3, 6, 9),
    "hdim7": (0, 3, 6, 10),
    "sus4(b7)": (0, 5, 7, 10),
    "9": (0, 4, 7, 10, 2),
    "maj9": (0, 4, 7, 11, 2),
    "min9": (0, 3, 7, 10, 2),
    "5": (0, 7),
    "1": (0,),
}
DEGREE_SEMITONES = {1: 0, 2: 2, 3: 4, 4: 5, 5: 7, 6: 9, 7: 11, 9: 2, 11: 5, 13: 9}
MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
MINOR_SCALE = (0, 2, 3, 5, 7, 8, 10)  # natural minor


@dataclass(frozen=True)
class Chord:
    """root pitch class (0..11, -1 for no chord), quality name, bass pitch class, chord tones."""

    root: int
    quality: str
    bass: int
    pitch_classes: frozenset[int]

    @property
    def is_minor(self) -> bool:
        return self.quality.startswith(("min", "dim", "hdim"))


NO_CHORD = Chord(-1, "N", -1, frozenset())


def parse_pitch_class(name: str) -> int:
    """'C', 'F#', 'Bb', 'Cbb' -> 0..11."""
    if not name or name[0].upper() not in PITCH_CLASS:
        raise BgmError(f"bad pitch name {name!r}")
    pc = PITCH_CLASS[name[0].upper()]
    for acc in name[1:]:
        if acc == "#":
            pc += 1
        elif acc == "b":
            pc -= 1
        else:
            raise BgmError(f"bad pitch name {name!r}")
    return pc % 12


def _degree(text: str) -> int:
    shift = 0
    while text and text[0] in "#b":
        shift += 1 if text[0] == "#" else -1
        text = text[1:]
    if not text.isdigit() or int(text) not in DEGREE_SEMITONES:
        raise BgmError(f"bad chord degree {text!r}")
    return DEGREE_SEMITONES[int(text)] + shift


def parse_chord(label: str) -> Chord:
    """Parse one Harte label; unknown qualities fall back to their triad (maj/min) by prefix."""
    label = label.strip()
    if label in ("N", "X", ""):
        return NO_CHORD
    root_name, _, rest = label.partition(":")
    root = parse_pitch_class(root_name)
    quality, _, bass_text = (rest or "maj").partition("/")
    intervals = QUALITY_INTERVALS.get(quality)
    if intervals is None:
        intervals = QUALITY_INTERVALS["min" if quality.startswith("min") else "maj"]
    bass = (root + _degree(bass_text)) % 12 if bass_text else root
    pcs = frozenset((root + i) % 12 for i in intervals) | {bass}
    return Chord(root, quality, bass, pcs)


@dataclass(frozen=True)
class Key:
    """tonic pitch class and mode ('maj' or 'min')."""

    tonic: int
    mode: str

    @property
    def scale(self) -> frozenset[int]:
        steps = MAJOR_SCALE if self.mode == "maj" else MINOR_SCALE
        return frozenset((self.tonic + s) % 12 for s in steps)


def parse_key(label: str) -> Key:
    """'Gb:maj' / 'A:min' -> Key."""
    tonic, _, mode = label.strip().partition(":")
    mode = "min" if mode.startswith("min") else "maj"
    return Key(parse_pitch_class(tonic), mode)


ROOT_NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")  # lead-sheet spelling
QUALITY_SYMBOL = {
    "maj": "",
    "min": "m",
    "dim": "dim",
    "aug": "aug",
    "sus2": "sus2",
    "sus4": "sus4",
    "7": "7",
    "maj7": "maj7",
    "min7": "m7",
    "minmaj7": "m(maj7)",
    "maj6": "6",
    "min6": "m6",
    "dim7": "dim7",
    "hdim7": "m7b5",
    "sus4(b7)": "7sus4",
    "9": "9",
    "maj9": "maj9",
    "min9": "m9",
    "5": "5",
    "1": "(no3)",
}
NO_CHORD_NAME = "N.C."


def chord_name(root: int, pitch_classes: Sequence[bool] | np.ndarray) -> str:
    """Lead-sheet name of a chord given as a root (-1: none) and 12 chord-tone flags, e.g. 'Am', 'G7', 'Bdim'.

    A set of tones no quality matches exactly is named by the largest quality it contains, so
    every chord the chord model draws reads as a familiar symbol.
    """
    tones = [pc for pc in range(12) if pitch_classes[pc]]
    if root < 0 or not tones:
        return NO_CHORD_NAME
    intervals = {(pc - root) % 12 for pc in tones} | {0}
    fits = [q for q, iv in QUALITY_INTERVALS.items() if set(iv) <= intervals]
    quality = max(fits, key=lambda q: len(QUALITY_INTERVALS[q]))  # the first of the largest: maj before sus2
    return ROOT_NAMES[root % 12] + QUALITY_SYMBOL[quality]


def chord_changes(chord_root: np.ndarray, chord_pcs: np.ndarray) -> list[tuple[int, str]]:
    """(beat, chord name) at the first beat and at every beat whose chord differs from the one before.

    chord_root : shape=(n_beats,), -1 for no chord; chord_pcs : bool, shape=(n_beats, 12).
    """
    changes = []
    for beat, (root, pcs) in enumerate(zip(chord_root, chord_pcs)):
        if beat == 0 or root != chord_root[beat - 1] or list(pcs) != list(chord_pcs[beat - 1]):
            changes.append((beat, chord_name(int(root), pcs)))
    return changes
