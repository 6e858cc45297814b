"""Motifs: where a melody bar takes up the rhythm, or the notes, of a bar 1, 2 or 4 before it in its phrase.

Pop melodies build phrases from a few rhythms. In POP909 (train songs 001-802, their labelled
melodic phrases), bars 4-7 of an 8-bar phrase play exactly the onset rhythm of the bar 4 before
17-23% of the time and bars 2-3 that of the bar 2 before 12-23%; some play its notes too. A
melody model sampled one step at a time wrote every bar's rhythm anew: 7% of its bar pairs 4
apart shared most onset places, against 30-37% in the songs.

What is learned (MotifModel.fit): for each bar's place in its phrase (bar in phrase, up to 8;
whether it is the phrase's last; whether the phrase is 8 bars or longer), how often a bar repeats
the onset places of the bar 4, 2 or 1 before it (the first of those that matches), and how often
its pitches too. Drawn per bar (MotifModel.draw), these tell the melody writer which bars take up
an earlier bar's rhythm; the melody model still chooses every pitch of a rhythm repeat.
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
from .notes import MELODY, STEPS_PER_BAR
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


def place_key(bar_in_phrase: int, last: bool, long: bool) -> str:
    """The table key of a bar's place in its phrase."""
    return f"{min(bar_in_phrase, PLACES_SEEN)},{int(last)},{int(long)}"


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
    def fit(cls, pieces: Iterable[tuple[np.ndarray, int, list[Phrase]]]) -> "MotifModel":
        """pieces: (notes int (N, 5), n_steps, phrases) of real songs; melodic phrases are counted."""
        counts: dict[str, list[int]] = {}
        for notes, n_steps, phrases in pieces:
            n_bars = n_steps // STEPS_PER_BAR
            sets = bar_onset_sets(notes[notes[:, 4] == MELODY], n_bars)
            for p in phrases:
                if not p.has_melody:
                    continue
                for b in range(max(p.start_bar, 0), min(p.end_bar, n_bars)):
                    k = b - p.start_bar
                    row = counts.setdefault(place_key(k, b == p.end_bar - 1, p.n_bars >= 8), [0] * len(RELATIONS))
                    row[RELATIONS.index(_relation(sets, b, k))] += 1
        return cls(counts)

    def probabilities(self, key: str) -> np.ndarray:
        """float (len(RELATIONS),) at a place; a place never seen plays new bars."""
        c = np.asarray(self.counts.get(key, [1] + [0] * (len(RELATIONS) - 1)), np.float64)
        c[0] += 1.0  # one bar of prior toward "new", so a rare place does not copy on little evidence
        p: np.ndarray = c / c.sum()
        return p

    def draw(self, phrases: list[Phrase], n_bars: int, rng: np.random.Generator) -> list[BarMotif]:
        """What each bar of the piece plays again, drawn at the learned odds of its place."""
        out = [BarMotif() for _ in range(n_bars)]
        for p in phrases:
            if not p.has_melody:
                continue
            for b in range(max(p.start_bar, 0), min(p.end_bar, n_bars)):
                k = b - p.start_bar
                rel = RELATIONS[
                    int(
                        rng.choice(
                            len(RELATIONS), p=self.probabilities(place_key(k, b == p.end_bar - 1, p.n_bars >= 8))
                        )
                    )
                ]
                if rel != "new" and k >= int(rel[-1]):
                    out[b] = BarMotif(int(rel[-1]), rel.startswith("notes"))
        return out

    def save(self, path: str | os.PathLike[str]) -> None:
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps({"version": 1, "relations": RELATIONS, "counts": self.counts}, sort_keys=True))

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> "MotifModel":
        path = Path(path or DEFAULT_MOTIF_MODEL)
        try:
            data = json.loads(path.read_text())
            if tuple(data["relations"]) != RELATIONS:
                raise ValueError("other relations")
            return cls({str(k): [int(x) for x in v] for k, v in data["counts"].items()})
        except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BgmError(f"{path}: cannot read motif model ({exc})") from exc
