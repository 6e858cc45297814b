"""How a phrase spreads its melody's onsets over its bars: busy bars, sparse bars, a held last bar.

A singer's bars within one phrase hold few or many notes as the words go. In POP909 (train songs
001-770, melodic phrases of 2 bars or more) a bar's melody onsets over its phrase's mean run from
0.32 to 1.51 (10th-90th percentile; within a phrase the spread is 0.36 of the mean), and a phrase's
last bar is often all but one held note (40% of last bars hold under 0.61 of the mean, median
0.80). A video's density is about level over a shot, and asked the same onsets in every bar, or a
log-normal stray about them, the melody model sang even bars of quarter notes: 0.14 of its notes
5-8 sixteenths long in a 79-s single shot, where POP909's phrases as sparse hold 0.07.

What is learned (BarOnsetModel.fit): the quantiles of that ratio for a phrase's last bar, the bar
before it, and its other bars. Drawn per bar (BarOnsetModel.draw), they shape each phrase's
onsets about the level the controls ask.
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
from .structure import Phrase

DEFAULT_BAR_ONSET_MODEL = Path(__file__).resolve().parents[2] / "models" / "bar_onsets.json"
PLACES = ("last", "before_last", "other")  # a bar's place in its phrase, by bars to the phrase's end
QUANTILES = 101  # quantiles kept of each place's ratios (0%, 1%, ..., 100%)
_LEVELS = np.linspace(0.0, 1.0, QUANTILES)  # the probability each kept quantile stands at


def place_of(bar: int, phrase: Phrase) -> str:
    """A bar's place in its phrase (PLACES), by how many bars are left to the phrase's end."""
    return PLACES[min(phrase.end_bar - 1 - bar, len(PLACES) - 1)]


def _shaped_phrases(phrases: list[Phrase]) -> list[Phrase]:
    """The phrases whose bars are shaped: melodic, of two bars or more."""
    return [p for p in phrases if p.has_melody and p.n_bars >= 2]


@dataclass
class BarOnsetModel:
    """Quantiles (QUANTILES each, rising) of a bar's melody onsets over its phrase's mean, per place."""

    quantiles: dict[str, list[float]]

    @classmethod
    def fit(cls, pieces: Iterable[tuple[np.ndarray, list[Phrase]]]) -> "BarOnsetModel":
        """pieces: (melody onsets per bar, phrases) of real songs; every bar of a melodic phrase of
        two bars or more that the song holds whole and that has onsets is counted."""
        ratios: dict[str, list[float]] = {place: [] for place in PLACES}
        for bar_onsets, phrases in pieces:
            for p in _shaped_phrases(phrases):
                if p.start_bar < 0 or p.end_bar > len(bar_onsets):
                    continue
                here = np.asarray(bar_onsets[p.start_bar : p.end_bar], np.float64)
                if here.mean() <= 0:
                    continue
                for bar, ratio in zip(range(p.start_bar, p.end_bar), here / here.mean()):
                    ratios[place_of(bar, p)].append(float(ratio))
        if not all(ratios.values()):
            raise BgmError("no melodic phrase of two bars or more to learn bar onsets from")
        return cls({place: np.quantile(v, _LEVELS).round(4).tolist() for place, v in ratios.items()})

    def draw(self, phrases: list[Phrase], n_bars: int, rng: np.random.Generator) -> np.ndarray:
        """float (n_bars,): each bar's share of its phrase's onsets over the phrase's mean, drawn at
        the learned odds of its place, scaled to a mean of 1 over each shaped phrase's bars (those of
        it before the piece or after its end included); 1 outside them."""
        out = np.ones(n_bars)
        for p in _shaped_phrases(phrases):
            bars = np.arange(p.start_bar, p.end_bar)
            drawn = np.array([np.interp(rng.random(), _LEVELS, self.quantiles[place_of(int(b), p)]) for b in bars])
            drawn = drawn / drawn.mean() if drawn.mean() > 0 else np.ones(len(bars))
            inside = (bars >= 0) & (bars < n_bars)
            out[bars[inside]] = drawn[inside]
        return out

    def save(self, path: str | os.PathLike[str]) -> None:
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps({"version": 1, "places": PLACES, "quantiles": self.quantiles}, sort_keys=True))

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> "BarOnsetModel":
        path = Path(path or DEFAULT_BAR_ONSET_MODEL)
        try:
            data = json.loads(path.read_text())
            table = {str(k): [float(x) for x in v] for k, v in data["quantiles"].items()}
            if set(table) != set(PLACES) or any(len(v) != QUANTILES or np.any(np.diff(v) < 0) for v in table.values()):
                raise ValueError(f"not {QUANTILES} rising quantiles for each of {', '.join(PLACES)}")
            return cls(table)
        except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BgmError(f"{path}: cannot read bar onset model ({exc})") from exc
