"""POP909 human phrase labels (pop909-structure, beside the POP909 folder) placed on a song's bars.

A label such as `i4A8B8x1o3` lists phrases as a letter and a length in bars (upper case: with a
melody). The labels count bars from the authors' corrected first downbeat, which can differ
from beat_midi.txt's, so they are anchored on the melody: the first upper-case phrase starts
on the bar line nearest the first melody onset (a pickup of up to half a bar belongs to the
next bar). Checked on the test songs: with this anchor 82% of the boundaries between melody
phrases have a melody rest in the half-bar before them, against 70-78% one or two bars off.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from ..errors import BgmError
from .notes import MELODY, STEPS_PER_BAR
from .pop909 import Song, default_root

LABEL_FILES = ("human_label1.txt", "human_label2.txt")  # the first annotator's, else the second's
PHRASE = re.compile(r"([A-Za-z])(\d+)")


def parse_phrases(text: str) -> list[tuple[str, int]]:
    """'i4A8b2' -> [('i', 4), ('A', 8), ('b', 2)]; a label that is not such a sequence is an error."""
    text = text.strip()
    phrases = [(m[1], int(m[2])) for m in PHRASE.finditer(text)]
    if not phrases or "".join(f"{letter}{bars}" for letter, bars in phrases) != text or min(b for _, b in phrases) < 1:
        raise ValueError(f"not a phrase label: {text[:40]!r}")
    return phrases


def structure_root(pop909_root: str | os.PathLike | None = None) -> Path:
    """The pop909-structure folder beside the POP909 folder."""
    return Path(pop909_root or default_root()).resolve().parent / "pop909-structure"


def read_phrases(song_id: str, root: str | os.PathLike) -> list[tuple[str, int]]:
    """The phrase labels of one song (the first annotator's where there are two)."""
    for name in LABEL_FILES:
        path = Path(root) / song_id / name
        if path.is_file():
            try:
                return parse_phrases(path.read_text())
            except ValueError as exc:
                raise BgmError(f"{path}: {exc}") from exc
    raise BgmError(f"{Path(root) / song_id}: no phrase labels ({' or '.join(LABEL_FILES)})")


def phrase_start_bars(song: Song, phrases: list[tuple[str, int]]) -> np.ndarray:
    """int: the bar on the song's grid where each phrase starts, anchored on the first melody onset
    (the labels as they are if the song has no melody or no upper-case phrase)."""
    lengths = np.array([bars for _, bars in phrases])
    starts = np.r_[0, np.cumsum(lengths)[:-1]]
    melody = song.notes[song.notes[:, 4] == MELODY]
    first_sung = next((i for i, (letter, _) in enumerate(phrases) if letter.isupper()), None)
    if not len(melody) or first_sung is None:
        return starts
    first_bar = (int(melody[:, 0].min()) + STEPS_PER_BAR // 2) // STEPS_PER_BAR
    return starts + first_bar - starts[first_sung]
