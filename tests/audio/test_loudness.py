"""True peak (4x oversampled) and the master gain: the target loudness with peaks under the ceiling."""

import tracemalloc

import numpy as np
import pytest
from scipy.signal import resample_poly

from bgm_studio.audio.dsp import running_mean, running_min
from bgm_studio.audio.loudness import (
    LOOKAHEAD_S,
    MAX_RAISE_DB,
    SOUND_LEVEL_LUFS,
    integrated_lufs,
    levelled,
    limiter_gain,
    master_gain,
    true_peak_db,
    true_peak_envelope,
)

SR = 44100


def test_true_peak_finds_the_peak_between_samples():
    """A sine at a quarter of the rate, sampled 45 degrees off its crests: samples at -3 dB, true peak 0 dB."""
    t = np.arange(SR) / SR
    sine = np.sin(2 * np.pi * SR / 4 * t + np.pi / 4).astype(np.float32)
    audio = np.stack([sine, 0.5 * sine], axis=1)
    assert 20 * np.log10(np.abs(audio).max()) == pytest.approx(-3.01, abs=0.01)
    assert true_peak_db(audio) == pytest.approx(0.0, abs=0.2)  # interpolation filters ripple a little


def test_envelope_by_blocks_matches_oversampling_everything():
    rng = np.random.default_rng(1)
    audio = (rng.standard_normal((5 * SR, 2)) * np.linspace(0.01, 0.3, 5 * SR)[:, None]).astype(np.float32)
    full = np.abs(resample_poly(audio, 4, 1, axis=0)).max(axis=1).reshape(-1, 4).max(axis=1)
    blocks = true_peak_envelope(audio, floor=0.5)
    hot = np.abs(audio).max(axis=1) > 0.6  # well inside the blocks that reach the floor
    assert np.allclose(blocks[hot], full[hot], atol=1e-6)
    assert true_peak_db(audio) == pytest.approx(20 * np.log10(full.max()), abs=1e-4)
    # Every block oversampled: resample_poly's result, to float32 rounding (the sums run in another order).
    np.testing.assert_allclose(true_peak_envelope(audio, floor=0.0), full, rtol=0, atol=2e-6)


def test_envelope_of_a_long_loud_mix_holds_little_memory_beyond_its_input():
    """Loud throughout, every block is oversampled: in one run, a 12-minute mix's 4x signal and its
    magnitudes took 1 GB each (here 222 MB for a minute)."""
    rng = np.random.default_rng(3)
    audio = (0.5 * rng.standard_normal((60 * SR, 2))).astype(np.float32)
    full = np.abs(resample_poly(audio[: 5 * SR], 4, 1, axis=0)).max(axis=1).reshape(-1, 4).max(axis=1)
    tracemalloc.start()
    try:
        envelope = true_peak_envelope(audio, floor=0.0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * audio.nbytes  # the envelope (half the input) and a bounded working set
    np.testing.assert_allclose(envelope[: 5 * SR - 64], full[: 5 * SR - 64], rtol=0, atol=2e-6)


def test_master_gain_reaches_the_target_under_the_ceiling_and_stays_smooth():
    rng = np.random.default_rng(2)
    hits = np.zeros((10 * SR, 2), np.float32)
    hits[:: SR // 4] = 1.0  # a click every quarter second over quiet noise: a high peak-to-loudness ratio
    audio = hits + rng.normal(0, 0.02, hits.shape).astype(np.float32)
    gain, lufs = master_gain(audio, SR, -14.0)
    out = audio * gain[:, None]
    assert integrated_lufs(out, SR) == pytest.approx(lufs, abs=0.01) == pytest.approx(-14.0, abs=0.5)
    assert true_peak_db(out) <= -1.0
    assert np.abs(np.diff(20 * np.log10(gain))).max() < 0.5  # a ramp, no steps: no clicks from the limiter


def test_master_gain_of_a_long_mix_holds_little_memory_beyond_its_input_and_its_gain():
    """Peaks, the gain and a bounded working set: whole-length temporaries (the peaks times the level,
    each step of the limiter's need, a round's gain beside the last's) took 127 MB each for 12 minutes."""
    rng = np.random.default_rng(4)
    audio = (0.1 * rng.standard_normal((60 * SR, 2))).astype(np.float32)
    audio[rng.integers(0, len(audio), 300)] = 0.95  # peaks for the limiter, a loudness short of the target
    tracemalloc.start()
    try:
        gain, lufs = master_gain(audio, SR, -14.0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (gain < 1.0).any() and lufs == pytest.approx(-14.0, abs=0.5)
    assert peak < 1.5 * audio.nbytes  # the peak envelope and the gain, half the input each


def test_silence_keeps_unit_gain():
    gain, lufs = master_gain(np.zeros((SR, 2), np.float32), SR, -14.0)
    assert (gain == 1.0).all() and lufs == float("-inf")


@pytest.mark.parametrize("level, expected", [(0.3, SOUND_LEVEL_LUFS), (0.003, None), (0.0, None)])
def test_a_videos_sound_is_levelled_to_the_music_and_a_quiet_room_raised_only_so_far(level, expected):
    """A loud recording comes down to the music's level; a very quiet one comes up by MAX_RAISE_DB at most;
    silence stays silence."""
    tone = (level * np.sin(2 * np.pi * 440 * np.arange(5 * SR) / SR)).astype(np.float32)
    sound = np.stack([tone, tone], axis=1)
    before, after = integrated_lufs(sound, SR), integrated_lufs(levelled(sound, SR), SR)
    if level == 0.0:
        assert not levelled(sound, SR).any()
    elif expected is not None:
        assert after == pytest.approx(expected, abs=0.05)
    else:
        assert before < SOUND_LEVEL_LUFS - MAX_RAISE_DB and after == pytest.approx(before + MAX_RAISE_DB, abs=0.05)


def test_the_limiter_worked_out_near_its_peaks_alone_equals_it_worked_out_over_the_whole_mix():
    """The gain is computed only within reach of the frames that need less than 1 (a music mix:
    a few thousandths of them); every value must be the one the whole mix's running minimum and
    mean give, bit for bit, peaks at the very edges included."""
    rng = np.random.default_rng(0)
    for _ in range(60):
        n, sr = int(rng.integers(1, 30000)), int(rng.choice([8000, 44100, 48000]))
        peaks = np.abs(rng.standard_normal(n)).astype(np.float32) * 0.3
        for start in rng.integers(0, n, size=int(rng.integers(0, 6))):
            peaks[start : start + int(rng.integers(1, 600))] *= rng.uniform(1.0, 8.0)
        peaks[[0, -1]] *= rng.uniform(1.0, 8.0, size=2)
        width = max(1, int(LOOKAHEAD_S * sr))
        for ceiling in (0.5, 1.0, 3.0):
            need = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12)).astype(np.float32)
            whole = running_mean(running_min(need, 2 * width + 1), width)
            assert np.array_equal(limiter_gain(peaks, ceiling, sr), whole)
