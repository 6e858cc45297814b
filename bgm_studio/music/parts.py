"""A piece's named parts: melody, accompaniment and bass, split from its note rows.

The model writes two tracks (melody, accompaniment). The bass is the accompaniment's
lowest line below about G3, one note at a time, so it can take an instrument of its own.
`split_parts` is the single place that decides it: a generator that writes a bass
track itself (track 2) passes through unchanged.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .notes import ACCOMPANIMENT

BASS = 2  # the bass's track number (melody 0, accompaniment 1 as in notes.py)
PARTS = ("melody", "accompaniment", "bass")  # part names by track number
BASS_CEILING = 55  # G3: the bass line stays below it


def split_parts(notes: ArrayLike, ceiling: int = BASS_CEILING) -> np.ndarray:
    """Note rows (start, pitch, length, velocity, track), shape=(N, 5) -> the same rows, bass on track 2.

    An accompaniment note joins the bass when it is the lowest note struck at its step,
    lies below `ceiling`, no lower accompaniment note is still sounding there, and the
    previous bass note has ended (the bass plays one note at a time). Rows keep their order.
    """
    out = np.array(notes, dtype=np.int64).reshape(-1, 5)
    acc = np.nonzero(out[:, 4] == ACCOMPANIMENT)[0]
    if not len(acc) or (out[:, 4] == BASS).any():
        return out
    starts, pitches, ends = out[acc, 0], out[acc, 1], out[acc, 0] + out[acc, 2]
    bass_end = 0
    order = np.lexsort((pitches, starts))  # by start, then lowest pitch first
    last_start = None
    for i in order:
        start, pitch = starts[i], pitches[i]
        if start == last_start:
            continue  # only the lowest note struck at a step can be bass
        last_start = start
        if pitch >= ceiling or start < bass_end:
            continue
        sounding_below = (starts < start) & (ends > start) & (pitches < pitch)
        if sounding_below.any():
            continue
        out[acc[i], 4] = BASS
        bass_end = int(ends[i])
    return out
