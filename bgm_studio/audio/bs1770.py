"""ITU-R BS.1770-4 integrated loudness, K-weighted once and re-measured under any gain curve.

The loudness rounds of the master gain (loudness.py) measure the same mix under gain curves
that differ from a constant only around the peaks the limiter turns down. The K-weighting
filter is linear, so the weighted mix under such a gain is the weighted mix scaled, plus the
weighted difference, which is zero outside those places: only they are filtered again. The
filters (pyloudnorm's own design) and the 400-ms blocks with 75%
overlap and their gates are pyloudnorm's, so the figures agree with its meter to ~1e-10 LU;
the block sums are vectorised instead of one Python call per block.
"""

from __future__ import annotations

import math

import numpy as np

from .dsp import Biquad, biquad_filter, rbj_biquad

BLOCK_S = 0.4  # gating block
STEP = 0.25  # of a block: 75% overlap
ABSOLUTE_GATE = -70.0  # LUFS
RELATIVE_GATE = -10.0  # LU under the loudness of the blocks over the absolute gate
WEIGH_FRAMES = 1 << 16  # frames K-weighted at a time (1 MB of stereo float64: stays in cache)
SUM_INTERVALS = 16  # intervals between block edges (0.1 s each) squared and summed at a time, ~1 MB
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
    mix * level * curve (curve: shape=(frames,), 1 almost everywhere) without weighting it all again."""

    def __init__(self, audio: np.ndarray, sample_rate: int) -> None:
        self._audio = audio
        self._stages = k_weighting(sample_rate)
        self._weighted = self._weigh(audio)  # (frames, channels), float64
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
        self._sums = self._all_interval_sums()  # (intervals, channels)

    def lufs(self, level: float = 1.0, curve: np.ndarray | None = None) -> float:
        """Integrated loudness (LUFS; -inf for silence or audio shorter than a block) of the mix times
        `level` times `curve`."""
        if not len(self._first):
            return -math.inf
        sums = self._sums if curve is None else self._sums_under(curve)
        return _gated(self._block_energy(sums) * level**2)

    def _weigh(self, audio: np.ndarray) -> np.ndarray:
        """The K-weighted audio in float64, WEIGH_FRAMES at a time with each stage's state carried over:
        the same numbers as filtering it whole, without whole-length float64 copies in between (a
        3-minute mix's three of 140 MB each cost more to fault in than to filter)."""
        weighted = np.empty(audio.shape, np.float64)
        stages = [Biquad(b, a, audio.shape[1]) for b, a, _ in self._stages]
        for pos in range(0, len(audio), WEIGH_FRAMES):
            x = np.asarray(audio[pos : pos + WEIGH_FRAMES], np.float64)
            for stage in stages:
                x = stage(x)
            weighted[pos : pos + WEIGH_FRAMES] = x
        return weighted

    def _all_interval_sums(self) -> np.ndarray:
        """The sums of squares over every interval, SUM_INTERVALS at a time: the same sums as squaring
        the weighted mix whole, without a whole-length float64 square (140 MB for 3 minutes) to fault in."""
        n = len(self._edges) - 1
        sums = np.empty((max(n, 0), self._weighted.shape[1]))
        for first in range(0, n, SUM_INTERVALS):
            last, lo = min(first + SUM_INTERVALS, n), int(self._edges[first])
            sums[first:last] = self._interval_sums(self._weighted[lo : self._edges[last]], first, last, lo)
        return sums

    def _interval_sums(self, weighted: np.ndarray, first: int, last: int, offset: int = 0) -> np.ndarray:
        """Sums of squares of `weighted` (which starts at frame `offset`) over intervals [first, last)."""
        if last <= first:
            return np.zeros((0, weighted.shape[1]))
        square = np.square(weighted[: self._edges[last] - offset])
        return np.add.reduceat(square, self._edges[first:last] - offset, axis=0)

    def _sums_under(self, curve: np.ndarray) -> np.ndarray:
        """The interval sums of the weighted mix times `curve`, refiltered only where the curve is not 1.

        The difference from the unchanged mix goes through each stage in pieces, each filtered with
        its stage's tail and joined where they come within a tail of each other: a long run of
        zeros inside a piece would decay into subnormal numbers, which filter ~10x slower.
        """
        n = len(curve)
        pieces = [
            (start, self._audio[start:stop] * (curve[start:stop, None] - np.float64(1.0)))
            for start, stop in _runs(curve != 1.0)
        ]
        for b, a, tail in self._stages:
            pieces = [
                (start, biquad_filter(b, a, np.pad(x, ((0, min(tail, n - start - len(x))), (0, 0)))))
                for start, x in _joined(pieces, tail)
            ]
        sums = self._sums.copy()
        for start, x in _joined(pieces, 0, self._edges):
            first = int(np.searchsorted(self._edges, start, side="right")) - 1
            last = int(np.searchsorted(self._edges, start + len(x), side="left"))
            lo, hi = int(self._edges[first]), int(self._edges[last])
            local = self._weighted[lo:hi].copy()
            local[start - lo : start - lo + len(x)] += x[: hi - start]
            sums[first:last] = self._interval_sums(local, first, last, lo)
        return sums

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


def _joined(
    pieces: list[tuple[int, np.ndarray]], gap: int, edges: np.ndarray | None = None
) -> list[tuple[int, np.ndarray]]:
    """Pieces of signal (start frame, values), summed into one where they come within `gap` frames of
    each other, or with `edges`, where they touch the same interval between edges (and cut at the last)."""
    groups: list[list[tuple[int, np.ndarray]]] = []
    end = 0
    for start, x in sorted(pieces, key=lambda p: p[0]):
        x = x if edges is None else x[: max(0, int(edges[-1]) - start)]
        if not len(x):
            continue
        if edges is None:
            near = start <= end + gap
        else:  # the interval holding the piece's first frame is the one holding the group's last, or before it
            near = bool(np.searchsorted(edges, start, side="right") <= np.searchsorted(edges, end, side="left"))
        if groups and near:
            groups[-1].append((start, x))
            end = max(end, start + len(x))
        else:
            groups.append([(start, x)])
            end = start + len(x)
    out = []
    for group in groups:
        first = group[0][0]
        joined = np.zeros((max(s + len(x) for s, x in group) - first, group[0][1].shape[1]))
        for s, x in group:
            joined[s - first : s - first + len(x)] += x
        out.append((first, joined))
    return out


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
