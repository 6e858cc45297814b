"""The parsed POP909 split on disk as one .npz of plain arrays, read with allow_pickle=False.

A cache file can be planted by anyone who can write the cache folder, so it holds no
objects that run code when read: songs are concatenated arrays with offsets, and a file
that does not have exactly this shape is treated as missing.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from ..atomic import atomic_path
from ..cache_root import warn_unwritable
from ..errors import BgmError
from .notes import STEPS_PER_BEAT

if TYPE_CHECKING:
    from .pop909 import Song

_BEAT_ARRAYS = ("chord_root", "chord_pcs", "key_tonic", "key_minor")


def pack(songs: list[Song], problems: list[str]) -> dict[str, Any]:
    """Songs -> named plain arrays (no object dtype anywhere)."""
    return {
        "ids": np.array([s.song_id for s in songs], dtype="U16"),
        "n_steps": np.array([s.n_steps for s in songs], np.int64),
        "tempo_bpm": np.array([s.tempo_bpm for s in songs], np.float64),
        "note_counts": np.array([len(s.notes) for s in songs], np.int64),
        "notes": np.concatenate([s.notes for s in songs]).astype(np.int32) if songs else np.zeros((0, 5), np.int32),
        **{name: np.concatenate([getattr(s, name) for s in songs]) if songs else np.zeros(0) for name in _BEAT_ARRAYS},
        "problems": np.array(problems, dtype=str) if problems else np.zeros(0, "U1"),
    }


def unpack(arrays: Mapping[str, np.ndarray], song_type: type[Song]) -> tuple[list[Song], list[str]]:
    """Named arrays -> (songs, problems); ValueError when they do not fit together."""
    ids, n_steps, counts = arrays["ids"], arrays["n_steps"], arrays["note_counts"]
    notes, tempo = arrays["notes"], arrays["tempo_bpm"]
    beats = n_steps // STEPS_PER_BEAT
    beat_arrays = {name: arrays[name] for name in _BEAT_ARRAYS}
    if (
        not (len(ids) == len(n_steps) == len(counts) == len(tempo))
        or notes.ndim != 2
        or notes.shape[1] != 5
        or counts.sum() != len(notes)
        or any(len(a) != beats.sum() for a in beat_arrays.values())
        or (counts < 0).any()
        or (n_steps < 0).any()
    ):
        raise ValueError("inconsistent song cache")
    note_ends, beat_ends = np.cumsum(counts), np.cumsum(beats)
    songs = [
        song_type(
            song_id=str(sid),
            notes=notes[ne - c : ne],
            n_steps=int(n),
            tempo_bpm=float(t),
            **{name: a[be - b : be] for name, a in beat_arrays.items()},
        )
        for sid, n, t, c, ne, b, be in zip(ids, n_steps, tempo, counts, note_ends, beats, beat_ends)
    ]
    return songs, [str(p) for p in arrays["problems"]]


def read(path: Path, song_type: type[Song]) -> tuple[list[Song], list[str]] | None:
    """The cached split, or None when the file is missing, damaged or not ours."""
    try:
        with np.load(path, allow_pickle=False) as arrays:
            return unpack(arrays, song_type)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None


def write(path: Path, songs: list[Song], problems: list[str]) -> None:
    """Store the split atomically; a cache that cannot be written costs a warning line, not the command."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp, open(tmp, "wb") as f:
            np.savez(f, **pack(songs, problems))
    except (OSError, BgmError) as exc:
        warn_unwritable(path, exc)
