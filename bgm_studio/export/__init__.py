"""Exports: MIDI for a DAW, WAV for any editor, the video with its new soundtrack."""

from .midi import export_midi
from .mp4 import export_mp4
from .probe import VideoInfo, probe_video
from .wav import export_wav, write_wav

__all__ = ["export_midi", "export_mp4", "VideoInfo", "probe_video", "export_wav", "write_wav"]
