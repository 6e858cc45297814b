"""WAV export: 16- or 24-bit PCM stereo, exactly the requested length (e.g. the video's), at a loudness target."""

from __future__ import annotations

import os
import wave

import numpy as np

from ..atomic import atomic_path, check_writable_target
from ..audio.events import score_duration_s
from ..audio.render import CancelFn, RenderConfig, never
from ..audio.synth import SynthConfig
from ..errors import BgmError
from ..music.notes import Score
from ..progress import ProgressFn, no_progress
from .mixdown import MixConfig, mixdown

BIT_DEPTHS = (16, 24)
WRITE_CHUNK_FRAMES = 1 << 16


def check_bits(bits: int) -> None:
    if bits not in BIT_DEPTHS:
        raise BgmError(f"{bits}-bit WAV is not supported; choose 16 or 24")


def to_pcm(audio: np.ndarray, bits: int) -> bytes:
    """float audio in [-1, 1], shape=(frames, channels) -> interleaved little-endian 16/24-bit PCM."""
    full_scale = 2 ** (bits - 1) - 1
    ints = np.round(np.clip(audio, -1.0, 1.0) * full_scale).astype("<i4")
    if bits == 16:
        return ints.astype("<i2").tobytes()
    return ints.reshape(-1, 1).view(np.uint8)[:, :3].tobytes()  # the low three bytes of each sample


def write_wav(
    audio: np.ndarray,
    sample_rate: int,
    path: str | os.PathLike,
    bits: int = 16,
    progress: ProgressFn = no_progress,
    cancel: CancelFn = never,
) -> None:
    """Write float stereo audio, shape=(frames, 2), as PCM WAV atomically."""
    check_bits(bits)
    with atomic_path(path) as tmp, wave.open(str(tmp), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(bits // 8)
        w.setframerate(sample_rate)
        w.setnframes(len(audio))
        for pos in range(0, len(audio), WRITE_CHUNK_FRAMES):
            if cancel():
                raise BgmError(f"{path}: export cancelled")
            progress(pos, len(audio), "writing WAV")
            w.writeframesraw(to_pcm(audio[pos : pos + WRITE_CHUNK_FRAMES], bits))
    progress(len(audio), len(audio), "writing WAV")


def export_wav(
    score: Score,
    path: str | os.PathLike,
    duration_s: float | None = None,
    bits: int = 16,
    synth: SynthConfig = SynthConfig(),
    config: RenderConfig = RenderConfig(),
    progress: ProgressFn = no_progress,
    cancel: CancelFn = never,
    video: str | None = None,
    mix: MixConfig = MixConfig(),
) -> None:
    """Render and mix the score (mixdown.py) and write it as WAV.

    duration_s (e.g. the video's) fixes the length exactly; default: the score plus its tail.
    video: its own sound ducks the music (and joins the mix at `mix.original_gain_db`).
    """
    check_bits(bits)
    check_writable_target(path)  # fail before the render, not after it
    duration_s = duration_s or score_duration_s(score) + config.tail_s
    audio = mixdown(score, duration_s, video, mix, synth, config, progress, cancel).mix
    write_wav(audio, config.sample_rate, path, bits, progress, cancel)
