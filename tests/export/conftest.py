"""Shared scores for the export tests."""

from __future__ import annotations

import pytest

from bgm_studio.music.notes import ACCOMPANIMENT, MELODY, Note, Score


@pytest.fixture
def score() -> Score:
    """Two bars with both tracks, varied velocities, a repeated pitch, two shot markers and a tempo change."""
    notes = [
        Note(0, 72, 4, 100, MELODY),
        Note(4, 72, 2, 64, MELODY),
        Note(8, 76, 8, 90, MELODY),
        Note(0, 48, 16, 70, ACCOMPANIMENT),
        Note(0, 55, 8, 50, ACCOMPANIMENT),
        Note(16, 50, 16, 80, ACCOMPANIMENT),
        Note(20, 74, 3, 110, MELODY),
    ]
    return Score(sorted(notes), 32, 100.0, segment_starts=[8, 16], tempo_changes=[(16, 110.0)])
