"""Fitting the bar critic (model.bar_critic): POP909's train bars against the bars the composer writes
for train songs' own controls, without a critic, so that it learns where our choice of figures
leans away from POP909's pianists."""

from __future__ import annotations

import numpy as np

from ..music.pop909 import Song
from ..progress import ProgressFn, no_progress
from .bar_critic import FEATURE_NAMES, BarCritic, fit_critic, piece_bar_features
from .composer import Composer
from .evaluate import generate_for_song

REAL_SONGS = frozenset(f"{i:03d}" for i in range(1, 771))  # POP909's side; 771-818 stay unseen for validation
OUR_SONGS = frozenset(f"{i:03d}" for i in range(1, 201))  # the songs whose controls our side is written for


def our_pieces(composer: Composer, songs: list[Song], progress: ProgressFn = no_progress) -> list[np.ndarray]:
    """The notes (N, 5) of a piece written for each song's own controls (model.evaluate, segments of
    random spans, seed i for the i-th song)."""
    pieces = []
    for i, song in enumerate(songs):
        pieces.append(generate_for_song(composer, song, i, "random").notes)
        progress(i + 1, len(songs), "writing pieces")
    return pieces


def our_bars(composer: Composer, songs: list[Song], progress: ProgressFn = no_progress) -> np.ndarray:
    """float (bars, features): piece_bar_features of our_pieces."""
    rows = [piece_bar_features(notes) for notes in our_pieces(composer, songs, progress)]
    return np.concatenate(rows) if rows else np.zeros((0, len(FEATURE_NAMES)))


def train_critic(composer: Composer, songs: list[Song], progress: ProgressFn = no_progress) -> BarCritic:
    """The critic fitted on the REAL_SONGS among `songs` against pieces written for the OUR_SONGS by
    `composer`, whose pipeline has no critic: the critic learns from the choices made without one."""
    real = np.concatenate([piece_bar_features(s.notes) for s in songs if s.song_id in REAL_SONGS])
    ours = our_bars(composer, [s for s in songs if s.song_id in OUR_SONGS], progress)
    return fit_critic(real, ours)
