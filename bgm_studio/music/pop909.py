"""POP909 loading: notes quantised on each song's own beat annotations, chords and keys per beat.

MELODY becomes the melody track; BRIDGE and PIANO the accompaniment. Beat times come
from beat_midi.txt, so a song with tempo drift stays on the 16th grid; the grid is
padded at the start so that bar lines fall on the annotated 4/4 downbeats, or one to three beats
later where the song's chord changes and bass strikes clearly fall there (`downbeat_phase`).
The split is fixed: songs 001-818 train, 819-909 test.
"""

from __future__ import annotations

import hashlib
import os
import re
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, TypeVar

import numpy as np

from ..cache_root import cache_root
from ..errors import BgmError
from ..limits import MAX_BEATS
from .harmony import NO_CHORD, Chord, Key, parse_chord, parse_key
from .metrics import BASS_CEILING
from .midi import RawMidi, read_raw, ticks_to_seconds, track_of
from . import song_cache
from .notes import BEATS_PER_BAR, MELODY, STEPS_PER_BAR, STEPS_PER_BEAT, Note, Score

L = TypeVar("L")  # a label parsed from an annotation file

TRAIN_IDS = tuple(f"{i:03d}" for i in range(1, 819))
TEST_IDS = tuple(f"{i:03d}" for i in range(819, 910))
SPLITS = {"train": TRAIN_IDS, "test": TEST_IDS, "all": TRAIN_IDS + TEST_IDS}


def songs_in_range(text: str, split: str) -> list[str]:
    """The split's song ids from FIRST to LAST ('771-818', or one song: '826'), both included: a
    validation set within a split (the train split's 771-818 are the songs settings are judged on)."""
    found = re.fullmatch(r"\s*([0-9]{1,4})\s*(?:-\s*([0-9]{1,4})\s*)?", text)
    if not found:
        raise BgmError(f"--songs {text!r}: give a song number or a range such as 771-818")
    lo, hi = int(found[1]), int(found[2] or found[1])
    ids = [sid for sid in SPLITS[split] if lo <= int(sid) <= hi]
    if not ids:
        span = f"{SPLITS[split][0]}-{SPLITS[split][-1]}"
        raise BgmError(f"--songs {text}: no {split} song in that range (the {split} split is songs {span})")
    return ids


# 2: the cache is an .npz of plain arrays (never a pickle); 3: bar lines moved onto the music's downbeats
LOADER_VERSION = 3
# How much more of the chord changes and bass strikes (as shares, summed) a beat must hold than the
# annotated downbeat for the bar lines to move there
PHASE_MARGIN = 0.3
DEFAULT_ROOT = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "pop909"
NOTE_COLUMNS = ("start", "pitch", "length", "velocity", "track")


@dataclass
class Song:
    """One POP909 song on the grid.

    notes: int32 (N, 5) with columns NOTE_COLUMNS; per-beat arrays have n_beats rows:
    chord_root (-1 = no chord), chord_pcs (n_beats, 12) bool, key_tonic, key_minor.
    """

    song_id: str
    notes: np.ndarray
    n_steps: int
    tempo_bpm: float
    chord_root: np.ndarray
    chord_pcs: np.ndarray
    key_tonic: np.ndarray
    key_minor: np.ndarray

    @property
    def n_beats(self) -> int:
        return self.n_steps // STEPS_PER_BEAT

    def score(self) -> Score:
        return Score(notes_from_array(self.notes), self.n_steps, self.tempo_bpm)


def notes_to_array(notes: list[Note]) -> np.ndarray:
    """Notes -> int32 (N, 5) array with columns NOTE_COLUMNS."""
    arr = np.array([(n.start, n.pitch, n.length, n.velocity, n.track) for n in notes], dtype=np.int32)
    return arr.reshape(-1, 5)


def notes_from_array(arr: np.ndarray) -> list[Note]:
    return [Note(*map(int, row)) for row in arr]


def default_root() -> Path:
    return Path(os.environ.get("BGM_POP909", DEFAULT_ROOT)).resolve()


def _read_table(path: Path, min_cols: int) -> list[list[str]]:
    if not path.is_file():
        raise BgmError(f"{path}: annotation file missing")
    rows = [line.split() for line in path.read_text().splitlines() if line.strip()]
    if not rows or any(len(r) < min_cols for r in rows):
        raise BgmError(f"{path}: malformed annotation file (expected {min_cols} columns per line)")
    return rows


def read_beats(path: Path) -> tuple[np.ndarray, int]:
    """Beat times (s) and the number of padding beats that puts the first 4/4 downbeat on a bar line."""
    rows = _read_table(path, 3)
    try:
        times = np.array([float(r[0]) for r in rows])
        downbeat = np.array([float(r[2]) for r in rows]) > 0.5
    except ValueError as exc:
        raise BgmError(f"{path}: malformed annotation file ({exc})") from exc
    if len(times) < 2 or np.any(np.diff(times) <= 0):
        raise BgmError(f"{path}: beat times must increase")
    first = int(np.argmax(downbeat)) if downbeat.any() else 0
    return times, (BEATS_PER_BAR - first % BEATS_PER_BAR) % BEATS_PER_BAR


def seconds_to_beats(seconds: np.ndarray, beat_times: np.ndarray) -> np.ndarray:
    """Fractional beat index by piecewise-linear interpolation, extrapolated at both ends."""
    idx = np.arange(len(beat_times), dtype=np.float64)
    pos = np.interp(seconds, beat_times, idx)
    first_period = beat_times[1] - beat_times[0]
    last_period = beat_times[-1] - beat_times[-2]
    pos = np.where(seconds < beat_times[0], (seconds - beat_times[0]) / first_period, pos)
    beats: np.ndarray = np.where(seconds > beat_times[-1], idx[-1] + (seconds - beat_times[-1]) / last_period, pos)
    return beats


def _labels_per_beat(
    rows: list[list[str]], beat_times: np.ndarray, parse: Callable[[str], L], default: L | None
) -> list[L]:
    """For each beat, the label of the annotated span that contains it (nearest span otherwise)."""
    starts = np.array([float(r[0]) for r in rows])
    labels = [parse(r[2]) for r in rows]
    idx = np.clip(np.searchsorted(starts, beat_times + 1e-3, side="right") - 1, 0, len(rows) - 1)
    ends = np.array([float(r[1]) for r in rows])
    return [labels[i] if beat_times[b] < ends[i] + 1e-3 or default is None else default for b, i in enumerate(idx)]


def load_song(folder: str | os.PathLike[str]) -> Song:
    """Load one POP909 song folder (NNN/NNN.mid plus annotations), its bar lines on the music's downbeats."""
    folder = Path(folder)
    beat_times, pad = read_beats(folder / "beat_midi.txt")
    raw = read_raw(folder / f"{folder.name}.mid")
    song = _on_grid(folder, raw, beat_times, pad)
    phase = downbeat_phase(song)
    if phase:
        song = _on_grid(folder, raw, beat_times, (pad + BEATS_PER_BAR - phase) % BEATS_PER_BAR)
    return song


def downbeat_phase(song: Song) -> int:
    """The beat of the grid's bars (0-3) on which the song's own downbeats fall: where its chord
    changes and bass strikes on beats gather, when that beat holds PHASE_MARGIN more of them (as
    shares, summed) than the bar line does; else 0.

    beat_midi.txt marks downbeats by machine, and for a fifth of POP909 its marks sit a beat or two
    off the music's: the chords change on the second or fourth beat of every bar and the bass
    strikes there (song 805: 52% of its bass strikes on beat 2, 2% on beat 1). Models learned the
    bar from those songs too. A song changing chords every two beats weighs beats 0 and 2 about
    alike and keeps its annotated bars.
    """
    root, pcs = song.chord_root, song.chord_pcs
    change = np.flatnonzero(((root[1:] != root[:-1]) | (pcs[1:] != pcs[:-1]).any(axis=1)) & (root[1:] >= 0)) + 1
    notes = song.notes
    bass = notes[(notes[:, 4] != MELODY) & (notes[:, 1] < BASS_CEILING) & (notes[:, 0] % STEPS_PER_BEAT == 0)]
    weight = np.zeros(BEATS_PER_BAR)
    for beats in (change, bass[:, 0] // STEPS_PER_BEAT):
        if len(beats):
            weight += np.bincount(beats % BEATS_PER_BAR, minlength=BEATS_PER_BAR) / len(beats)
    best = int(np.argmax(weight))
    return best if weight[best] - weight[0] >= PHASE_MARGIN else 0


def _on_grid(folder: Path, raw: RawMidi, beat_times: np.ndarray, pad: int) -> Song:
    """The song's notes, chords and keys on its beat grid, with `pad` beats before its first annotated beat."""
    starts = ticks_to_seconds(np.array([n.start_tick for n in raw.notes], dtype=np.float64), raw)
    ends = ticks_to_seconds(np.array([n.end_tick for n in raw.notes], dtype=np.float64), raw)
    start_beats, end_beats = seconds_to_beats(starts, beat_times) + pad, seconds_to_beats(ends, beat_times) + pad
    if len(raw.notes) and not (np.isfinite(end_beats).all() and end_beats.max() <= MAX_BEATS):
        raise BgmError(f"{folder}: the notes last more than {MAX_BEATS} beats of its beat annotation")
    start_steps = np.round(start_beats * STEPS_PER_BEAT).astype(np.int64)
    end_steps = np.round(end_beats * STEPS_PER_BEAT).astype(np.int64)
    rows = []
    for rn, s, e in zip(raw.notes, start_steps, end_steps):
        if s >= 0:
            rows.append((s, rn.pitch, max(1, e - s), rn.velocity, track_of(rn.track_name)))
    notes = np.array(sorted(rows), dtype=np.int32).reshape(-1, 5)
    n_beats = len(beat_times) + pad
    last = int((notes[:, 0] + notes[:, 2]).max()) if len(notes) else 0
    if max(last, n_beats * STEPS_PER_BEAT) > MAX_BEATS * STEPS_PER_BEAT:
        raise BgmError(f"{folder}: the song lasts more than {MAX_BEATS} beats; not a POP909 song")
    n_steps = -(-max(n_beats * STEPS_PER_BEAT, last) // STEPS_PER_BAR) * STEPS_PER_BAR
    grid_beats = n_steps // STEPS_PER_BEAT
    # Beat times on the padded grid, extrapolated where the annotation has none.
    period = float(np.median(np.diff(beat_times)))
    grid_times = beat_times[0] + (np.arange(grid_beats) - pad) * period
    grid_times[pad : pad + len(beat_times)] = beat_times
    chords: list[Chord] = _labels_per_beat(_read_table(folder / "chord_midi.txt", 3), grid_times, parse_chord, NO_CHORD)
    keys: list[Key] = _labels_per_beat(_read_table(folder / "key_audio.txt", 3), grid_times, parse_key, None)
    chord_pcs = np.zeros((grid_beats, 12), bool)
    for b, c in enumerate(chords):
        chord_pcs[b, list(c.pitch_classes)] = True
    return Song(
        song_id=folder.name,
        notes=notes,
        n_steps=n_steps,
        tempo_bpm=60.0 / period,
        chord_root=np.array([c.root for c in chords], np.int8),
        chord_pcs=chord_pcs,
        key_tonic=np.array([k.tonic for k in keys], np.int8),
        key_minor=np.array([k.mode == "min" for k in keys], bool),
    )


def _try_load(folder: Path) -> Song | str:
    try:
        return load_song(folder)
    except BgmError as exc:
        return str(exc)


def _fingerprint(root: Path, ids: tuple[str, ...]) -> str:
    h = hashlib.sha256(f"{LOADER_VERSION}|{root}".encode())
    for sid in ids:
        folder = root / sid
        for name in (f"{sid}.mid", "beat_midi.txt", "chord_midi.txt", "key_audio.txt"):
            try:
                st = (folder / name).stat()
                h.update(f"{sid}/{name}:{st.st_size}:{st.st_mtime_ns}".encode())
            except OSError:
                h.update(f"{sid}/{name}:missing".encode())
    return h.hexdigest()[:20]


def cache_dir() -> Path:
    return cache_root()


def load_split(
    split: str = "test",
    root: str | os.PathLike[str] | None = None,
    progress: Callable[..., Iterable[Song | str]] | None = None,
    workers: int = 2,
    use_cache: bool = True,
) -> tuple[list[Song], list[str]]:
    """Load a split ('train', 'test', 'all'); returns (songs, problems), one problem line per skipped song.

    The parsed result is cached (keyed by loader version and file sizes/mtimes).
    `progress`, if given, wraps an iterable (e.g. tqdm) to show progress.
    """
    if split not in SPLITS:
        raise BgmError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
    root = Path(root).resolve() if root else default_root()
    if not root.is_dir():
        raise BgmError(f"{root}: POP909 folder not found (set --pop909 or BGM_POP909)")
    ids = tuple(s for s in SPLITS[split] if (root / s).is_dir())
    if not ids:
        raise BgmError(f"{root}: no POP909 song folders (001..909) found")
    cache_file = cache_dir() / f"pop909-{split}-{_fingerprint(root, ids)}.npz"
    if use_cache:
        cached = song_cache.read(cache_file, Song)
        if cached is not None:
            return cached
    folders = [root / s for s in ids]
    # Spawned, not forked: a fork copies a process's locks but not the threads holding them (torch's,
    # Qt's), and a child that then needs one waits forever.
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        results: Iterable[Song | str] = pool.map(_try_load, folders, chunksize=8)
        if progress:
            results = progress(results, total=len(folders))
        results = list(results)
    songs = [r for r in results if isinstance(r, Song)]
    problems = [r for r in results if isinstance(r, str)]
    if use_cache:
        song_cache.write(cache_file, songs, problems)
    return songs, problems
