"""Accompaniment figures: one bar of a real pianist's left and right hand, written against its chords.

POP909's piano parts are mostly figures that follow the chords: a bass on the beat, a broken chord
or an arpeggio in eighths, block chords on the beats. A figure keeps each note's place in the bar,
its length and its role in the chord of its beat (root, third, fifth, seventh, counted up the
chord's tones; or a passing tone's interval from the root), with the pitch it was played at.
Realized on other chords, each note takes the same role in its beat's new chord, within a tritone
of where it was played, and on the same side of G3: the bass stays bass and the hand above stays
above, so moving figures to other chords does not thicken the bass. The library holds every figure of the train songs' bars, each linked to
the figure its pianist played in the next bar and kept with the chords it was played over, so that
a bar can find the figures written for its own chords in any key (`build_library`,
`TextureLibrary.over_same_chords`); `models/textures.npz` is built from songs 001-802.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..atomic import atomic_path
from ..errors import BgmError
from ..input_file import absent_reason
from ..music.metrics import BASS_CEILING
from ..music.notes import ACCOMPANIMENT, BEATS_PER_BAR, STEPS_PER_BAR, STEPS_PER_BEAT
from ..music.pop909 import Song
from .locate import resolve_textures

STEP, BASE, ROLE, LENGTH, PITCH = range(5)  # columns of a figure's notes
MAX_LENGTH = 2 * STEPS_PER_BAR  # a figure's note may ring into the next bar (3% of POP909's accompaniment does)
PASSING = 100  # role of a note outside its beat's chord: PASSING + its interval above the root
MAX_ROLE = 8  # roles beyond the chord's tones climb by octaves; this many are tabled per beat
# A bass note moved onto another chord may rise over G3 as far as B3, joining the hand above, as POP909's
# left hand plays there; from C4 it sounds an octave lower. Dropped an octave wherever it crossed G3, the
# accompaniment's notes F#3-B3 fell to 0.19 of them (songs 0.26) and F#2-B2 rose to 0.11 (0.08; songs 771-794).
BASS_TOP = 60
LIBRARY_SONGS = frozenset(f"{i:03d}" for i in range(1, 803))  # train songs; 803-818 stay unseen for validation


def chord_intervals(pcs: np.ndarray, root: int) -> np.ndarray:
    """The chord's tones as intervals above its root, ascending (root first)."""
    return np.array(sorted((int(pc) - root) % 12 for pc in np.flatnonzero(pcs)), np.int64)


def encode_bar(notes: np.ndarray, chord_root: np.ndarray, chord_pcs: np.ndarray) -> np.ndarray | None:
    """int16 (n, 5) figure [step, base, role, length, pitch] of one bar's notes, or None where a
    note's beat has no chord. notes: (n, 3) [step in bar, pitch, length]; chord_root (4,), chord_pcs
    (4, 12) per beat of the bar. base: the pitch of the chord's root at or below the note."""
    out = np.zeros((len(notes), 5), np.int16)
    for i, (step, pitch, length) in enumerate(notes):
        beat = int(step) // STEPS_PER_BEAT
        root = int(chord_root[beat])
        if root < 0:
            return None
        interval = (int(pitch) - root) % 12
        tones = chord_intervals(chord_pcs[beat], root)
        role = int(np.flatnonzero(tones == interval)[0]) if interval in tones else PASSING + interval
        out[i] = (step, int(pitch) - interval, role, min(int(length), MAX_LENGTH), pitch)
    return out


def role_table(chord_root: np.ndarray, chord_pcs: np.ndarray) -> np.ndarray:
    """int (beats, MAX_ROLE + 12): for each beat the interval above its root that each role takes
    (the chord's tones, then up by octaves), then the PASSING roles' intervals as they are."""
    out = np.zeros((len(chord_root), MAX_ROLE + 12), np.int64)
    out[:, MAX_ROLE:] = np.arange(12)
    roles = np.arange(MAX_ROLE)
    for b, (root, pcs) in enumerate(zip(chord_root, chord_pcs)):
        tones = chord_intervals(pcs, int(root)) if root >= 0 else np.zeros(0, np.int64)
        tones = tones if len(tones) else np.zeros(1, np.int64)
        out[b, :MAX_ROLE] = tones[roles % len(tones)] + 12 * (roles // len(tones))
    return out


def realize(figure: np.ndarray, chord_root: np.ndarray, table: np.ndarray) -> np.ndarray:
    """int (n,) MIDI pitches of a figure's notes played against a bar's chords: chord_root (4,)
    per beat and its role_table. Each note keeps its role and lies within a tritone of where it
    was played: a note above the bass an octave higher where that would take it under G3
    (BASS_CEILING), a bass note an octave lower where it would reach C4 (BASS_TOP)."""
    f = figure.astype(np.int64)
    beat = f[:, STEP] // STEPS_PER_BEAT
    move = (chord_root[beat] - f[:, BASE] + 6) % 12 - 6  # the new root within a tritone of the old
    role = f[:, ROLE]
    col = np.where(role >= PASSING, MAX_ROLE + role - PASSING, np.minimum(role, MAX_ROLE - 1))
    pitch = f[:, BASE] + move + table[beat, col]
    was_bass = f[:, PITCH] < BASS_CEILING
    return pitch + 12 * (~was_bass & (pitch < BASS_CEILING)) - 12 * (was_bass & (pitch >= BASS_TOP))


SAME_CHORDS_KEPT = 256  # chord shapes whose figures over_same_chords keeps (a mask of the library each)


@dataclass(frozen=True)
class TextureLibrary:
    """Every figure: notes int16 (M, 5) in figure order, start int (F + 1,) offsets into them,
    beat_onsets int16 (F, 4) onsets in each beat of the figure, following int (F,) the figure the
    same pianist played in the next bar (-1: none), song int (F,) the song it comes from (figures
    of a song lie together, in its order), chord_root int8 (F, 4) and chord_tones uint16 (F, 4) the
    chords it was played over: per beat the root (-1: none) and its pitch classes as bits 0-11."""

    notes: np.ndarray
    start: np.ndarray
    beat_onsets: np.ndarray
    following: np.ndarray
    song: np.ndarray
    chord_root: np.ndarray
    chord_tones: np.ndarray

    def __len__(self) -> int:
        return len(self.start) - 1

    def figure(self, i: int) -> np.ndarray:
        return self.notes[self.start[i] : self.start[i + 1]]

    def figures_of_song(self, song: int) -> np.ndarray:
        """Indices of the figures of one song."""
        return np.arange(np.searchsorted(self.song, song), np.searchsorted(self.song, song, side="right"))

    @cached_property
    def song_bar_notes(self) -> tuple[np.ndarray, np.ndarray]:
        """(songs, the median notes of each song's figures), in song order: how busy its pianist plays."""
        songs = np.unique(self.song)
        notes = self.beat_onsets.sum(axis=1)
        return songs, np.array([np.median(notes[self.figures_of_song(s)]) for s in songs])

    def kindred_of(self, song: int) -> np.ndarray:
        """The other songs in order of how like the given song's pianist theirs play (_styles)."""
        songs, _ = self.song_bar_notes
        apart = ((self._styles - self._styles[np.searchsorted(songs, song)]) ** 2).sum(axis=1)
        order = songs[np.argsort(apart, kind="stable")]
        return order[order != song]

    def kindred_figures(self, song: int, n: int) -> np.ndarray:
        """Indices of the figures of the n songs whose pianists play likest the given song's (kindred_of)."""
        return np.concatenate(
            [np.zeros(0, np.int64)] + [self.figures_of_song(int(s)) for s in self.kindred_of(song)[:n]]
        )

    @cached_property
    def _styles(self) -> np.ndarray:
        """float (songs, 18): per song (in song_bar_notes' order), how its pianist plays: the share
        of its onsets on each step of the bar (x 4), the spread of its pitches (sd, / 10 semitones)
        and its usual bar's notes (/ 8): weights set by hand, not tuned, so that a quarter of the
        onsets on one step, ten semitones of spread and eight notes a bar each count 1."""
        songs, usual = self.song_bar_notes
        row = np.searchsorted(songs, self.song)
        places = np.zeros((len(songs), STEPS_PER_BAR))
        np.add.at(places, row, self.onset_steps)
        note_row = np.repeat(row, np.diff(self.start))
        pitch = self.notes[:, PITCH].astype(np.float64)
        count = np.bincount(note_row, minlength=len(songs))
        mean = np.bincount(note_row, pitch, len(songs)) / count
        spread = np.sqrt(np.maximum(np.bincount(note_row, pitch**2, len(songs)) / count - mean**2, 0))
        return np.column_stack([4 * places / places.sum(axis=1, keepdims=True), spread / 10, usual / 8])

    def save(self, path: str | os.PathLike, inputs: tuple[str | os.PathLike, ...] = ()) -> None:
        """Write the library (atomically; never over one of `inputs`)."""
        with atomic_path(path, inputs) as tmp, open(tmp, "wb") as f:
            np.savez_compressed(
                f,
                notes=self.notes,
                start=self.start,
                beat_onsets=self.beat_onsets,
                following=self.following,
                song=self.song,
                chord_root=self.chord_root,
                chord_tones=self.chord_tones,
            )

    @classmethod
    def load(cls, path: str | os.PathLike | None = None) -> TextureLibrary:
        """Read a library written by save; one-line errors for a missing or damaged file."""
        path = resolve_textures(path)
        if not path.is_file():
            raise BgmError(
                f"{path}: {absent_reason(path, 'texture library')} (build one with `bgm-studio train --textures`)"
            )
        try:
            with np.load(path, allow_pickle=False) as z:
                fields = {name: z[name] for name in z.files if name in cls.__dataclass_fields__}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
            raise BgmError(f"{path}: not a texture library ({e.__class__.__name__})") from None
        if "notes" not in fields:
            raise BgmError(f"{path}: not a texture library (no figures in it)")
        if (
            len(fields) < len(cls.__dataclass_fields__)
            or fields["notes"].ndim != 2
            or fields["notes"].shape[1] != PITCH + 1
        ):
            raise BgmError(
                f"{path}: texture library of an older format (rebuild it with `bgm-studio train --textures`)"
            )
        return cls(**fields)

    def over_same_chords(self, beat0: int, beat1: int, chord_root: np.ndarray, chord_pcs: np.ndarray) -> np.ndarray:
        """bool (F,), read-only: the figures played over the same chords as beats [beat0, beat1) of a
        bar, moved to any key: each beat's root the same interval from the first beat's, and the same
        chord built on it. chord_root (4,), chord_pcs (4, 12) of the bar; a beat without a chord
        matches none. Kept by the chords' shape (SAME_CHORDS_KEPT of them): a piece's progressions
        return, and each pass over the whole library took a tenth of choosing a long piece's figures."""
        roots = chord_root[beat0:beat1].astype(np.int64)
        if (roots < 0).any():
            return np.zeros(len(self), bool)
        shapes = chord_shape(tones_bits(chord_pcs[beat0:beat1]), roots)
        key = (beat0, beat1, tuple((roots - roots[0]) % 12), tuple(shapes))
        kept = self._same_chords_kept
        same = kept.get(key)
        if same is None:
            own = self.chord_root[:, beat0:beat1].astype(np.int64)
            moved = ((own - own[:, :1]) % 12 == (roots - roots[0]) % 12).all(axis=1)
            same = moved & (own >= 0).all(axis=1) & (self._shapes[:, beat0:beat1] == shapes).all(axis=1)
            same.flags.writeable = False
            if len(kept) >= SAME_CHORDS_KEPT:
                kept.clear()
            kept[key] = same
        return same

    @cached_property
    def _same_chords_kept(self) -> dict[tuple, np.ndarray]:
        """over_same_chords' answers by the chords' shape."""
        return {}

    @cached_property
    def onset_steps(self) -> np.ndarray:
        """bool (F, steps of a bar): the steps each figure strikes a note on."""
        out = np.zeros((len(self), STEPS_PER_BAR), bool)
        figure = np.repeat(np.arange(len(self)), np.diff(self.start))
        out[figure, self.notes[:, STEP]] = True
        return out

    @cached_property
    def _shapes(self) -> np.ndarray:
        """int (F, 4): per beat the chord each figure was played over, moved onto C (chord_shape)."""
        return chord_shape(self.chord_tones, self.chord_root)


def tones_bits(pcs: np.ndarray) -> np.ndarray:
    """Chords' pitch classes (..., 12) bool as bits 0-11."""
    return (pcs.astype(np.int64) << np.arange(12)).sum(axis=-1)


def chord_shape(tones: np.ndarray, root: np.ndarray) -> np.ndarray:
    """Chords' tones (bits 0-11) as bits of their intervals above the root (elementwise): each
    chord moved onto C, so chords of one kind on any root compare equal."""
    tones, root = np.asarray(tones, np.int64), np.maximum(np.asarray(root, np.int64), 0)
    return ((tones >> root) | (tones << (12 - root))) & 0xFFF


def song_figures(song: Song) -> list[np.ndarray | None]:
    """The figure of each bar of a song's accompaniment; None for a bar without notes, or with
    notes on a beat without a chord."""
    acc = song.notes[song.notes[:, 4] == ACCOMPANIMENT]
    bar_of = acc[:, 0] // STEPS_PER_BAR
    out: list[np.ndarray | None] = []
    for bar in range(song.n_steps // STEPS_PER_BAR):
        rows = acc[bar_of == bar]
        beats = bar * BEATS_PER_BAR + np.arange(BEATS_PER_BAR)
        notes = np.stack([rows[:, 0] - bar * STEPS_PER_BAR, rows[:, 1], rows[:, 2]], axis=1)
        out.append(encode_bar(notes, song.chord_root[beats], song.chord_pcs[beats]) if len(rows) else None)
    return out


def build_library(songs: list[Song]) -> TextureLibrary:
    """Every figure of the songs' bars, in song order, each linked to the next bar's."""
    figures: list[np.ndarray] = []
    following: list[int] = []
    source: list[int] = []
    tones: list[np.ndarray] = []  # each beat's pitch classes as bits
    roots: list[np.ndarray] = []
    for number, song in enumerate(songs):
        previous = False
        bits = tones_bits(song.chord_pcs)
        for bar, fig in enumerate(song_figures(song)):
            if fig is None:
                previous = False
                continue
            if previous:
                following[-1] = len(figures)
            figures.append(fig)
            following.append(-1)
            source.append(number)
            beats = bar * BEATS_PER_BAR + np.arange(BEATS_PER_BAR)
            roots.append(song.chord_root[beats])
            tones.append(bits[beats])
            previous = True
    start = np.concatenate([[0], np.cumsum([len(f) for f in figures])]).astype(np.int64)
    beat_onsets = np.stack([np.bincount(f[:, STEP] // STEPS_PER_BEAT, minlength=BEATS_PER_BAR) for f in figures])
    return TextureLibrary(
        np.concatenate(figures).astype(np.int16),
        start,
        beat_onsets.astype(np.int16),
        np.array(following, np.int64),
        np.array(source, np.int64),
        np.array(roots, np.int8).reshape(-1, BEATS_PER_BAR),
        np.array(tones, np.uint16).reshape(-1, BEATS_PER_BAR),
    )
