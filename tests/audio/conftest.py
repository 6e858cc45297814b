"""Scores for the audio tests: a POP909 excerpt and hand-made notes with known times."""

from __future__ import annotations

import pytest

from bgm_studio.music.notes import ACCOMPANIMENT, MELODY, STEPS_PER_BAR, Note, Score
from bgm_studio.music.pop909 import load_song

BARS = 4


@pytest.fixture(scope="session")
def excerpt(pop909_root) -> Score:
    """Four bars of POP909 song 001, from the first bar with a note, moved to the start."""
    score = load_song(pop909_root / "001").score()
    first_bar = min(n.start for n in score.notes) // STEPS_PER_BAR * STEPS_PER_BAR
    end = first_bar + BARS * STEPS_PER_BAR
    notes = [
        Note(n.start - first_bar, n.pitch, min(n.length, end - n.start), n.velocity, n.track)
        for n in score.notes
        if first_bar <= n.start < end
    ]
    return Score(notes, BARS * STEPS_PER_BAR, score.tempo_bpm)


@pytest.fixture
def staccato() -> Score:
    """One short melody note per beat at 120 BPM (every 0.5 s from 0.5 s), then a bass note at 3 s."""
    notes = [Note(4 * beat, 60 + beat, 1, 100, MELODY) for beat in range(1, 6)]
    notes.append(Note(24, 48, 2, 100, ACCOMPANIMENT))
    return Score(notes, 32, 120.0)
