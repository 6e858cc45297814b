"""Where live audio goes: the sound device through FluidSynth's own driver, or a capture buffer.

An output calls `fill(block)` from its own thread whenever it needs audio; `block`
is a float32 array of shape (frames, 2) to overwrite. The player counts exactly
the frames handed over, so its clock follows the audio actually sent.

Why FluidSynth's driver and not PortAudio (`sounddevice`): libfluidsynth is already
a dependency and is built with PulseAudio/PipeWire, ALSA, SDL2, CoreAudio and
WASAPI, whereas `sounddevice` needs a system libportaudio that setup does not
install. `new_fluid_audio_driver2` lets us render the blocks ourselves, so the
same `Performance` serves playback and export.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import sys
import threading
from typing import Any, Callable, Protocol

import numpy as np

from ..errors import BgmError
from .fluidsynth_lib import fluidsynth
from .synth import silence_fluidsynth_log

FillFn = Callable[[np.ndarray], None]
DRIVER_ENV = "BGM_AUDIO_DRIVER"
# JACK is left out of the automatic choice: without a server it tries to start one and blocks for seconds.
DRIVERS = {
    "linux": ("pulseaudio", "alsa", "sdl2"),
    "darwin": ("coreaudio", "sdl2"),
    "win32": ("wasapi", "dsound", "sdl2"),
}

_FloatBuffers = ctypes.POINTER(ctypes.POINTER(ctypes.c_float))
_AUDIO_FUNC = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, _FloatBuffers, ctypes.c_int, _FloatBuffers
)
_new_driver2 = fluidsynth.cfunc(
    "new_fluid_audio_driver2",
    ctypes.c_void_p,
    ("settings", ctypes.c_void_p, 1),
    ("func", _AUDIO_FUNC, 1),
    ("data", ctypes.c_void_p, 1),
)


_ALSA_ERROR_HANDLER = ctypes.CFUNCTYPE(
    None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p
)
_alsa_silent = _ALSA_ERROR_HANDLER(lambda *args: None)  # module-level: libasound keeps the pointer


@functools.cache
def silence_alsa_errors() -> None:
    """Stop libasound printing its own lines when a device will not open: the failure becomes one BgmError."""
    name = ctypes.util.find_library("asound")
    if name:
        ctypes.CDLL(name).snd_lib_error_set_handler(_alsa_silent)


class AudioOutput(Protocol):
    sample_rate: int
    latency_s: float  # audio buffered between hand-over and the speaker

    def start(self, fill: FillFn) -> None: ...

    def close(self) -> None: ...


class DeviceOutput:
    """The system audio device via FluidSynth's driver, calling `fill` from the driver's thread."""

    def __init__(
        self,
        sample_rate: int = 44100,
        driver: str | None = None,
        device: str | None = None,
        period_frames: int = 512,
        periods: int = 4,
    ) -> None:
        self.sample_rate = sample_rate
        self.latency_s = period_frames * periods / sample_rate
        self._driver = driver or os.environ.get(DRIVER_ENV)
        self._device = device
        self._settings = fluidsynth.new_fluid_settings()
        _set(self._settings, "synth.sample-rate", float(sample_rate))
        _set(self._settings, "audio.period-size", period_frames)
        _set(self._settings, "audio.periods", periods)
        self._handle = None
        self._callback = _AUDIO_FUNC(self._on_audio)  # kept alive as long as the driver
        self._fill: FillFn | None = None

    def start(self, fill: FillFn) -> None:
        """Open the device (first driver that works) and start pulling audio from `fill`."""
        silence_fluidsynth_log()
        if sys.platform == "linux":
            silence_alsa_errors()
        self._fill = fill
        drivers = (self._driver,) if self._driver else DRIVERS.get(sys.platform, ("sdl2",))
        for name in drivers:
            _set(self._settings, "audio.driver", name)
            if self._device:
                _set(self._settings, f"audio.{name}.device", self._device)
            self._handle = _new_driver2(self._settings, self._callback, None)
            if self._handle:
                return
        raise BgmError(
            f"no audio output device ({', '.join(drivers)} failed): playback is unavailable, export still works"
        )

    def _on_audio(self, _data: object, frames: int, _nfx: int, _fx: object, nout: int, out: Any) -> int:
        block = np.zeros((frames, 2), np.float32)
        try:
            if self._fill is not None:
                self._fill(block)
        except Exception:  # an exception must not escape into the C audio thread; play silence
            block[:] = 0.0
        for channel in range(min(nout, 2)):
            np.ctypeslib.as_array(out[channel], shape=(frames,))[:] = block[:, channel]
        return 0

    def close(self) -> None:
        if self._handle:
            fluidsynth.delete_fluid_audio_driver(self._handle)
            self._handle = None
        if self._settings:
            fluidsynth.delete_fluid_settings(self._settings)
            self._settings = None


class CaptureOutput:
    """An output without a device: `pull(frames)` plays the audio card, recording what was sent.

    Tests and the clock benchmark use it to see exactly the audio the player hands out.
    """

    def __init__(self, sample_rate: int = 44100, record: bool = True) -> None:
        self.sample_rate = sample_rate
        self.latency_s = 0.0
        self.frames_sent = 0
        self.blocks: list[np.ndarray] = []
        self._record = record
        self._fill: FillFn | None = None
        self.lock = (
            threading.Lock()
        )  # held while a block is handed over; hold it to read the clock and frames_sent as one

    def start(self, fill: FillFn) -> None:
        self._fill = fill

    def pull(self, frames: int) -> np.ndarray:
        """Ask for `frames` frames, as a driver's callback would, and return them."""
        block = np.zeros((frames, 2), np.float32)
        with self.lock:
            if self._fill is not None:  # none before start and after close: silence
                self._fill(block)
            self.frames_sent += frames
            if self._record:
                self.blocks.append(block)
        return block

    def audio(self) -> np.ndarray:
        """Everything sent so far, shape=(frames, 2)."""
        return np.concatenate(self.blocks) if self.blocks else np.zeros((0, 2), np.float32)

    def close(self) -> None:
        self._fill = None


def _set(settings: Any, name: str, value: str | int | float) -> None:
    if isinstance(value, str):
        fluidsynth.fluid_settings_setstr(settings, name.encode(), value.encode())
    elif isinstance(value, int):
        fluidsynth.fluid_settings_setint(settings, name.encode(), value)
    else:
        fluidsynth.fluid_settings_setnum(settings, name.encode(), ctypes.c_double(value))
