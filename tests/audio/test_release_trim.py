"""Release tails end once they have fallen 50 dB: the voice stops early, the sound does not change."""

from __future__ import annotations

import numpy as np

from bgm_studio.audio.release_trim import ENVELOPE_DB, FLOOR_DB, ReleaseTrim
from bgm_studio.audio.synth import Performance, Synth, SynthConfig
from bgm_studio.music.notes import MELODY, Note, Score

SR = 44100
WARM_PAD = 89  # GM: a 3 s release in the GM soundfont
RELEASES_S = (2.0, 3.07)  # the release times of its voices in FluidR3


def pad_note(trim: bool) -> np.ndarray:
    """One warm-pad note held 1 s (120 bpm: 8 steps), 4 s rendered without reverb."""
    score = Score([Note(0, 60, 8, 100, MELODY)], 32, 120.0)
    synth = Synth(SynthConfig(programs=(WARM_PAD, 0, 0), reverb=False), SR)
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


def test_the_tail_ends_where_it_has_fallen_to_the_floor():
    """Released at 1 s, each voice ends FLOOR_DB down its release: the longest 1.6 s later, not a scan or two
    after (the ended releases reached FluidSynth only with its next API call: the tail ran ~0.3 s on)."""
    trimmed = pad_note(trim=True)
    end_s = 1.0 + FLOOR_DB / ENVELOPE_DB * max(RELEASES_S)
    assert np.abs(trimmed[int((end_s - 0.05) * SR) : int(end_s * SR)]).max() > 0.0
    assert np.abs(trimmed[int((end_s + 0.03) * SR) :]).max() == 0.0  # the chorus repeats it for up to 20 ms
