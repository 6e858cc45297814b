"""Loudness to a delivery standard: ITU-R BS.1770 integrated loudness (bs1770.py) and true peak.

`master_gain` returns one gain per frame that takes a mix to its target loudness with
its true peak at or below -1 dBTP. The same gain multiplies every stem, so stems still
sum to the mix: the peak limiter therefore is a look-ahead gain curve shared by all
stems, not an effect applied to the mix alone. Peak normalisation is what is left as
the last safety step: if the curve still leaves a true peak over the ceiling, the whole
mix comes down by the excess.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ..errors import BgmError
from .bs1770 import SCAN_FRAMES, LoudnessMeter
from .dsp import kaiser_lowpass, oversample4, running_mean, running_min

TARGETS = {"streaming": -14.0, "web": -16.0, "broadcast": -23.0}  # LUFS; broadcast is EBU R128
DEFAULT_TARGET = "streaming"
TRUE_PEAK_CEILING_DB = -1.0  # dBTP
OVERSAMPLE = 4  # BS.1770-4 true peak: 4x oversampling at 44.1/48 kHz
BLOCK = 1024  # frames: true peaks are computed block by block where they can matter
PAD = 64  # frames of context each side of a block for the oversampling filter
RUN_FRAMES = 64 * BLOCK  # frames oversampled at once: whole, a loud 12-minute mix's 4x signal took 1 GB
OVERSHOOT_DB = 3.0  # blocks whose sample peak is this far under a level of interest cannot reach it
LOOKAHEAD_S = 0.005  # the limiter's gain reaches a peak's reduction over this time, before and after it
ROUNDS = 6  # loudness / limiter rounds; each brings the loudness closer to the target
TOLERANCE_LU = 0.2  # within the +-0.5 LU a delivery allows, with room for other meters
CODEC_MARGIN_DB = 0.5  # peaks are held this far under the ceiling: AAC encoding in the MP4 raises them a little
MIN_LUFS = -70.0  # BS.1770's absolute gate: quieter than this counts as silence
SOUND_LEVEL_LUFS = -19.0  # a video's own sound is levelled to this: where the default piano's music renders
MAX_RAISE_DB = 20.0  # a quiet recording is raised at most this much, so room tone stays room tone


@dataclass(frozen=True)
class Loudness:
    """What a mix measures: integrated loudness (LUFS; -inf when silent) and true peak (dBTP)."""

    lufs: float
    true_peak_db: float

    def describe(self) -> str:
        lufs = f"{self.lufs:.1f} LUFS" if np.isfinite(self.lufs) else "silent"
        return f"{lufs}, true peak {self.true_peak_db:.1f} dBTP"


def check_target(name: str) -> float:
    """The LUFS of a named loudness target."""
    if name not in TARGETS:
        raise BgmError(f"unknown loudness target {name!r}; choose {', '.join(TARGETS)}")
    return TARGETS[name]


def integrated_lufs(audio: np.ndarray, sample_rate: int) -> float:
    """BS.1770 integrated loudness of float audio, shape=(frames, channels); -inf for silence or < 0.4 s."""
    return _above_silence(LoudnessMeter(audio, sample_rate).lufs())


def sound_level(sound: np.ndarray, sample_rate: int) -> np.float32:
    """The gain that brings `sound` to SOUND_LEVEL_LUFS (raised by MAX_RAISE_DB at most), so a gain on it
    reads against the music's level and not against however loud the camera recorded it; 1 for silence."""
    lufs = integrated_lufs(sound, sample_rate)
    return np.float32(10 ** (min(SOUND_LEVEL_LUFS - lufs, MAX_RAISE_DB) / 20) if np.isfinite(lufs) else 1.0)


def levelled(sound: np.ndarray, sample_rate: int) -> np.ndarray:
    """`sound` times its `sound_level`; silence stays as it is."""
    gain = sound_level(sound, sample_rate)
    return sound if gain == 1 else sound * gain


def _above_silence(lufs: float) -> float:
    return lufs if lufs > MIN_LUFS else float("-inf")


def true_peak_envelope(audio: np.ndarray, floor: float = 0.0) -> np.ndarray:
    """Per frame, the largest magnitude of the 4x oversampled signal around it, shape=(frames,).

    Oversampling costs more than the render, so it is done only in blocks whose sample peak
    reaches `floor` (linear); elsewhere a frame's sample magnitude stands in: callers set the
    floor OVERSHOOT_DB below any level that matters, and inter-sample peaks of music stay well
    within that of the samples around them.
    """
    magnitude = _sample_magnitude(audio)
    n = len(magnitude)
    block_peak = np.maximum.reduceat(magnitude, np.arange(0, n, BLOCK)) if n else magnitude
    edges = np.diff(np.concatenate([[0], (block_peak >= floor).astype(np.int8), [0]]))
    taps = _oversampling_taps().astype(audio.dtype)  # as resample_poly casts its own design
    for first, last in zip((np.nonzero(edges == 1)[0] * BLOCK).tolist(), (np.nonzero(edges == -1)[0] * BLOCK).tolist()):
        for start in range(first, min(last, n), RUN_FRAMES):  # a long run a piece at a time: memory stays bounded
            stop = min(start + RUN_FRAMES, last, n)
            a, b = max(0, start - PAD), min(n, stop + PAD)  # context for the interpolation filter
            up = _channel_max(np.abs(oversample4(audio[a:b], taps)))
            per_frame = _channel_max(up[: (b - a) * OVERSAMPLE].reshape(b - a, OVERSAMPLE))
            magnitude[start:stop] = per_frame[start - a : stop - a]
    return magnitude


def _sample_magnitude(audio: np.ndarray) -> np.ndarray:
    """float32 (frames,): the largest magnitude over the channels of each frame, SCAN_FRAMES at a time
    (whole, each channel's magnitude was a temporary of 127 MB for 12 minutes)."""
    magnitude = np.empty(len(audio), np.float32)
    for pos in range(0, len(audio), SCAN_FRAMES):
        chunk, out = audio[pos : pos + SCAN_FRAMES], magnitude[pos : pos + SCAN_FRAMES]
        np.abs(chunk[:, 0], out=out)
        for c in range(1, audio.shape[1]):
            np.maximum(out, np.abs(chunk[:, c]), out=out)
    return magnitude


@functools.cache
def _oversampling_taps() -> np.ndarray:
    """scipy.signal.resample_poly's own design for 4x (Kaiser, beta 5), made once."""
    return kaiser_lowpass(2 * 10 * OVERSAMPLE + 1, 1.0 / OVERSAMPLE, 5.0)


def _channel_max(values: np.ndarray) -> np.ndarray:
    """Row maxima of a (rows, few) array: np.maximum column by column, many times faster than max(axis=1)."""
    return np.maximum.reduce([values[:, c] for c in range(values.shape[1])]) if len(values) else values[:, 0].copy()


def true_peak_db(audio: np.ndarray) -> float:
    """BS.1770 true peak (4x oversampled) in dBTP; -inf for silence."""
    sample_peak = float(np.abs(audio).max(initial=0.0))
    peak = float(true_peak_envelope(audio, sample_peak * 10 ** (-OVERSHOOT_DB / 20)).max(initial=0.0))
    return 20.0 * np.log10(peak) if peak > 0 else float("-inf")


def measure(audio: np.ndarray, sample_rate: int) -> Loudness:
    return Loudness(integrated_lufs(audio, sample_rate), true_peak_db(audio))


def limiter_gain(
    peaks: np.ndarray, ceiling: float, sample_rate: int, level: float = 1.0, out: np.ndarray | None = None
) -> np.ndarray:
    """Gain per frame that keeps `peaks` (true-peak envelope) times `level` at or under `ceiling` (linear);
    `out`: a float32 array of the frames' length to write it into (a spent gain: 127 MB for 12 minutes).

    The required gain is held over twice the look-ahead around each peak and then averaged
    over the look-ahead, so it ramps down before a peak and back up after it, never above
    what any frame needs (every value averaged at a frame is a minimum taken over that frame).
    What each frame needs is worked out SCAN_FRAMES at a time, and again near the frames that
    need less than 1: whole, it and its temporaries took 127 MB each for 12 minutes.
    """
    width = max(1, int(LOOKAHEAD_S * sample_rate))
    n = len(peaks)
    gain = np.empty(n, np.float32) if out is None else out
    gain.fill(1.0)  # exactly 1 wherever no frame within reach needs less
    reach = width + width // 2 + 1  # how far a frame's need spreads: the minimum's, then the mean's half-window
    for a, b in _runs_near(_limited_frames(peaks, ceiling, level), n, reach):  # a few thousandths of a music mix
        lo, hi = max(0, a - reach), min(n, b + reach)  # each value kept sees the same frames as over the whole
        held = running_mean(running_min(_need(peaks[lo:hi], ceiling, level), 2 * width + 1), width)
        gain[a:b] = held[a - lo : b - lo]
    return gain


def _limited_frames(peaks: np.ndarray, ceiling: float, level: float) -> np.ndarray:
    """The frames, ascending, that need a gain under 1 to stay under `ceiling`."""
    hits = [
        pos + np.flatnonzero(_need(peaks[pos : pos + SCAN_FRAMES], ceiling, level) < 1.0)
        for pos in range(0, len(peaks), SCAN_FRAMES)
    ]
    return np.concatenate(hits) if hits else np.zeros(0, np.int64)


def _need(peaks: np.ndarray, ceiling: float, level: float) -> np.ndarray:
    """min(1, ceiling / (peaks * level)) per frame, in float32 with one array for all its steps."""
    need: np.ndarray = np.multiply(peaks, np.float32(level), dtype=np.float32)
    np.maximum(need, np.float32(1e-12), out=need)
    np.divide(np.float32(ceiling), need, out=need)
    np.minimum(need, np.float32(1.0), out=need)
    return need


def _runs_near(hits: np.ndarray, frames: int, reach: int) -> list[tuple[int, int]]:
    """[start, end) spans, within `frames`, covering every frame within `reach` of a frame in `hits`
    (ascending), overlapping spans joined."""
    if not len(hits):
        return []
    breaks = np.flatnonzero(np.diff(hits) > 2 * reach)
    starts, ends = hits[np.r_[0, breaks + 1]], hits[np.r_[breaks, len(hits) - 1]]
    return [(max(0, int(a) - reach), min(frames, int(b) + reach + 1)) for a, b in zip(starts, ends)]


def master_gain(
    mix: np.ndarray, sample_rate: int, target_lufs: float, ceiling_db: float = TRUE_PEAK_CEILING_DB
) -> tuple[np.ndarray, float]:
    """(gain per frame, shape=(frames,), resulting LUFS) taking `mix` to `target_lufs`, true peak <= `ceiling_db`.

    A silent mix keeps gain 1. Where the limiter has to work hard, the loudness can fall
    short of the target; the LUFS returned is measured on the result.
    """
    meter = LoudnessMeter(mix, sample_rate)  # K-weighted once: each round refilters only what the limiter changed
    lufs = _above_silence(meter.lufs())
    if not np.isfinite(lufs):
        return np.ones(len(mix), np.float32), lufs
    ceiling = 10.0 ** ((ceiling_db - CODEC_MARGIN_DB) / 20.0)
    level = 10.0 ** ((target_lufs - lufs) / 20.0)
    peaks = true_peak_envelope(mix, ceiling / level * 10 ** (-(OVERSHOOT_DB + 1.0) / 20))  # rounds move level < 1 dB
    gain = np.empty(len(mix), np.float32)  # each round's written over the last's
    for _ in range(ROUNDS):
        limiter_gain(peaks, ceiling, sample_rate, level, out=gain)
        lufs = _above_silence(meter.lufs(level, gain))
        gain *= np.float32(level)
        if abs(target_lufs - lufs) < TOLERANCE_LU:
            break
        level *= 10.0 ** ((target_lufs - lufs) / 20.0)
    over = 20.0 * np.log10(_peak_under(peaks, gain)) - ceiling_db  # the gain is smooth: peaks scale with it
    if over > 0:  # the safety limiter: peak normalisation of the whole mix
        gain *= np.float32(10.0 ** (-over / 20.0))
        lufs -= over  # loudness scales with a constant gain
    return gain, lufs


def _peak_under(peaks: np.ndarray, gain: np.ndarray) -> float:
    """The largest of peaks * gain (float32, as whole), SCAN_FRAMES at a time."""
    return max(
        float(np.multiply(peaks[pos : pos + SCAN_FRAMES], gain[pos : pos + SCAN_FRAMES]).max())
        for pos in range(0, len(peaks), SCAN_FRAMES)
    )
