"""The export's filters give SciPy's results (which the export no longer imports), and scoring imports no SciPy."""

import subprocess
import sys

import numpy as np
import pyloudnorm
import pytest
from scipy.ndimage import minimum_filter1d, uniform_filter1d
from scipy.signal import butter, firwin, lfilter, resample_poly

from bgm_studio.audio.dsp import (
    Biquad,
    butter_highpass,
    kaiser_lowpass,
    oversample4,
    rbj_biquad,
    running_mean,
    running_min,
)


@pytest.mark.parametrize("sample_rate", [44100, 48000])
def test_designs_are_scipys_and_pyloudnorms(sample_rate):
    b, a = butter(2, 20.0, "highpass", fs=sample_rate)
    ours = butter_highpass(20.0, sample_rate)
    np.testing.assert_allclose(ours[0], b, rtol=0, atol=1e-15)
    np.testing.assert_allclose(ours[1], a, rtol=0, atol=1e-15)
    filters = pyloudnorm.Meter(sample_rate)._filters
    for kind, gain, q, freq in (("high_shelf", 4.0, 1 / np.sqrt(2), 1500.0), ("high_pass", 0.0, 0.5, 38.0)):
        stage = filters[kind]
        b, a = rbj_biquad(kind, gain, q, freq, sample_rate)
        np.testing.assert_allclose(b, np.asarray(stage.b) / stage.a[0], rtol=1e-14)
        np.testing.assert_allclose(a, np.asarray(stage.a) / stage.a[0], rtol=1e-14)
    np.testing.assert_allclose(kaiser_lowpass(81, 0.25, 5.0), firwin(81, 0.25, window=("kaiser", 5.0)), atol=1e-15)


@pytest.mark.parametrize("channels", [1, 2, 3])
def test_a_biquad_is_lfilter_sample_for_sample_across_chunks(channels):
    rng = np.random.default_rng(channels)
    x = rng.standard_normal((40_000, channels))
    b, a = rbj_biquad("high_pass", 0.0, 0.5, 38.0, 44100)
    assert np.array_equal(Biquad(b, a, channels)(x), lfilter(b, a, x, axis=0))  # from rest
    biquad, state, ours, theirs = Biquad(b, a, channels), np.zeros((2, channels)), [], []
    for start in range(0, len(x), 7_001):  # chunks of odd length, the state carried over
        ours.append(biquad(x[start : start + 7_001]))
        y, state = lfilter(b, a, x[start : start + 7_001], axis=0, zi=state)
        theirs.append(y)
    assert np.array_equal(np.concatenate(ours), np.concatenate(theirs))
    assert biquad(x[:0]).shape == (0, channels)


@pytest.mark.parametrize("dtype, tolerance", [(np.float32, 2e-6), (np.float64, 1e-14)])
def test_oversampling_is_resample_polys(dtype, tolerance):
    x = np.random.default_rng(3).standard_normal((1_234, 2)).astype(dtype)
    taps = kaiser_lowpass(81, 0.25, 5.0).astype(dtype)
    ours, theirs = oversample4(x, taps), resample_poly(x, 4, 1, axis=0, window=taps)
    assert ours.shape == theirs.shape == (4 * 1_234, 2) and ours.dtype == dtype
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=tolerance)


@pytest.mark.parametrize("size", [1, 2, 3, 10, 441, 1_000, 6_000])
def test_running_min_and_mean_are_ndimages(size):
    x = np.random.default_rng(size).standard_normal(5_000).astype(np.float32)
    assert np.array_equal(running_min(x, size), minimum_filter1d(x, size))
    np.testing.assert_allclose(running_mean(x, size), uniform_filter1d(x, size), rtol=0, atol=1e-6)


def test_an_export_imports_no_scipy(tmp_path):
    """SciPy's signal and ndimage packages cost 1.1 s of CPU to import; rendering, ducking, the
    loudness target and the MP4's sound are made without them."""
    code = (
        "import sys, numpy as np\n"
        "from bgm_studio.export.mixdown import mixdown\n"
        "from bgm_studio.audio.ducking import detect_speech\n"
        "from bgm_studio.music.notes import Note, Score\n"
        "score = Score([Note(s, 60 + s % 7, 4, 90, s % 3) for s in range(0, 64, 2)], 64, 120.0)\n"
        "sound = mixdown(score, 8.0, apart=False)\n"
        "detect_speech(np.random.default_rng(0).normal(0, 0.1, (44100, 2)).astype(np.float32), 44100)\n"
        "print(round(sound.lufs, 1), sorted(m for m in sys.modules if m.split('.')[0] in ('scipy', 'pyloudnorm')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["-14.0", "[]"]
