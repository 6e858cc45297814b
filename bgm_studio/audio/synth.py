"""The one FluidSynth wrapper, used by offline rendering and live playback alike.

`Synth` holds a FluidSynth instance with a soundfont and a GM program per track and
renders float32 stereo. `Performance` plays a score's events on a `Synth` from any
time, rendering on demand. FluidSynth applies an event at the start of its next
64-frame block, so `Performance` renders exactly up to the block boundary nearest
each event's time and sends the event there: events are placed to within half a
block (0.73 ms at 44.1 kHz), on the same frames however the audio is pulled and
from wherever playback starts.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Collection, Iterable

import numpy as np

from ..errors import BgmError
from ..music.notes import Score, SoundChange
from .events import (
    NOTE_OFF,
    NOTE_ON,
    PEDAL,
    PROGRAM_KEY,
    SOUND,
    SUSTAIN_CC,
    Event,
    PedalSpans,
    score_duration_s,
    score_events,
)
from .fluidsynth_lib import fluidsynth
from .sf2_sends import chorus_programs
from .soundfont import find_soundfont, soundfont_error

BLOCK_FRAMES = 64  # FluidSynth's internal block (FLUID_BUFSIZE)
N_CHANNELS = 3  # melody, accompaniment, bass

_write_float = fluidsynth.cfunc(
    "fluid_synth_write_float",
    ctypes.c_int,
    ("synth", ctypes.c_void_p, 1),
    ("len", ctypes.c_int, 1),
    ("lout", ctypes.c_void_p, 1),
    ("loff", ctypes.c_int, 1),
    ("lincr", ctypes.c_int, 1),
    ("rout", ctypes.c_void_p, 1),
    ("roff", ctypes.c_int, 1),
    ("rincr", ctypes.c_int, 1),
)
_chorus_on = fluidsynth.cfunc(
    "fluid_synth_chorus_on",
    None,
    ("synth", ctypes.c_void_p, 1),
    ("fx_group", ctypes.c_int, 1),
    ("on", ctypes.c_int, 1),
)
_pin_preset = fluidsynth.cfunc(
    "fluid_synth_pin_preset",
    ctypes.c_int,
    ("synth", ctypes.c_void_p, 1),
    ("sfont_id", ctypes.c_int, 1),
    ("bank_num", ctypes.c_int, 1),
    ("preset_num", ctypes.c_int, 1),
)
# Held by every FluidSynth call that reads or frees samples. FluidSynth (2.3.1) shares read samples between the
# synths of a process and counts their users after leaving its own lock: a synth that found samples as another
# freed them kept the freed memory and could play it (stems rendered in parallel threads, render.py).
_SAMPLE_CACHE = threading.RLock()
_LOG_FUNC = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)
_set_log_function = fluidsynth.cfunc(
    "fluid_set_log_function",
    ctypes.c_void_p,
    ("level", ctypes.c_int, 1),
    ("fun", _LOG_FUNC, 1),
    ("data", ctypes.c_void_p, 1),
)


_GLIB_LOG_FUNC = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)
_glib_quiet = _GLIB_LOG_FUNC(lambda domain, level, message, data: None)  # kept alive as long as the module


def silence_fluidsynth_log() -> None:
    """Stop FluidSynth printing to stderr: every failure it reports reaches the user as a BgmError.

    A damaged soundfont also makes libinstpatch, which FluidSynth loads it with, print GLib
    "** CRITICAL **" lines; GLib's default log handler is replaced by a silent one for that.
    """
    for level in range(1, 5):  # error, warning, info, debug (panic stays)
        _set_log_function(level, _LOG_FUNC(), None)
    glib = ctypes.util.find_library("glib-2.0")
    if glib:
        ctypes.CDLL(glib).g_log_set_default_handler(_glib_quiet, None)


@dataclass(frozen=True)
class SynthConfig:
    """How the music sounds (the sample rate is chosen by the renderer or the audio device)."""

    soundfont: str | None = None  # .sf2/.sf3 file; None = $BGM_SOUNDFONT or the default GM soundfont
    programs: tuple[int, ...] = (0, 0, 0)  # GM programs of melody, accompaniment, bass (ch 0-2) until the score's own
    gain: float = (
        0.8  # FluidSynth master gain, the live level: POP909 songs peak at -8..-3 dBFS (renders are normalised)
    )
    reverb: bool = True  # FluidSynth's room reverb


def check_programs(programs: tuple[int, ...]) -> None:
    for program in programs:
        if not 0 <= program <= 127:
            raise BgmError(f"GM program {program} is out of range; choose 0-127 (0 is the piano)")


class Synth:
    """A FluidSynth instance with the config's soundfont and programs, rendering float32 stereo."""

    def __init__(self, config: SynthConfig, sample_rate: int, lazy_samples: bool = False) -> None:
        """lazy_samples: read only the samples of the programs selected, when first selected (offline renders:
        0.07 s instead of 0.5 s to open a GM soundfont, same audio; never live, where a read could glitch)."""
        check_programs(config.programs)
        self._path = find_soundfont(config.soundfont)
        self.sample_rate = sample_rate
        self.frames_rendered = 0  # FluidSynth's blocks start at multiples of 64 of this count
        # a live synth holds every sample from the start: its program changes (in the audio thread) read none
        self._reading: AbstractContextManager[object] = _SAMPLE_CACHE if lazy_samples else nullcontext()
        with _SAMPLE_CACHE:
            silence_fluidsynth_log()
            self._fs = fluidsynth.Synth(
                gain=config.gain,
                samplerate=sample_rate,
                channels=16,
                **{
                    "synth.reverb.active": int(config.reverb),
                    "synth.chorus.active": 0,
                    "synth.dynamic-sample-loading": int(lazy_samples),
                },
            )
            try:
                self._sfid = self._fs.sfload(str(self._path))
                if self._sfid < 0:
                    raise soundfont_error(self._path, "could not be loaded (corrupt or not a SoundFont)")
                self.set_programs(config.programs)
            except BgmError:
                self.close()
                raise

    @property
    def handle(self) -> int:
        """FluidSynth's own synth pointer, for the calls pyfluidsynth does not wrap."""
        return int(self._fs.synth)

    def set_programs(self, programs: tuple[int, ...]) -> None:
        """Select the GM program (bank 0) of each track's channel."""
        check_programs(programs)
        for channel, program in enumerate(programs):
            if self._select(channel, program) != 0:
                raise soundfont_error(self._path, f"has no GM program {program}")
        self._programs = tuple(programs)

    def _select(self, channel: int, program: int) -> int:
        """Select the GM program on the channel; FluidSynth's status (0: selected).

        A lazy synth reads the program's samples here, under _SAMPLE_CACHE, and pins them until it closes: a
        later program change or a note's end then frees nothing while the synth renders beside others."""
        with self._reading:
            _pin_preset(self.handle, self._sfid, 0, program)
            return int(self._fs.program_select(channel, self._sfid, 0, program))

    def feeds_chorus(self, changes: Iterable[SoundChange], tracks: Collection[int] | None = None) -> bool:
        """Whether a voice of `tracks` (None: all) can reach the chorus, as the score's `changes` set them up:
        a CC 93 send, or a program whose soundfont zones send on their own (sf2_sends.py)."""
        own = chorus_programs(self._path)
        if any(p in own for channel, p in enumerate(self._programs) if tracks is None or channel in tracks):
            return True
        return any(c.chorus > 0 or c.program in own for c in changes if tracks is None or c.track in tracks)

    def set_chorus(self, on: bool) -> None:
        """Run FluidSynth's chorus (each channel's send is its CC 93); off, it costs nothing."""
        _chorus_on(self._fs.synth, -1, int(on))

    def send(self, event: Event) -> None:
        if event.kind == NOTE_ON:
            self._fs.noteon(event.channel, event.key, event.value)
        elif event.kind == NOTE_OFF:
            self._fs.noteoff(event.channel, event.key)
        elif event.kind == SOUND and event.key == PROGRAM_KEY:
            self._select(event.channel, event.value)
        else:
            self._fs.cc(event.channel, event.key, event.value)

    def silence(self) -> None:
        """Cut every sounding voice and lift the pedal (before a seek or a pause)."""
        for channel in range(N_CHANNELS):
            self._fs.cc(channel, SUSTAIN_CC, 0)
            self._fs.all_sounds_off(channel)

    def write(self, out: np.ndarray) -> None:
        """Render len(out) frames into `out`, a C-contiguous float32 array of shape (frames, 2)."""
        if not (out.dtype == np.float32 and out.ndim == 2 and out.shape[1] == 2 and out.flags.c_contiguous):
            raise ValueError("out must be a C-contiguous float32 array of shape (frames, 2)")
        ptr = out.ctypes.data
        _write_float(self._fs.synth, len(out), ptr, 0, 2, ptr, 1, 2)
        self.frames_rendered += len(out)

    def close(self) -> None:
        """Free the synth and its samples (under _SAMPLE_CACHE: another synth may be reading the same)."""
        if self._fs is not None:
            with _SAMPLE_CACHE:
                self._fs.delete()
            self._fs = None


class Performance:
    """A score played on a Synth from a chosen time; `render_into` pulls the next frames.

    position_s() is the score time of the next frame to be rendered, so it counts
    exactly the audio handed out so far.
    """

    def __init__(
        self,
        synth: Synth,
        score: Score,
        pedal: PedalSpans = (),
        start_s: float = 0.0,
        tracks: Collection[int] | None = None,
    ) -> None:
        self.synth = synth
        self.score = score
        self.pedal = pedal
        self.tracks = tracks  # only these tracks sound (None: all), e.g. one part for its stem
        # the chorus runs only where one of the tracks played sends to it (an idle chorus costs ~3% of a render);
        # one that reaches it through its instrument alone counts too, or its stem would lose that sound
        synth.set_chorus(synth.feeds_chorus(score.sound_changes, tracks))
        self.duration_s = score_duration_s(score)
        self.seek(start_s)

    def seek(self, time_s: float) -> None:
        """Continue from `time_s`: silence what sounds and queue the events from there."""
        self.synth.silence()
        self._events = score_events(self.score, time_s, self.pedal, self.tracks)
        self._next = 0
        start = int(round(time_s * self.synth.sample_rate))
        # Discard one block, in which the silenced voices die, plus what lines the synth's blocks up
        # with the score's frame grid, so that events land on the same frames from any start.
        skip = BLOCK_FRAMES + (start - self.synth.frames_rendered) % BLOCK_FRAMES
        self.synth.write(np.zeros((skip, 2), np.float32))
        self._origin_frame = self.synth.frames_rendered - start  # synth frame of the score's frame 0, a multiple of 64

    def position_s(self) -> float:
        return self.score_frame() / self.synth.sample_rate

    def score_frame(self) -> int:
        """The score's frame (from its start) that is rendered next."""
        return self.synth.frames_rendered - self._origin_frame

    def release_frames(self) -> list[int]:
        """Score frames of the events still to come that release voices (note-offs, pedal lifts), in order.

        Each is a block boundary: the voices it releases begin their release in the block that starts there."""
        return [
            self._event_frame(e) - self._origin_frame
            for e in self._events[self._next :]
            if e.kind == NOTE_OFF or (e.kind == PEDAL and e.value == 0)
        ]

    def _event_frame(self, event: Event) -> int:
        """Synth frame of the block boundary nearest the event's time."""
        frame = int(round(event.time_s * self.synth.sample_rate / BLOCK_FRAMES)) * BLOCK_FRAMES
        return self._origin_frame + frame

    def render_into(self, out: np.ndarray) -> None:
        """Fill `out` (frames, 2) float32 with the next frames, sending each event at its block."""
        events, synth = self._events, self.synth
        pos = 0
        while pos < len(out):
            while self._next < len(events) and self._event_frame(events[self._next]) <= synth.frames_rendered:
                synth.send(events[self._next])
                self._next += 1
            stop = len(out)
            if self._next < len(events):
                stop = min(stop, pos + self._event_frame(events[self._next]) - synth.frames_rendered)
            synth.write(out[pos:stop])
            pos = stop
