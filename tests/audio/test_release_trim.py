"""Release tails end once they have fallen 50 dB: the voice stops early, the sound does not change."""

from __future__ import annotations

import numpy as np

from bgm_studio.audio.release_trim import FLOOR_DB, ReleaseTrim
from bgm_studio.audio.synth import Performance, Synth, SynthConfig
from bgm_studio.music.notes import MELODY, Note, Score

SR = 44100
WARM_PAD = 89  # GM: a 3 s release in the GM soundfont


def pad_note(trim: bool) -> np.ndarray:
    """One warm-pad note held 1 s (120 bpm: 8 steps), 4 s rendered without reverb."""
    score = Score([Note(0, 60, 8, 100, MELODY)], 32, 120.0)
    synth = Synth(SynthConfig(programs=(WARM_PAD, 0, 0), reverb=False, cpu_cores=1), SR)
    out = np.zeros((4 * SR, 2), np.float32)
    performance = Performance(synth, score)
    (ReleaseTrim(performance) if trim else performance).render_into(out)
    synth.close()
    return out


def test_a_pad_tail_ends_below_the_floor_and_sounds_the_same_above_it():
    kept, trimmed = pad_note(trim=False), pad_note(trim=True)
    held = np.abs(kept[: SR // 2]).max()
    assert np.abs(kept[int(3.5 * SR) :]).max() > 1e-6  # untrimmed, the voice still sounds 2.5 s after release
    assert np.abs(trimmed[int(3.5 * SR) :]).max() == 0.0  # trimmed, it has ended
    assert np.abs(trimmed - kept).max() < held * 10 ** (-FLOOR_DB / 20)  # only what lay below the floor differs
    assert np.array_equal(trimmed[: int(1.5 * SR)], kept[: int(1.5 * SR)])  # the start of the release is untouched
