"""Offline rendering of a Score to float32 stereo: each part on its own (the stems), faded, summed to the mix."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import BgmError
from ..music.notes import Score
from ..progress import ProgressFn, no_progress
from .dsp import Biquad, butter_highpass
from .events import PedalSpans, score_duration_s
from .release_trim import ReleaseTrim
from .synth import N_CHANNELS as N_TRACKS, Performance, Synth, SynthConfig

SAMPLE_RATES = (44100, 48000)
SILENCE_PEAK = 1e-5  # -100 dBFS: FluidSynth's reverb idles around -150 dBFS; never amplify that
CHUNK_S = 2.0  # progress and cancel are checked this often (in audio time)
DC_CUTOFF_HZ = 20.0  # high-pass under the music: FluidR3's warm pad (GM 89) samples carry a DC offset
CancelFn = Callable[[], bool]


def never() -> bool:
    """A cancel callback that never cancels (library default); pass e.g. `threading.Event().is_set`."""
    return False


@dataclass(frozen=True)
class RenderConfig:
    """Offline render settings."""

    sample_rate: int = 44100  # 44100 or 48000
    headroom_db: float = -1.0  # peak level after normalisation, dBFS (<= 0)
    fade_s: float = 0.75  # fade-out over the last seconds of the audio
    tail_s: float = 2.0  # release and reverb kept after the score's end when no duration is given


def check_render_config(config: RenderConfig) -> None:
    if config.sample_rate not in SAMPLE_RATES:
        raise BgmError(f"sample rate {config.sample_rate} Hz is not supported; choose 44100 or 48000")
    if config.headroom_db > 0:
        raise BgmError(f"headroom {config.headroom_db} dBFS would clip; choose a value <= 0")


def render(
    score: Score,
    synth: SynthConfig = SynthConfig(),
    config: RenderConfig = RenderConfig(),
    start_s: float = 0.0,
    duration_s: float | None = None,
    pedal: PedalSpans = (),
    progress: ProgressFn = no_progress,
    cancel: CancelFn = never,
) -> np.ndarray:
    """Render the score from `start_s` for `duration_s` seconds (default: to its end plus the tail).

    Returns float32 audio, shape=(frames, 2), frames = round(duration_s * sample_rate),
    faded out at the end and normalised so its peak sits at the configured headroom.
    """
    audio = render_together(score, synth, config, start_s, duration_s, pedal, progress, cancel)
    return normalise_peak(audio, config.headroom_db)


def render_together(
    score: Score,
    synth: SynthConfig = SynthConfig(),
    config: RenderConfig = RenderConfig(),
    start_s: float = 0.0,
    duration_s: float | None = None,
    pedal: PedalSpans = (),
    progress: ProgressFn = no_progress,
    cancel: CancelFn = never,
) -> np.ndarray:
    """Every part on one synth, faded, not normalised: float32, shape=(frames, 2). The quick path
    when no stems are wanted: a third less CPU than render_stems, and its sum to -75..-80 dB RMS
    (each synth ends release tails once they are inaudible in its own output, release_trim.py)."""
    audio = np.zeros((_frames(score, config, start_s, duration_s), 2), np.float32)
    _perform(score, synth, config, start_s, pedal, None, audio, _reporter(progress, len(audio), config), cancel)
    return fade_out(audio, int(config.fade_s * config.sample_rate))


def render_stems(
    score: Score,
    synth: SynthConfig = SynthConfig(),
    config: RenderConfig = RenderConfig(),
    start_s: float = 0.0,
    duration_s: float | None = None,
    pedal: PedalSpans = (),
    progress: ProgressFn = no_progress,
    cancel: CancelFn = never,
) -> np.ndarray:
    """Each track rendered alone, faded, not normalised: float32, shape=(tracks, frames, 2).

    Track k is part k (melody, accompaniment, bass); their sum is the mix. Each part has
    a synth of its own, so its reverb and chorus stay in its stem; the parts render in
    parallel threads (FluidSynth runs without the GIL; the synths read and free their samples
    one at a time, synth.py), each synth on one core: the parts already spread over the cores,
    and FluidSynth's own worker threads (2 a synth) made 3 minutes cost 3.6 s of CPU and 2.1 s of
    wall time on 2 cores instead of 2.5 s and 1.45 s, and left the audio a float32 step apart
    from one render to the next where the threads summed voices in another order.
    FluidSynth can also route channels to separate outputs of one synth, but with effects
    per output that ran ~10x slower here.
    """
    frames = _frames(score, config, start_s, duration_s)
    n_tracks = max([N_TRACKS] + [n.track + 1 for n in score.notes])
    stems = np.zeros((n_tracks, frames, 2), np.float32)
    sounding = sorted({n.track for n in score.notes})
    report = _reporter(progress, frames * len(sounding), config)
    with ThreadPoolExecutor(max_workers=max(1, len(sounding))) as pool:
        jobs = [
            pool.submit(
                _perform,
                score,
                synth,
                config,
                start_s,
                pedal,
                {track},
                stems[track],
                report,
                cancel,
            )
            for track in sounding
        ]
        for job in jobs:
            job.result()
    for stem in stems:
        fade_out(stem, int(config.fade_s * config.sample_rate))
    return stems


def _frames(score: Score, config: RenderConfig, start_s: float, duration_s: float | None) -> int:
    check_render_config(config)
    if duration_s is None:
        duration_s = max(0.0, score_duration_s(score) - start_s) + config.tail_s
    elif duration_s <= 0:
        raise BgmError(f"cannot render {duration_s} s of music; the length must be positive")
    return int(round(duration_s * config.sample_rate))


def _reporter(progress: ProgressFn, total_frames: int, config: RenderConfig) -> Callable[[int], None]:
    """A thread-safe counter of rendered frames that reports progress in seconds of audio."""
    lock, done = threading.Lock(), [0]
    sr = config.sample_rate

    def add(frames: int) -> None:
        with lock:
            done[0] += frames
            progress(done[0] / sr, total_frames / sr, "rendering music")

    return add


def _perform(
    score: Score,
    synth: SynthConfig,
    config: RenderConfig,
    start_s: float,
    pedal: PedalSpans,
    tracks: set[int] | None,
    out: np.ndarray,
    report: Callable[[int], None],
    cancel: CancelFn,
) -> None:
    """Play `tracks` of the score (None: all) from `start_s` into `out` (frames, 2) on a synth of its own,
    release tails ended once inaudible (release_trim.py), DC and subsonics removed (dc_blocker)."""
    chunk = int(CHUNK_S * config.sample_rate)
    block_dc = dc_blocker(config.sample_rate)
    fluid = Synth(synth, config.sample_rate, lazy_samples=True)
    try:
        performance = ReleaseTrim(Performance(fluid, score, pedal, start_s, tracks))
        report(0)
        for pos in range(0, len(out), chunk):
            if cancel():
                raise BgmError("render cancelled")
            performance.render_into(out[pos : pos + chunk])
            block_dc(out[pos : pos + chunk])
            report(min(chunk, len(out) - pos))
    finally:
        fluid.close()


def dc_blocker(sample_rate: int) -> Callable[[np.ndarray], None]:
    """A 2nd-order Butterworth high-pass at DC_CUTOFF_HZ, applied in place to consecutive chunks
    of (frames, 2) float32 audio. Linear, so stems filtered apart still sum to the mix filtered whole.

    Why: a warm-pad chord in FluidR3 sits ~+0.05 off zero; over a piece that DC was 80% of the ambient
    accompaniment's energy, ate the limiter's headroom and thumped where the ducking gain moved it.
    One biquad in float64 (dsp.Biquad): float32 state left 1e-4 on that offset.
    """
    biquad = Biquad(*butter_highpass(DC_CUTOFF_HZ, sample_rate), channels=2)

    def block(audio: np.ndarray) -> None:
        audio[:] = biquad(audio)

    return block


def fade_out(audio: np.ndarray, frames: int) -> np.ndarray:
    """Apply a raised-cosine fade over the last `frames` frames, in place; returns `audio`."""
    frames = min(frames, len(audio))
    if frames > 0:
        ramp = 0.5 + 0.5 * np.cos(np.linspace(0.0, np.pi, frames, dtype=np.float32))
        audio[-frames:] *= ramp[:, None]
    return audio


def normalise_peak(audio: np.ndarray, headroom_db: float = -1.0) -> np.ndarray:
    """Scale so the sample peak is at `headroom_db` dBFS, in place; near-silence is left alone."""
    peak = float(np.max(np.abs(audio), initial=0.0))
    if peak > SILENCE_PEAK:
        audio *= np.float32(10.0 ** (headroom_db / 20.0) / peak)
    return audio


def peak_dbfs(audio: np.ndarray) -> float:
    """Sample peak in dBFS (-inf for silence)."""
    peak = float(np.max(np.abs(audio), initial=0.0))
    return 20.0 * np.log10(peak) if peak > 0 else float("-inf")
