"""Sound: one FluidSynth wrapper for offline rendering and live playback."""

from .output import AudioOutput, CaptureOutput, DeviceOutput
from .player import PAUSED, PLAYING, STOPPED, Player
from .render import RenderConfig, fade_out, never, normalise_peak, peak_dbfs, render
from .soundfont import default_soundfont, find_soundfont
from .synth import Performance, Synth, SynthConfig

__all__ = [
    "AudioOutput",
    "CaptureOutput",
    "DeviceOutput",
    "PAUSED",
    "PLAYING",
    "STOPPED",
    "Player",
    "RenderConfig",
    "fade_out",
    "never",
    "normalise_peak",
    "peak_dbfs",
    "render",
    "default_soundfont",
    "find_soundfont",
    "Performance",
    "Synth",
    "SynthConfig",
]
