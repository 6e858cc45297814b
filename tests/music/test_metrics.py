import math

import numpy as np
import pytest

from bgm_studio.music import metrics as M
from bgm_studio.music.notes import ACCOMPANIMENT, MELODY


def arr(rows):
    return np.array(rows, dtype=np.int64).reshape(-1, 5)


def c_major_scale():
    return arr([(i * 2, p, 2, 80, MELODY) for i, p in enumerate([60, 62, 64, 65, 67, 69, 71])])


def test_pche_of_c_major_scale_is_log2_7():
    assert M.pche(c_major_scale()) == pytest.approx(math.log2(7))


def test_pche_single_pitch_class_is_zero():
    assert M.pche(arr([(0, 60, 1, 80, 0), (4, 72, 1, 80, 0)])) == 0.0


def test_gps_identical_bars_is_one_and_known_pair():
    bar = [(s, 60, 1, 80, 0) for s in (0, 4, 8, 12)]
    same = arr(bar + [(s + 16, 60, 1, 80, 0) for s in (0, 4, 8, 12)])
    assert M.gps(same) == 1.0
    # second bar differs in 2 of 16 positions -> 1 - 2/16
    other = arr(bar + [(s + 16, 60, 1, 80, 0) for s in (0, 4, 8, 14)])
    assert M.gps(other) == pytest.approx(1 - 2 / 16)


def test_in_key_and_chord_tone_ratios():
    notes = arr([(0, 60, 4, 80, 0), (4, 61, 4, 80, 0), (8, 64, 4, 80, 0), (12, 67, 4, 80, 0)])
    tonic = np.zeros(4, np.int64)
    minor = np.zeros(4, bool)
    assert M.in_key_ratio(notes, tonic, minor) == pytest.approx(0.75)
    chords = np.zeros((4, 12), bool)
    chords[:, [0, 4, 7]] = True  # C major on every beat
    assert M.chord_tone_ratio(notes, chords) == pytest.approx(0.75)
    assert math.isnan(M.chord_tone_ratio(notes, None))


def test_estimated_key_of_scale_is_c_major():
    assert M.estimate_key(c_major_scale()) == (0, False)


def test_polyphony_empty_bars_and_bass():
    notes = arr(
        [
            (0, 40, 16, 80, ACCOMPANIMENT),
            (0, 64, 8, 80, ACCOMPANIMENT),
            (0, 67, 8, 80, ACCOMPANIMENT),
            (32, 72, 2, 80, MELODY),
        ]
    )
    m = M.piece_metrics(notes, n_steps=48)
    assert m["polyphony"] == pytest.approx((8 * 3 + 8 * 1 + 2 * 1) / 18)
    assert m["empty_bars"] == pytest.approx(1 / 3)
    assert m["bass_bars"] == pytest.approx(0.5)  # bar 0 has a long low note, bar 2 does not
    assert m["melody_density"] == pytest.approx(1 / 3)
    assert m["pitch_range"] == 32


def test_structureness_repetition_beats_noise():
    rng = np.random.default_rng(0)
    phrase = [(s, int(rng.integers(48, 84)), 2, 80, 0) for s in range(0, 64, 2)]  # 4-bar phrase
    repeated = arr([(s + k * 64, p, l, v, t) for k in range(6) for s, p, l, v, t in phrase])
    noise = arr([(s, int(rng.integers(48, 84)), 2, 80, 0) for s in range(0, 384, 2)])
    rep, rnd = M.structureness(repeated), M.structureness(noise)
    assert rep["si_mid"] > 0.5 > rnd["si_mid"] + 0.2
    assert all(0.0 <= v <= 1.0 for v in rep.values())
