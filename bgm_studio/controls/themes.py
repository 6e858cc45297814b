"""Themes: which shots return to the look of an earlier shot, so the music can return too.

Edits come back to a picture: shot / reverse shot in a dialogue (A B A B), a recurring
location, a cutaway and back. A shot whose look matches an earlier shot's takes that shot as its
theme (and with it, at planning, the theme's mode and chord progression); every other shot is
its own theme. Two shots match when their semantic embeddings and their look features are all
within a tolerance of each other.

The tolerances suit the built-in descriptor encoder ("descriptor-v1"). They were set on
hand-labelled real footage, where a match must hold apart shots that only share the lighting of
one place: in a dialogue from Megamind (woman / man / woman / man) the two shots of the same
person lie at 0.50 and 0.66 tolerances, the shots of different people at 1.8 or more; six different
grey street shots (bikes.mp4) lie at 1.30 or more, held apart by warmth; synthetic shots of one
look with different moving shapes lie at 0.79 or less.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np


@dataclass(frozen=True)
class ThemeConfig:
    """How far apart two shots may look and still count as the same look."""

    embedding: float = 0.03  # most 1 - cosine similarity of the two shot embeddings
    brightness: float = 0.05  # most difference in mean luma (0..1)
    contrast: float = 0.04  # ... in luma standard deviation (0..1)
    saturation: float = 0.025  # ... in mean saturation (0..1): it tells apart the sides of a dialogue
    warmth: float = 0.045  # ... in warmth (-1..1): it tells apart grey shots of different streets

    def look_tolerances(self) -> dict[str, float]:
        return {
            "brightness": self.brightness,
            "contrast": self.contrast,
            "saturation": self.saturation,
            "warmth": self.warmth,
        }


def look_distance(
    embedding_a: np.ndarray,
    embedding_b: np.ndarray,
    look_a: Mapping[str, float],
    look_b: Mapping[str, float],
    config: ThemeConfig = ThemeConfig(),
) -> float:
    """How far apart two shots look, in tolerances: the largest of each difference over its tolerance.

    embedding_a, embedding_b : np.ndarray, shape=(dim,), unit length. look_a, look_b: per-shot
    features by name (as in `analyze --json`). Two shots match at 1 or less.
    """
    cosine = float(np.dot(embedding_a, embedding_b))
    parts = [(1.0 - cosine) / config.embedding]
    parts += [abs(float(look_a[k]) - float(look_b[k])) / tol for k, tol in config.look_tolerances().items()]
    return max(parts)


def assign_themes(
    embeddings: np.ndarray, looks: Sequence[Mapping[str, float]], config: ThemeConfig = ThemeConfig()
) -> list[int]:
    """The theme of every shot: the theme of the earliest earlier shot it matches, else its own index.

    embeddings : np.ndarray, shape=(n_shots, dim), unit rows. A theme is always a shot that is its
    own theme, so every shot of one look points at the first shot of that look.
    """
    themes: list[int] = []
    for j, look in enumerate(looks):
        earlier = (i for i in range(j) if look_distance(embeddings[i], embeddings[j], looks[i], look, config) <= 1.0)
        i = next(earlier, j)
        themes.append(j if i == j else themes[i])
    return themes


def looped_beat(beat: int, source: tuple[int, int], target: tuple[int, int], half_bar: int = 2) -> int:
    """The beat of source[0]..source[1] that `beat` of target[0]..target[1] replays.

    The source is replayed from its first half bar, looped or cut to the target's length, on
    the piece's half-bar grid; where the source starts inside a half bar, the answer can fall
    before source[0].
    """
    first = source[0] // half_bar
    n_halves = -(-source[1] // half_bar) - first
    return (first + (beat // half_bar - target[0] // half_bar) % n_halves) * half_bar + beat % half_bar


def echo_beats(echo_of: np.ndarray, source: tuple[int, int], target: tuple[int, int], half_bar: int = 2) -> None:
    """Mark beats target[0]..target[1] as echoing beats of source[0]..source[1] (see looped_beat),
    in place, as its chords are repeated; a target beat whose counterpart falls before the
    source's first beat echoes nothing (-1).
    """
    for b in range(*target):
        beat = looped_beat(b, source, target, half_bar)
        echo_of[b] = beat if source[0] <= beat < source[1] else -1
