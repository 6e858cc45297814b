"""The filters an export runs, without SciPy's signal and ndimage packages.

Importing those two cost 1.1 s of CPU (on a 2-core AMD EPYC), a twentieth of scoring a 3-minute
video end to end, for six small functions. Here:
- biquads run in FFmpeg's own biquad filter (through PyAV, already loaded for the video): in
  transposed direct form II and float64, sample for sample what scipy.signal.lfilter gives;
- the 4x oversampling of the true-peak meter is resample_poly's polyphase FIR, with numpy;
- the limiter's running minimum and mean are ndimage's, edges reflected as ndimage does.
"""

from __future__ import annotations

import math

import numpy as np

_LAYOUTS = {1: "mono", 2: "stereo"}
_GRAPH_RATE = 48000  # the rate FFmpeg is told: a biquad given its coefficients does not depend on it
OVERSAMPLE_CHUNK = 4096  # input frames oversampled at a time: their windows, copied for the product, stay in cache


def butter_highpass(cutoff_hz: float, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """(b, a) of a 2nd-order Butterworth high-pass, as scipy.signal.butter(2, cutoff_hz, "highpass",
    fs=sample_rate) designs it: the bilinear transform with the cutoff prewarped."""
    k = math.tan(math.pi * cutoff_hz / sample_rate)
    norm = 1.0 / (1.0 + math.sqrt(2.0) * k + k * k)
    b = np.array([1.0, -2.0, 1.0]) * norm
    a = np.array([1.0, 2.0 * (k * k - 1.0) * norm, (1.0 - math.sqrt(2.0) * k + k * k) * norm])
    return b, a


def rbj_biquad(kind: str, gain_db: float, q: float, freq_hz: float, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """(b, a), a[0] = 1, of the Audio EQ Cookbook's (R. Bristow-Johnson) "high_shelf" or "high_pass",
    the two K-weighting stages as pyloudnorm designs them."""
    big_a = 10.0 ** (gain_db / 40.0)
    w0 = 2.0 * math.pi * freq_hz / sample_rate
    alpha, cos = math.sin(w0) / (2.0 * q), math.cos(w0)
    if kind == "high_shelf":
        root = 2.0 * math.sqrt(big_a) * alpha
        b = [
            big_a * ((big_a + 1) + (big_a - 1) * cos + root),
            -2 * big_a * ((big_a - 1) + (big_a + 1) * cos),
            big_a * ((big_a + 1) + (big_a - 1) * cos - root),
        ]
        a = [
            (big_a + 1) - (big_a - 1) * cos + root,
            2 * ((big_a - 1) - (big_a + 1) * cos),
            (big_a + 1) - (big_a - 1) * cos - root,
        ]
    elif kind == "high_pass":
        b = [(1 + cos) / 2, -(1 + cos), (1 + cos) / 2]
        a = [1 + alpha, -2 * cos, 1 - alpha]
    else:
        raise ValueError(f"unknown biquad {kind!r}")
    return np.array(b) / a[0], np.array(a) / a[0]


class Biquad:
    """One biquad (b, a: three coefficients each) run over consecutive chunks of audio, shape=(frames,
    channels), its state carried from chunk to chunk; returns float64."""

    def __init__(self, b: np.ndarray, a: np.ndarray, channels: int) -> None:
        from av.filter import Graph  # here: the app imports this module at start, and PyAV with the first video

        b, a = np.asarray(b, np.float64) / a[0], np.asarray(a, np.float64) / a[0]
        coefficients = ":".join(
            f"{name}={float(v)!r}" for name, v in zip(("b0", "b1", "b2", "a0", "a1", "a2"), [*b, *a])
        )
        self._graph = Graph()
        self._graph.threads = 1  # a biquad is a few multiplies a sample: threads would cost more than they save
        layout = _LAYOUTS.get(channels, f"{channels}c")
        source = self._graph.add_abuffer(format="dblp", sample_rate=_GRAPH_RATE, layout=layout)
        biquad = self._graph.add("biquad", f"{coefficients}:precision=f64:transform=tdii")
        sink = self._graph.add("abuffersink")
        source.link_to(biquad)
        biquad.link_to(sink)
        self._graph.configure()
        self._layout = layout
        self._pts = 0

    def __call__(self, x: np.ndarray) -> np.ndarray:
        import av

        if len(x) == 0:
            return np.zeros(x.shape, np.float64)
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(x.T, np.float64), format="dblp", layout=self._layout)
        frame.sample_rate, frame.pts = _GRAPH_RATE, self._pts
        self._pts += len(x)
        self._graph.push(frame)
        out = []
        while True:
            try:
                out.append(self._graph.pull().to_ndarray())
            except (av.error.BlockingIOError, av.error.EOFError):
                break
        return np.concatenate(out, axis=1).T


def kaiser_lowpass(numtaps: int, cutoff: float, beta: float) -> np.ndarray:
    """scipy.signal.firwin(numtaps, cutoff, window=("kaiser", beta)): a windowed-sinc low-pass, cutoff
    relative to the Nyquist frequency, scaled to unit gain at 0 Hz."""
    m = np.arange(numtaps) - 0.5 * (numtaps - 1)
    h = cutoff * np.sinc(cutoff * m) * np.kaiser(numtaps, beta)
    return np.asarray(h / h.sum())


def oversample4(x: np.ndarray, taps: np.ndarray) -> np.ndarray:
    """scipy.signal.resample_poly(x, 4, 1, axis=0, window=taps) for x shape=(frames, channels): x
    zero-stuffed 4x, filtered by 4 * taps (odd length) and trimmed to its centre. Output frames
    4k..4k+3 are one matrix product of the input frames around k with the filter's four phases
    (BLAS: a 3-minute mix in 0.3-0.4 s of CPU against resample_poly's 1.2 s; per-phase np.convolve took 2 s)."""
    up, n = 4, len(x)
    h = np.asarray(taps, np.float64) * up
    delay = (len(h) - 1) // 2
    low, high = (delay - len(h) + 1) // up, (delay + up - 1) // up  # input frames k+low..k+high reach 4k..4k+3
    # phases[o - low, r]: the weight of input frame k + o in output frame up * k + r
    phases = np.zeros((high - low + 1, up))
    for o in range(low, high + 1):
        for r in range(up):
            t = r + delay - up * o
            if 0 <= t < len(h):
                phases[o - low, r] = h[t]
    phases = phases.astype(x.dtype)
    out = np.empty((n * up, x.shape[1]), x.dtype)
    padded = np.pad(x, ((-low, high), (0, 0)))
    for c in range(x.shape[1]):
        windows = np.lib.stride_tricks.sliding_window_view(padded[:, c], len(phases))
        for start in range(0, n, OVERSAMPLE_CHUNK):
            stop = min(start + OVERSAMPLE_CHUNK, n)
            out[up * start : up * stop, c] = (windows[start:stop] @ phases).reshape(-1)
    return out


def running_min(x: np.ndarray, size: int) -> np.ndarray:
    """scipy.ndimage.minimum_filter1d(x, size) of a 1-D array: the minimum over `size` values around
    each (edges reflected), by van Herk's blocks: prefix and suffix minima of size-long blocks."""
    n = len(x)
    if n == 0 or size <= 1:
        return x.copy()
    before = size // 2
    blocks = -(-(n + size - 1) // size)
    # One pad for both: the reflected edges, then infinities up to whole blocks (no whole-length copy in between).
    filled = np.pad(x, (before, blocks * size - n - before), mode="symmetric")
    filled[n + size - 1 :] = np.inf
    filled = filled.reshape(blocks, size)
    prefix = np.minimum.accumulate(filled, axis=1).reshape(-1)
    suffix = np.empty_like(filled)
    np.minimum.accumulate(filled[:, ::-1], axis=1, out=suffix[:, ::-1])  # written back to front: no reversed copy
    return np.minimum(suffix.reshape(-1)[:n], prefix[size - 1 : size - 1 + n]).astype(x.dtype, copy=False)


def running_mean(x: np.ndarray, size: int) -> np.ndarray:
    """scipy.ndimage.uniform_filter1d(x, size) of a 1-D array: the mean of `size` values around each
    (edges reflected), from a float64 running sum."""
    n = len(x)
    if n == 0 or size <= 1:
        return x.copy()
    before = size // 2
    padded = np.pad(np.asarray(x, np.float64), (before, size - 1 - before), mode="symmetric")
    total = np.empty(len(padded) + 1)  # the running sum from 0, made in place: whole-length copies cost page faults
    total[0] = 0.0
    np.cumsum(padded, out=total[1:])
    window = np.subtract(total[size : size + n], total[:n], out=padded[:n])
    window /= size
    return window.astype(x.dtype)
