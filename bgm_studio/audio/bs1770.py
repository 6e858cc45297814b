"""ITU-R BS.1770-4 integrated loudness, K-weighted once and re-measured under any gain curve.

The meter keeps, of the K-weighted mix, only its sums of squares over the 0.1-s intervals between
block edges: a whole-piece float64 copy of it took 508 MB for 12 minutes. The loudness rounds
of the master gain (loudness.py) measure the same mix under gain curves that differ from 1 only
around the peaks the limiter turns down, and a change reaches the weighted mix for only a filter
tail after it: only the intervals within that reach are filtered again, each span of them from
rest a tail of frames early, by when the filters' state has come within TAIL_DECAY of the state
that filtering from the start would give. The filters (pyloudnorm's own design) and the 400-ms
blocks with 75% overlap and their gates are pyloudnorm's, so the figures agree with its meter to
~1e-10 LU; the block sums are vectorised instead of one Python call per block.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from .dsp import Biquad, rbj_biquad

BLOCK_S = 0.4  # gating block
STEP = 0.25  # of a block: 75% overlap
ABSOLUTE_GATE = -70.0  # LUFS
RELATIVE_GATE = -10.0  # LU under the loudness of the blocks over the absolute gate
SUM_INTERVALS = 16  # intervals between block edges (0.1 s each) K-weighted, squared and summed at a time, ~1 MB
SCAN_FRAMES = 1 << 16  # frames of a whole-length pass over a curve taken at a time: its masks stay small
TAIL_DECAY = 1e-25  # a stage's response is cut where it has decayed this far (float64 resolves 1e-16)


def k_weighting(sample_rate: int) -> list[tuple[np.ndarray, np.ndarray, int]]:
    """(b, a, tail) of the two K-weighting stages, the high shelf (+4 dB over 1.5 kHz) and the 38-Hz
    high pass, as pyloudnorm's meter designs them; tail: frames after which the stage's response to
    an impulse has fallen under TAIL_DECAY."""
    stages = []
    for b, a in (
        rbj_biquad("high_shelf", 4.0, 1 / math.sqrt(2), 1500.0, sample_rate),
        rbj_biquad("high_pass", 0.0, 0.5, 38.0, sample_rate),
    ):
        poles = float(np.abs(np.roots(a)).max())  # the slowest decay of the stage's response per frame
        stages.append((b, a, math.ceil(math.log(TAIL_DECAY) / math.log(poles))))
    return stages


class LoudnessMeter:
    """A mix, shape=(frames, channels), K-weighted once; `lufs(level, curve)` is the loudness of
    mix * level * curve (curve: shape=(frames,), 1 almost everywhere) without weighting it all again.
    Holds the mix (not a copy) and a few numbers per 0.1 s."""

    def __init__(self, audio: np.ndarray, sample_rate: int) -> None:
        self._audio = audio
        self._stages = k_weighting(sample_rate)
        self._reach = sum(tail for _, _, tail in self._stages)  # frames a change moves the weighted mix for
        n = len(audio)
        # pyloudnorm's block bounds, computed the way it computes them (its float rounding included);
        # audio shorter than a block has none.
        j = np.arange(
            int(np.round((n / sample_rate - BLOCK_S) / (BLOCK_S * STEP))) + 1 if n >= BLOCK_S * sample_rate else 0
        )
        lo = (BLOCK_S * (j * STEP) * sample_rate).astype(np.int64)
        hi = np.minimum((BLOCK_S * (j * STEP + 1) * sample_rate).astype(np.int64), n)
        self._norm = BLOCK_S * sample_rate
        self._edges = np.unique(np.concatenate([[0], lo, hi]))  # each block is a run of the intervals between these
        self._first, self._last = np.searchsorted(self._edges, lo), np.searchsorted(self._edges, hi)  # per block
        self._sums = self._weighted_sums(self._frames, 0, len(self._edges) - 1)  # (intervals, channels)

    def lufs(self, level: float = 1.0, curve: np.ndarray | None = None) -> float:
        """Integrated loudness (LUFS; -inf for silence or audio shorter than a block) of the mix times
        `level` times `curve`."""
        if not len(self._first):
            return -math.inf
        sums = self._sums if curve is None else self._sums_under(curve)
        return _gated(self._block_energy(sums) * level**2)

    def _frames(self, start: int, stop: int) -> np.ndarray:
        return np.asarray(self._audio[start:stop], np.float64)

    def _weighted_sums(self, frames: Callable[[int, int], np.ndarray], first: int, last: int) -> np.ndarray:
        """Sums of squares of the K-weighted signal over intervals [first, last), shape=(last - first,
        channels); `frames(start, stop)` gives the signal (float64, (stop - start, channels)), which is
        filtered from rest a reach of frames before the first interval (from frame 0 at most).

        The signal is weighted, squared and summed SUM_INTERVALS intervals at a time, each stage's state
        carried over: the same numbers as filtering and squaring it whole, without whole-length float64
        copies (a 3-minute mix's three of 140 MB each cost more to fault in than to filter)."""
        stages = [Biquad(b, a, self._audio.shape[1]) for b, a, _ in self._stages]

        def weigh(start: int, stop: int) -> np.ndarray:
            x = frames(start, stop)
            for stage in stages:
                x = stage(x)
            return x

        lo = int(self._edges[first]) if last > first else 0
        weigh(max(0, lo - self._reach), lo)  # the state the intervals start from
        sums = np.empty((last - first, self._audio.shape[1]))
        for group in range(first, last, SUM_INTERVALS):
            end = min(group + SUM_INTERVALS, last)
            bounds = self._edges[group : end + 1]
            square = np.square(weigh(int(bounds[0]), int(bounds[-1])))
            sums[group - first : end - first] = np.add.reduceat(square, bounds[:-1] - bounds[0], axis=0)
        return sums

    def _sums_under(self, curve: np.ndarray) -> np.ndarray:
        """The interval sums of the weighted mix times `curve`, refiltered only over the intervals that a
        frame where the curve is not 1 reaches. Spans of them less than a reach apart are filtered as one:
        what lies between costs no more to filter than the run-in of a span of its own."""
        sums = self._sums.copy()

        def under(start: int, stop: int) -> np.ndarray:
            gained: np.ndarray = np.multiply(self._audio[start:stop], curve[start:stop, None], dtype=np.float64)
            return gained

        for first, last in self._reached(curve):
            sums[first:last] = self._weighted_sums(under, first, last)
        return sums

    def _reached(self, curve: np.ndarray) -> list[tuple[int, int]]:
        """[first, last) of each span of intervals that frames where `curve` is not 1 reach. The curve is
        searched SCAN_FRAMES at a time (whole, its masks took 96 MB for 12 minutes): a run cut in two
        there reaches overlapping spans, which are joined."""
        spans: list[tuple[int, int]] = []
        intervals = len(self._edges) - 1
        runs = (
            (pos + a, pos + b)
            for pos in range(0, len(curve), SCAN_FRAMES)
            for a, b in _runs(curve[pos : pos + SCAN_FRAMES] != 1.0)
        )
        for start, stop in runs:
            first = int(np.searchsorted(self._edges, start, side="right")) - 1
            last = min(int(np.searchsorted(self._edges, stop + self._reach, side="left")), intervals)
            if first >= last:
                continue  # after the last block
            if spans and self._edges[first] - self._edges[spans[-1][1]] < self._reach:
                spans[-1] = (spans[-1][0], max(last, spans[-1][1]))
            else:
                spans.append((first, last))
        return spans

    def _block_energy(self, sums: np.ndarray) -> np.ndarray:
        """Mean square per block and channel, shape=(blocks, channels)."""
        prefix = np.concatenate([np.zeros((1, sums.shape[1])), np.cumsum(sums, axis=0)])
        energy: np.ndarray = (prefix[self._last] - prefix[self._first]) * (1.0 / self._norm)
        return energy


def _runs(changed: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) of every run of True. Bool throughout: a mask of a 3-minute mix is 8M frames,
    which an int64 difference took 0.2 s to scan."""
    padded = np.zeros(len(changed) + 2, bool)
    padded[1:-1] = changed
    edges = np.flatnonzero(padded[1:] != padded[:-1]).tolist()  # starts and stops, alternating
    return list(zip(edges[0::2], edges[1::2]))


def _gated(energy: np.ndarray) -> float:
    """BS.1770 gating of block energies, shape=(blocks, channels) (channel weights 1: mono and stereo)."""
    with np.errstate(divide="ignore"):
        block = -0.691 + 10.0 * np.log10(energy.sum(axis=1))
    above = block >= ABSOLUTE_GATE
    if not above.any():
        return -math.inf
    relative = -0.691 + 10.0 * math.log10(float(energy[above].mean(axis=0).sum())) + RELATIVE_GATE
    kept = (block > relative) & (block > ABSOLUTE_GATE)
    if not kept.any():
        return -math.inf
    return -0.691 + 10.0 * math.log10(float(energy[kept].mean(axis=0).sum()))
