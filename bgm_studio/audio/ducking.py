"""Music that makes room for dialogue: speech found in the video's sound, and the music's gain under it.

Speech is detected with WebRTC's voice-activity detector (webrtcvad-wheels: the model
is compiled into the wheel, nothing is downloaded). The gain curve sits at `depth_db`
through every stretch of speech; since export is offline it looks ahead, so the dip
starts `attack_ms` before the first word and recovers over `release_ms` after the last.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import webrtcvad

from ..errors import BgmError

VAD_RATE = 16000  # Hz, one of the rates webrtcvad takes
FRAME_S = 0.01  # 10 ms analysis frames
VAD_MODE = 3  # webrtcvad aggressiveness 0..3: 3 rejects the most non-speech (music, noise)
BRIDGE_S = 0.6  # pauses between words and sentences shorter than this stay speech (no pumping between them)
MIN_SPEECH_S = 0.1  # shorter blips are not speech
HANGOVER_S = 0.1  # speech is held this long after the detector lets go: soft word endings (s, f, th) trail off
CURVE_FRAMES = 1 << 16  # audio frames of the gain curve worked out at a time
PCM_FRAMES = 1 << 16  # audio frames resampled for the detector at a time


@dataclass(frozen=True)
class DuckingConfig:
    """How the music dips under speech."""

    enabled: bool = True
    depth_db: float = -10.0  # music gain during speech
    attack_ms: float = 150.0  # the dip is reached over this time, ending as speech starts
    release_ms: float = 400.0  # and lifted over this time after speech ends


def check_ducking(config: DuckingConfig) -> None:
    if not -60.0 <= config.depth_db <= 0.0:
        raise BgmError(f"ducking depth {config.depth_db} dB is out of range; choose -60..0 (e.g. -10)")
    for name, value in (("attack", config.attack_ms), ("release", config.release_ms)):
        if not 0.0 <= value <= 5000.0:
            raise BgmError(f"ducking {name} {value} ms is out of range; choose 0-5000 ms")


def detect_speech(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Speech per 10 ms frame of float audio, shape=(frames, channels) -> bool (frames // (rate/100),)."""
    pcm = _pcm(audio, sample_rate)
    step = int(VAD_RATE * FRAME_S)
    vad = webrtcvad.Vad(VAD_MODE)
    n = len(pcm) // step
    speech = np.array([vad.is_speech(pcm[i * step : (i + 1) * step].tobytes(), VAD_RATE) for i in range(n)], bool)
    bridged = _fill_gaps(speech, int(round(BRIDGE_S / FRAME_S)))
    speech = _drop_runs(bridged, int(MIN_SPEECH_S / FRAME_S))
    held = speech.copy()
    for shift in range(1, int(round(HANGOVER_S / FRAME_S)) + 1):
        held[shift:] |= speech[:-shift]
    return held


def _pcm(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Float audio, shape=(frames, channels) or (frames,), as the detector takes it: the mean of its channels,
    16-bit at VAD_RATE, resampled by FFmpeg (PyAV) PCM_FRAMES at a time. The same samples as in one piece,
    which took 1.1 GB of FFmpeg's buffers for a 12-minute video's sound."""
    import av  # here: the app imports this module at start, and PyAV with the first video

    resampler = av.AudioResampler(format="s16", layout="mono", rate=VAD_RATE)
    out = []
    for pos in range(0, len(audio), PCM_FRAMES):
        chunk = np.asarray(audio[pos : pos + PCM_FRAMES], np.float32)
        mono = chunk.mean(axis=1) if chunk.ndim == 2 else chunk
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(mono[None]), format="flt", layout="mono")
        frame.sample_rate = sample_rate
        out += [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
    out += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    return np.concatenate(out).astype("<i2") if out else np.zeros(0, "<i2")


def _runs(flags: np.ndarray, value: bool) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of the runs of `value` in a bool array."""
    edges = np.diff(np.concatenate([[False], flags == value, [False]]).astype(np.int8))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _fill_gaps(speech: np.ndarray, frames: int) -> np.ndarray:
    """Pauses shorter than `frames` between two stretches of speech become speech (a closing)."""
    out = speech.copy()
    for start, end in zip(*_runs(speech, False)):
        if start > 0 and end < len(speech) and end - start < frames:
            out[start:end] = True
    return out


def _drop_runs(speech: np.ndarray, frames: int) -> np.ndarray:
    """Stretches of speech shorter than `frames` are dropped (an opening)."""
    out = speech.copy()
    for start, end in zip(*_runs(speech, True)):
        if end - start < frames:
            out[start:end] = False
    return out


def duck_gain(speech: np.ndarray, n_frames: int, sample_rate: int, config: DuckingConfig) -> np.ndarray:
    """Linear music gain per audio frame, shape=(n_frames,), from speech per 10 ms frame. The curve is
    interpolated CURVE_FRAMES at a time: whole, its float64 times and levels took 254 MB each for 12 minutes."""
    if not config.enabled or not speech.any():
        return np.ones(n_frames, np.float32)
    t = np.arange(len(speech)) * FRAME_S
    idx = np.arange(len(speech))
    last = np.maximum.accumulate(np.where(speech, idx, -1))  # latest speech frame at or before each frame
    nxt = np.minimum.accumulate(np.where(speech, idx, len(speech))[::-1])[::-1]  # next one at or after
    since = np.where(last >= 0, t - (last + 1) * FRAME_S, np.inf)  # time since speech ended
    until = np.where(nxt < len(speech), nxt * FRAME_S - t, np.inf)  # time until it starts
    since[speech] = until[speech] = 0.0
    release = np.clip(1.0 - since / max(config.release_ms / 1000.0, 1e-9), 0.0, 1.0)
    attack = np.clip(1.0 - until / max(config.attack_ms / 1000.0, 1e-9), 0.0, 1.0)
    depth = np.maximum(release, attack) * config.depth_db  # dB per 10 ms frame, ramps linear in dB
    gain = np.empty(n_frames, np.float32)
    for pos in range(0, n_frames, CURVE_FRAMES):
        frame_times = np.arange(pos, min(pos + CURVE_FRAMES, n_frames)) / sample_rate
        gain[pos : pos + CURVE_FRAMES] = 10.0 ** (np.interp(frame_times, t, depth) / 20.0)
    return gain
