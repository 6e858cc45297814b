"""MIDI export: a type-1 file a DAW opens (tempo, 4/4, named tracks with GM programs, shot markers)."""

from __future__ import annotations

import os

from ..music.midi import write_midi
from ..music.notes import Score
from ..progress import ProgressFn, no_progress


def export_midi(
    score: Score, path: str | os.PathLike, programs: tuple[int, ...] = (0, 0), progress: ProgressFn = no_progress
) -> None:
    """Write the score as type-1 MIDI, atomically (a track and channel per part, with its programs)."""
    progress(0, 1, "writing MIDI")
    write_midi(score, path, programs)
    progress(1, 1, "writing MIDI")
