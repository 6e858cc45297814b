"""The BS.1770 meter agrees with pyloudnorm's, also under gain curves it re-measures without refiltering all."""

import tracemalloc

import numpy as np
import pyloudnorm
import pytest
from scipy.signal import lfilter

from bgm_studio.audio.bs1770 import SUM_INTERVALS, TAIL_DECAY, LoudnessMeter, k_weighting
from bgm_studio.audio.loudness import limiter_gain, true_peak_envelope

SR = 44100


def _reference(audio: np.ndarray) -> float:
    return float(pyloudnorm.Meter(SR).integrated_loudness(np.asarray(audio, np.float64)))


def _music_like(seconds: float, seed: int) -> np.ndarray:
    """Noise swelling from near silence, with loud clicks: blocks under both gates, peaks for the limiter."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    audio = rng.standard_normal((n, 2)) * np.linspace(0.0005, 0.2, n)[:, None]
    audio[rng.integers(0, n, 40)] = 0.9
    return audio.astype(np.float32)


@pytest.mark.parametrize("seconds", [0.45, 3.017, 30.0])
def test_loudness_is_pyloudnorms(seconds):
    audio = _music_like(seconds, 1)
    assert LoudnessMeter(audio, SR).lufs() == pytest.approx(_reference(audio), abs=1e-9)


@pytest.mark.parametrize("seconds", [0.45, 3.017, 0.1 * SUM_INTERVALS * 2.5])
def test_interval_sums_a_few_at_a_time_are_those_of_weighting_and_squaring_it_whole(seconds):
    """The mix is K-weighted, squared and summed SUM_INTERVALS intervals at a time, the filters' state
    carried over: the same float64 sums, bit for bit, as both stages over the whole mix and its whole
    square (the master gain must not move)."""
    audio = _music_like(seconds, 4)
    meter = LoudnessMeter(audio, SR)
    whole = np.asarray(audio, np.float64)
    for b, a, _ in k_weighting(SR):
        whole = lfilter(b, a, whole, axis=0)
    expected = np.add.reduceat(np.square(whole[: meter._edges[-1]]), meter._edges[:-1], axis=0)
    assert len(meter._sums) == len(meter._edges) - 1 and np.array_equal(meter._sums, expected)


def test_a_minute_metered_under_a_curve_holds_little_memory_beyond_its_input():
    """The meter keeps sums per 0.1 s, not the weighted mix: a float64 copy of that took 508 MB for 12
    minutes, twice the mix's own float32 size."""
    audio = _music_like(60.0, 5)
    curve = limiter_gain(true_peak_envelope(audio, 0.0) * 4.0, 0.8, SR)
    tracemalloc.start()
    try:
        meter = LoudnessMeter(audio, SR)
        lufs = meter.lufs(4.0, curve)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < audio.nbytes / 2  # the curve's masks (an eighth of the mix each) and a bounded working set
    assert lufs == pytest.approx(LoudnessMeter(audio * curve[:, None], SR).lufs(4.0), abs=1e-9)


@pytest.mark.parametrize("drive", [1.5, 4.0, 20.0])  # a few peaks limited .. the limiter working everywhere
def test_loudness_under_a_gain_curve_is_that_of_the_gained_mix(drive):
    audio = _music_like(20.0, 2)
    curve = limiter_gain(true_peak_envelope(audio, 0.0) * drive, 0.8, SR)
    assert 0 < (curve != 1).mean() < 1
    expected = _reference(audio.astype(np.float64) * drive * curve[:, None])
    lufs = LoudnessMeter(audio, SR).lufs(drive, curve)
    assert lufs == pytest.approx(expected, abs=1e-7)
    assert lufs == pytest.approx(LoudnessMeter(audio * curve[:, None], SR).lufs(drive), abs=1e-9)


def test_a_curve_at_the_very_ends_and_in_the_last_partial_block():
    audio = _music_like(5.05, 3)  # the last 50 ms belong to no block
    curve = np.ones(len(audio), np.float32)
    curve[:100] = 0.5
    curve[-3000:] = 0.25
    expected = _reference(audio.astype(np.float64) * curve[:, None])
    assert LoudnessMeter(audio, SR).lufs(1.0, curve) == pytest.approx(expected, abs=1e-7)


def test_silence_and_audio_shorter_than_a_block_have_no_loudness():
    assert LoudnessMeter(np.zeros((SR, 2), np.float32), SR).lufs() == -np.inf
    assert LoudnessMeter(np.ones((SR // 3, 2), np.float32), SR).lufs() == -np.inf


@pytest.mark.parametrize("rate", [44100, 48000])
def test_each_stage_response_has_died_away_by_its_tail(rate):
    for b, a, tail in k_weighting(rate):
        impulse = np.zeros(tail + 10)
        impulse[0] = 1.0
        response = np.abs(lfilter(b, a, impulse))
        assert response[tail:].max() < 1e3 * TAIL_DECAY * response.max()
        assert response[tail // 2] > TAIL_DECAY  # the tail is not far longer than needed


@pytest.mark.parametrize("seed", range(4))
def test_runs_are_the_stretches_of_true(seed):
    """The runs the meter refilters: every stretch of True, at the ends of the mask too."""
    import itertools

    from bgm_studio.audio.bs1770 import _runs

    mask = np.random.default_rng(seed).random(200) < [0.1, 0.5, 0.9, 1.0][seed]
    expected, pos = [], 0
    for value, group in itertools.groupby(mask.tolist()):
        n = len(list(group))
        if value:
            expected.append((pos, pos + n))
        pos += n
    assert _runs(mask) == expected
    assert _runs(np.zeros(0, bool)) == []
