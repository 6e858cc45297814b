"""WAV export: 16- or 24-bit PCM stereo (32-bit float for stems), exactly the requested length (e.g. the
video's), at a loudness target."""

from __future__ import annotations

import os
import struct
import wave
from typing import BinaryIO, Callable

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
FLOAT_BITS = 32  # IEEE float samples: no clipping above full scale (stems, whose parts may cancel in the mix)
WRITE_CHUNK_FRAMES = 1 << 16
_WAVE_FORMAT_IEEE_FLOAT = 3


def check_bits(bits: int) -> None:
    if bits not in BIT_DEPTHS:
        raise BgmError(f"{bits}-bit WAV is not supported; choose 16 or 24")


def to_pcm(audio: np.ndarray, bits: int) -> bytes:
    """float audio in [-1, 1], shape=(frames, channels) -> interleaved little-endian 16/24-bit PCM
    (FLOAT_BITS: 32-bit float samples, unclipped)."""
    if bits == FLOAT_BITS:
        return np.ascontiguousarray(audio, "<f4").tobytes()
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
    """Write float stereo audio, shape=(frames, 2), as PCM WAV (bits FLOAT_BITS: float WAV) atomically."""
    if bits != FLOAT_BITS:
        check_bits(bits)
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        if bits == FLOAT_BITS:
            _write_float_header(f, len(audio), sample_rate)
            _write_frames(f.write, audio, bits, path, progress, cancel)
        else:
            with wave.open(f, "wb") as w:
                w.setnchannels(2)
                w.setsampwidth(bits // 8)
                w.setframerate(sample_rate)
                w.setnframes(len(audio))
                _write_frames(w.writeframesraw, audio, bits, path, progress, cancel)
    progress(len(audio), len(audio), "writing WAV")


def _write_frames(
    write: Callable[[bytes], object],
    audio: np.ndarray,
    bits: int,
    path: str | os.PathLike,
    progress: ProgressFn,
    cancel: CancelFn,
) -> None:
    for pos in range(0, len(audio), WRITE_CHUNK_FRAMES):
        if cancel():
            raise BgmError(f"{path}: export cancelled")
        progress(pos, len(audio), "writing WAV")
        write(to_pcm(audio[pos : pos + WRITE_CHUNK_FRAMES], bits))


def _write_float_header(f: BinaryIO, frames: int, sample_rate: int) -> None:
    """RIFF header of a stereo 32-bit float WAV (the `wave` module writes PCM only): fmt, fact, data."""
    data = frames * 8
    f.write(b"RIFF" + struct.pack("<I", 4 + 26 + 12 + 8 + data) + b"WAVE")
    f.write(b"fmt " + struct.pack("<IHHIIHHH", 18, _WAVE_FORMAT_IEEE_FLOAT, 2, sample_rate, sample_rate * 8, 8, 32, 0))
    f.write(b"fact" + struct.pack("<II", 4, frames) + b"data" + struct.pack("<I", data))


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
    audio = mixdown(score, duration_s, video, mix, synth, config, progress, cancel, apart=False).mix
    write_wav(audio, config.sample_rate, path, bits, progress, cancel)
