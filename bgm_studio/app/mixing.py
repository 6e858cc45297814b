"""The video's own sound under the music in live playback, and the music ducking under its speech.

`MixingOutput` wraps the audio output the Player writes to: after the player fills a
block, it applies the music's ducking gain and adds the video's sound from the same score
time at the chosen gain. All come from one position read before the block, so they cannot
drift apart.
"""

from __future__ import annotations

import os

import numpy as np

from ..audio.ducking import detect_speech
from ..audio.loudness import levelled
from ..audio.output import AudioOutput, FillFn
from ..audio.player import PLAYING, Player


def music_gain(sound) -> float:
    """The linear gain of the music in live playback for SoundSettings `sound` (0 when muted)."""
    return 0.0 if sound.music_muted else float(10 ** (sound.music_gain_db / 20))


def export_original_gain_db(sound) -> float | None:
    """The video sound's gain relative to the music, as exports take it (they normalise the mix's peak)."""
    return None if sound.original_gain_db is None else sound.original_gain_db - sound.music_gain_db


def decode_sound(path: str | os.PathLike, sample_rate: int) -> np.ndarray | None:
    """The video's first audio track as float32 stereo, shape=(frames, 2), from the video's start; None if silent.
    The exports' reader (export.mp4.decode_soundtrack), so playback hears what an export mixes."""
    from ..export.mp4 import decode_soundtrack

    return decode_soundtrack(path, sample_rate)


def sound_and_speech(path: str | os.PathLike, sample_rate: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The video's sound, levelled to the music as exports level it, and its speech per 10 ms frame
    (audio/ducking.py); None if it has no sound."""
    sound = decode_sound(path, sample_rate)
    return None if sound is None else (levelled(sound, sample_rate), detect_speech(sound, sample_rate))


class MixingOutput:
    """An AudioOutput that adds the video's sound (at `gain`) under what the player renders (at `music_gain`)."""

    def __init__(self, inner: AudioOutput) -> None:
        self.inner = inner
        self.sample_rate = inner.sample_rate
        self.latency_s = inner.latency_s
        self.player: Player | None = None  # set once the player on this output exists
        self.sound: np.ndarray | None = None  # (frames, 2) float32 at sample_rate
        self.gain = 0.0  # linear; 0 = muted
        self.music_gain = 1.0  # linear, applied to what the player renders
        self.ducking: np.ndarray | None = None  # (frames,) the music's gain under the video's speech; None = none
        self._fill: FillFn | None = None

    def set_sound(self, sound: np.ndarray | None, gain_db: float | None, ducking: np.ndarray | None = None) -> None:
        self.sound = sound
        self.gain = 0.0 if gain_db is None else float(10 ** (gain_db / 20))
        self.ducking = ducking

    def start(self, fill: FillFn) -> None:
        self._fill = fill
        self.inner.start(self._on_fill)

    def close(self) -> None:
        self.inner.close()

    def _on_fill(self, block: np.ndarray) -> None:
        player, sound, gain, ducking = self.player, self.sound, self.gain, self.ducking
        playing = (
            player is not None and player.state == PLAYING and (ducking is not None or sound is not None and gain > 0)
        )
        start = int(round(player.position_s() * self.sample_rate)) if playing and player is not None else 0
        if self._fill is not None:  # started
            self._fill(block)
        if self.music_gain != 1.0:
            block *= self.music_gain
        if playing and ducking is not None and start < len(ducking):
            part = ducking[start : start + len(block)]
            block[: len(part)] *= part[:, None]
        if playing and sound is not None and gain > 0 and start < len(sound):
            part = sound[start : start + len(block)]
            block[: len(part)] += gain * part
            np.clip(block, -1.0, 1.0, out=block)
