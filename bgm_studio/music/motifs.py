"""Motifs: where a melody bar takes up the rhythm, or the notes, of a bar 1, 2 or 4 before it in its phrase.

Pop melodies build phrases from a few rhythms. In POP909 (train songs 001-802, their labelled
melodic phrases), bars 4-7 of an 8-bar phrase play exactly the onset rhythm of the bar 4 before
17-23% of the time and bars 2-3 that of the bar 2 before 12-23%; some play its notes too. A
melody model sampled one step at a time wrote every bar's rhythm anew: 7% of its bar pairs 4
apart shared most onset places, against 30-37% in the songs.

What is learned (MotifModel.fit): for each bar's place in its phrase (bar in phrase, up to 8;
whether it is the phrase's last; whether the phrase is 8 bars or longer) and for which of the bars
4, 2 and 1 before it in the phrase it has the same chords under it, how often a bar repeats the
onset places of the bar 4, 2 or 1 before it (the first of those that matches), and how often its
pitches too. A melody plays its notes again mostly over the same chords: in songs 700-818, bars 4
apart share 32% of their onsets (pitch and place) where the chords under them are the same and 7%
where they are not; with odds learned regardless of the chords, ours shared 16% and 5%. Drawn per
bar (MotifModel.draw), these tell the melody writer which bars take up an earlier bar's rhythm or
notes; the melody model still chooses every pitch of a rhythm repeat.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from ..atomic import atomic_path
from ..errors import BgmError
from .form_metrics import bar_onset_sets
from .notes import BEATS_PER_BAR, MELODY, STEPS_PER_BAR
from .structure import Phrase

DEFAULT_MOTIF_MODEL = Path(__file__).resolve().parents[2] / "models" / "motifs.json"
LAGS = (4, 2, 1)  # bars back, in the order a bar is matched against them
RELATIONS = ("new", "rhythm4", "notes4", "rhythm2", "notes2", "rhythm1", "notes1")
PLACES_SEEN = 8  # bars in phrase told apart (later bars share the last)


@dataclass(frozen=True)
class BarMotif:
    """What one bar plays again: `lag` bars back (0: nothing), its notes too (`notes`) or its rhythm."""

    lag: int = 0
    notes: bool = False


def place_key(bar_in_phrase: int, last: bool, long: bool, same_chords: tuple[bool, ...] = ()) -> str:
    """The table key of a bar's place in its phrase; same_chords: whether the bars LAGS back have
    the same chords as this one (those before the phrase are left out)."""
    same = "".join(str(int(s)) for s, lag in zip(same_chords, LAGS) if lag <= bar_in_phrase)
    return f"{min(bar_in_phrase, PLACES_SEEN)},{int(last)},{int(long)},{same}"


def same_chords(chord_root: np.ndarray, bar: int) -> tuple[bool, ...]:
    """Whether the bars LAGS back have the chord roots of bar `bar` on every beat (chord_root: per
    beat, -1 none; a bar without any chord matches nothing)."""
    roots = np.asarray(chord_root)
    here = roots[bar * BEATS_PER_BAR : (bar + 1) * BEATS_PER_BAR]
    out = []
    for lag in LAGS:
        b = bar - lag
        there = roots[b * BEATS_PER_BAR : (b + 1) * BEATS_PER_BAR] if b >= 0 else roots[:0]
        out.append(bool(len(here) == len(there) == BEATS_PER_BAR and (here >= 0).any() and (here == there).all()))
    return tuple(out)


def _relation(sets: list[set[tuple[int, int]]], b: int, bar_in_phrase: int) -> str:
    """A bar's relation to the bars 4, 2 and 1 before it in its phrase (both must have onsets)."""
    if not sets[b]:
        return "new"
    rhythm = {step for step, _ in sets[b]}
    for lag in LAGS:
        if bar_in_phrase >= lag and sets[b - lag] and rhythm == {step for step, _ in sets[b - lag]}:
            return f"{'notes' if sets[b] == sets[b - lag] else 'rhythm'}{lag}"
    return "new"


@dataclass
class MotifModel:
    """Learned counts of each relation (RELATIONS) per place in the phrase (place_key)."""

    counts: dict[str, list[int]]

    @classmethod
    def fit(cls, pieces: Iterable[tuple[np.ndarray, int, list[Phrase], np.ndarray]]) -> "MotifModel":
        """pieces: (notes int (N, 5), n_steps, phrases, chord_root per beat) of real songs; melodic
        phrases are counted."""
        counts: dict[str, list[int]] = {}
        for notes, n_steps, phrases, chord_root in pieces:
            n_bars = n_steps // STEPS_PER_BAR
            sets = bar_onset_sets(notes[notes[:, 4] == MELODY], n_bars)
            for p in phrases:
                if not p.has_melody:
                    continue
                for b in range(max(p.start_bar, 0), min(p.end_bar, n_bars)):
                    k = b - p.start_bar
                    key = place_key(k, b == p.end_bar - 1, p.n_bars >= 8, same_chords(chord_root, b))
                    row = counts.setdefault(key, [0] * len(RELATIONS))
                    row[RELATIONS.index(_relation(sets, b, k))] += 1
        return cls(counts)

    def probabilities(self, key: str) -> np.ndarray:
        """float (len(RELATIONS),) at a place; a place never seen plays new bars."""
        c = np.asarray(self.counts.get(key, [1] + [0] * (len(RELATIONS) - 1)), np.float64)
        c[0] += 1.0  # one bar of prior toward "new", so a rare place does not copy on little evidence
        p: np.ndarray = c / c.sum()
        return p

    def draw(
        self, phrases: list[Phrase], n_bars: int, chord_root: np.ndarray, rng: np.random.Generator
    ) -> list[BarMotif]:
        """What each bar of the piece plays again, drawn at the learned odds of its place and of the
        chords under it (chord_root: per beat, -1 none)."""
        out = [BarMotif() for _ in range(n_bars)]
        for p in phrases:
            if not p.has_melody:
                continue
            for b in range(max(p.start_bar, 0), min(p.end_bar, n_bars)):
                k = b - p.start_bar
                rel = RELATIONS[
                    int(
                        rng.choice(
                            len(RELATIONS),
                            p=self.probabilities(
                                place_key(k, b == p.end_bar - 1, p.n_bars >= 8, same_chords(chord_root, b))
                            ),
                        )
                    )
                ]
                if rel != "new" and k >= int(rel[-1]):
                    out[b] = BarMotif(int(rel[-1]), rel.startswith("notes"))
        return out

    def save(self, path: str | os.PathLike[str]) -> None:
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps({"version": 2, "relations": RELATIONS, "counts": self.counts}, sort_keys=True))

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> "MotifModel":
        path = Path(path or DEFAULT_MOTIF_MODEL)
        try:
            data = json.loads(path.read_text())
            if tuple(data["relations"]) != RELATIONS or data.get("version") != 2:
                raise ValueError("an older table, without the chords under each bar")
            return cls({str(k): [int(x) for x in v] for k, v in data["counts"].items()})
        except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BgmError(f"{path}: cannot read motif model ({exc})") from exc
