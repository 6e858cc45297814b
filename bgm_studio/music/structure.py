"""Phrase structure of POP909 songs: the human labels of ../pop909-structure, aligned to bars.

A label such as ``i4A4B8A4o3`` is a sequence of phrases, each a letter and a length in bars:
upper case for phrases with a melody (the same letter returns, same or varied), lower case for
phrases without one (intro, bridge, outro). The labels count bars from a corrected first
downbeat, which may differ by a few bars from the song's grid (bar 0 = the first annotated
downbeat, see pop909.load_song), so each song is aligned on where its melody starts.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import BgmError
from .notes import BEATS_PER_BAR, MELODY, STEPS_PER_BAR

if TYPE_CHECKING:
    from .pop909 import Song

LABEL_FILES = ("human_label2.txt", "human_label1.txt")  # label2 exists for every song
MAX_SHIFT_BARS = 8  # alignment search range either way
_PHRASE = re.compile(r"([A-Za-z])(\d+)")


def cadence_start(n_beats: int) -> int:
    """First beat of the closing cadence, the piece's final chord: the last downbeat that leaves it
    at least a half bar to ring."""
    return max(0, (n_beats - BEATS_PER_BAR // 2) // BEATS_PER_BAR * BEATS_PER_BAR)


@dataclass(frozen=True)
class Phrase:
    """One phrase: its letter, first bar on the song's grid and length in bars."""

    letter: str
    start_bar: int
    n_bars: int

    @property
    def end_bar(self) -> int:
        return self.start_bar + self.n_bars

    @property
    def has_melody(self) -> bool:
        return self.letter.isupper()


def phrase_returns(phrases: list[Phrase]) -> list[tuple[Phrase, Phrase]]:
    """(source, returning) for every phrase whose letter was heard before: the phrase it returns
    to, and the phrase itself. The source is the first phrase of that letter, or the phrase just
    before where that has the letter too: a return that follows another at once repeats at once
    (long_repeat_at_once), or A8 B8 A8 A8 played its last two phrases bar for bar alike, a loop."""
    first: dict[str, Phrase] = {}
    out = []
    for i, p in enumerate(phrases):
        if first.setdefault(p.letter, p) is not p:
            before = phrases[i - 1]
            at_once = before.letter == p.letter and before.end_bar == p.start_bar
            out.append((before if at_once else first[p.letter], p))
    return out


LONG_PHRASE = 8  # bars: a phrase this long repeated at once plays new accompaniment under its melody


def repeated_bars(source: Phrase, returning: Phrase) -> int:
    """How many bars of a returning phrase play its source's melody again: all it has room for
    (the melody writer writes the last of them anew, a second ending). In POP909 (train songs
    001-300) a melody repeated at once matches its source bar for bar with an onset overlap of 0.69
    in its first half and 0.57 in its second, and one back after other music 0.66."""
    return min(source.n_bars, returning.n_bars)


def long_repeat_at_once(source: Phrase, returning: Phrase) -> bool:
    """Whether the returning phrase follows its source of 8 bars or more at once. Within one shot its
    accompaniment is played anew (model.composer.restated_in_shot): POP909's accompaniment repeated
    at once overlaps its source by 0.42 and copies 13% of its bars exactly, and copied whole a long
    shot's music looped bar for bar 8 bars later."""
    return returning.start_bar == source.end_bar and source.n_bars >= LONG_PHRASE


RETURN_SLIP = 3  # beats: the most a returning phrase's harmony may run off its source's bar lines
SLIP_MARGIN = 0.1  # share of a return's beats an offset must match beyond no offset at all


def return_offset(source: Phrase, returning: Phrase, chord_root: np.ndarray, bars: int) -> int:
    """The beat offset (within RETURN_SLIP either way) at which the returning phrase's first `bars`
    bars follow their source's chord roots best: 0 unless another offset matches SLIP_MARGIN of the
    beats more. A song's return can run a beat or two off its bar lines (a bar of 2/4 before it,
    phrase labels that fall on whole bars), and it should still play what it returns to.
    chord_root: int per beat of the piece."""
    dst = returning.start_bar * BEATS_PER_BAR + np.arange(bars * BEATS_PER_BAR)
    dst = dst[dst < len(chord_root)]

    def matched(offset: int) -> float:
        src = source.start_bar * BEATS_PER_BAR + offset + np.arange(len(dst))
        ok = (src >= 0) & (src < returning.start_bar * BEATS_PER_BAR)
        return float((chord_root[src[ok]] == chord_root[dst[ok]]).sum()) / max(len(dst), 1)

    best = max(range(-RETURN_SLIP, RETURN_SLIP + 1), key=lambda d: (matched(d), -abs(d)))
    return best if matched(best) >= matched(0) + SLIP_MARGIN else 0


def parse_label(text: str) -> list[tuple[str, int]]:
    """'i4A4B8' -> [('i', 4), ('A', 4), ('B', 8)]; a malformed label is a BgmError."""
    text = text.strip()
    parts = _PHRASE.findall(text)
    if not parts or "".join(f"{a}{b}" for a, b in parts) != text:
        raise BgmError(f"malformed phrase label {text!r}")
    out = [(letter, int(n)) for letter, n in parts]
    if any(n < 1 or n > 64 for _, n in out):
        raise BgmError(f"phrase label {text!r} has a phrase length outside 1-64 bars")
    return out


def default_root() -> Path:
    from .pop909 import default_root as pop909_root

    return Path(os.environ.get("BGM_POP909_STRUCTURE", pop909_root().parent / "pop909-structure")).resolve()


def read_label(song_id: str, root: Path | None = None) -> list[tuple[str, int]]:
    """The phrase label of one song (label 2, else label 1)."""
    folder = (root or default_root()) / song_id
    for name in LABEL_FILES:
        path = folder / name
        if path.is_file():
            return parse_label(path.read_text())
    raise BgmError(f"{folder}: no phrase label file")


def align_phrases(label: list[tuple[str, int]], melody_onsets: np.ndarray, n_bars: int) -> list[Phrase]:
    """Place labelled phrases on a song's bars.

    The shift (in bars) is the one that puts the most melody onsets inside melody phrases and
    the fewest inside phrases without one, ties going to the shift nearest zero.
    melody_onsets: int, onset steps of the melody track.
    """
    bars = np.bincount(np.asarray(melody_onsets, int) // STEPS_PER_BAR, minlength=n_bars)[:n_bars]
    starts = np.concatenate([[0], np.cumsum([n for _, n in label])])
    best, best_score = 0, -np.inf
    for shift in sorted(range(-MAX_SHIFT_BARS, MAX_SHIFT_BARS + 1), key=abs):
        score = 0.0
        for (letter, _), a, b in zip(label, starts[:-1] + shift, starts[1:] + shift):
            inside = bars[max(a, 0) : max(min(b, n_bars), 0)].sum()
            score += inside if letter.isupper() else -inside
        if score > best_score:
            best, best_score = shift, score
    return [Phrase(letter, int(a) + best, n) for (letter, n), a in zip(label, starts[:-1])]


def song_phrases(song: Song, root: Path | None = None) -> list[Phrase]:
    """Aligned phrases of a pop909.Song, clipped to its bars (phrases wholly outside are dropped)."""
    n_bars = song.n_steps // STEPS_PER_BAR
    onsets = song.notes[song.notes[:, 4] == MELODY, 0]
    phrases = align_phrases(read_label(song.song_id, root), onsets, n_bars)
    out = []
    for p in phrases:
        a, b = max(p.start_bar, 0), min(p.end_bar, n_bars)
        if b > a:
            out.append(Phrase(p.letter, a, b - a))
    return out
