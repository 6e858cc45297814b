"""Live MIDI out: the score sent to a MIDI port (a DAW's input, a hardware synth) in time with playback.

One channel per part, as in the MIDI export (melody 0, accompaniment 1), each with its
program; pause and seek silence every channel (note-offs for what sounds, then All Notes
Off and the pedal up), and play strikes again the notes held at the new position. A
sender thread keeps its own clock: play(t) means "score time t is now".

The port is anything with send_message(list[int]) (python-rtmidi's MidiOut, or a test's
recorder); open_port makes one, virtual ("BGM Studio") where the platform allows it.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Protocol, Sequence

from ..errors import BgmError
from ..music.notes import Score
from .events import NOTE_OFF, NOTE_ON, Event, PedalSpans, score_events

VIRTUAL_PORT = "BGM Studio"
ALL_NOTES_OFF, SUSTAIN = 123, 64
SPIN_S = 0.004  # wake this much before an event is due and wait out the rest on the clock


class Port(Protocol):
    def send_message(self, message: Sequence[int]) -> None: ...


class OpenedPort(Port, Protocol):
    """A port of the MIDI system (open_port), closed by its owner."""

    def close_port(self) -> None: ...


def _midi_out() -> Any:  # rtmidi.MidiOut (rtmidi has no type information)
    """An rtmidi MidiOut on the first MIDI system that answers (ALSA's sequencer, then JACK, on Linux)."""
    import rtmidi

    reasons = []
    for api in rtmidi.get_compiled_api():
        try:
            return rtmidi.MidiOut(rtapi=api, name=VIRTUAL_PORT)
        except Exception as exc:  # rtmidi raises SystemError where a MIDI system is missing or not running
            reasons.append(" ".join(str(exc).split()))
    raise BgmError(f"no MIDI system to send to ({'; '.join(reasons) or 'none compiled in'})")


def list_ports() -> list[str]:
    """Names of the MIDI output ports there are now (empty where no MIDI system is available)."""
    try:
        return list(_midi_out().get_ports())
    except BgmError:
        return []


def open_port(name: str | None = None) -> OpenedPort:
    """An rtmidi output: the first port whose name contains `name`, or a virtual port "BGM Studio" (None)."""
    out = _midi_out()
    if name is None:
        try:
            out.open_virtual_port(VIRTUAL_PORT)
        except Exception as exc:  # Windows' MIDI API has no virtual ports
            raise BgmError(f"this system cannot make a virtual MIDI port ({exc}); choose a port by name") from exc
        port: OpenedPort = out
        return port
    ports = out.get_ports()
    match = next((i for i, p in enumerate(ports) if name.lower() in p.lower()), None)
    if match is None:
        raise BgmError(f"no MIDI output port named {name!r} (there are: {', '.join(ports) or 'none'})")
    out.open_port(match)
    opened: OpenedPort = out
    return opened


def _message(ev: Event) -> list[int]:
    if ev.kind == NOTE_ON:
        return [0x90 | ev.channel, ev.key, ev.value]
    if ev.kind == NOTE_OFF:
        return [0x80 | ev.channel, ev.key, 0]
    return [0xB0 | ev.channel, ev.key, ev.value]  # PEDAL: a control change


class MidiSender:
    """Plays a loaded score to a port on a thread of its own; play/pause/seek as the app's transport does."""

    def __init__(self, port: Port, clock: Callable[[], float] = time.perf_counter) -> None:
        self._port, self._clock = port, clock
        self._cond = threading.Condition()
        self._score: Score | None = None
        self._programs: tuple[int, ...] = (0, 0)
        self._pedal: PedalSpans = ()
        self._events: list[Event] = []
        self._next = 0
        self._origin_s = self._origin_wall = 0.0
        self._playing = False
        self._sounding: set[tuple[int, int]] = set()  # (channel, key) of notes on
        self._generation = 0  # bumped by every play/pause/seek: an event taken before it is not sent
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="midi-out", daemon=True)
        self._thread.start()

    def load(self, score: Score, programs: Sequence[int] = (0, 0), pedal: PedalSpans = ()) -> None:
        """The music to send (replacing any), stopped at its start; programs[k] for channel k."""
        with self._cond:
            self._silence()
            self._score, self._programs, self._pedal = score, tuple(programs), pedal
            self._events, self._next, self._origin_s, self._playing = [], 0, 0.0, False
            self._generation += 1
            self._cond.notify()

    def play(self, from_s: float | None = None, delay_s: float = 0.0) -> None:
        """Send from score time `from_s` (else from where it paused), starting now, or delay_s from now
        (an audio output's latency: so the port hears each note when the speakers do)."""
        now = self._clock() + delay_s  # the moment asked for, not after the events are built
        with self._cond:
            if self._score is None:
                raise BgmError("nothing to send: load a score first")
            self._silence()
            start = self._origin_s if from_s is None else max(0.0, from_s)
            for channel, program in enumerate(self._programs):
                self._port.send_message([0xC0 | channel, program & 0x7F])
            self._events, self._next = score_events(self._score, start, self._pedal), 0
            self._origin_s, self._origin_wall, self._playing = start, now, True
            self._generation += 1
            self._cond.notify()

    def pause(self) -> None:
        with self._cond:
            if self._playing:
                self._origin_s = self.position_s()
            self._playing = False
            self._silence()
            self._generation += 1

    def seek(self, t_s: float) -> None:
        """Move to score time t_s; sending goes on from there if it was playing."""
        with self._cond:
            if self._playing:
                self.play(t_s, max(0.0, self._origin_wall - self._clock()))
            else:
                self._silence()
                self._origin_s = max(0.0, t_s)

    def position_s(self) -> float:
        with self._cond:
            return self._origin_s + (max(0.0, self._clock() - self._origin_wall) if self._playing else 0.0)

    def close(self) -> None:
        """Silence the port and stop the thread (the caller closes the port)."""
        with self._cond:
            self._silence()
            self._closed, self._playing = True, False
            self._cond.notify()
        self._thread.join(timeout=2.0)

    def _silence(self) -> None:
        """Note-offs for every sounding note, then All Notes Off and pedal up on every channel (lock held)."""
        for channel, key in sorted(self._sounding):
            self._port.send_message([0x80 | channel, key, 0])
        self._sounding.clear()
        for channel in range(len(self._programs)):
            self._port.send_message([0xB0 | channel, SUSTAIN, 0])
            self._port.send_message([0xB0 | channel, ALL_NOTES_OFF, 0])

    def _run(self) -> None:
        with self._cond:
            while not self._closed:
                if not self._playing or self._next >= len(self._events):
                    self._cond.wait()  # until play, seek, load or close
                    continue
                ev = self._events[self._next]
                due = self._origin_wall + (ev.time_s - self._origin_s)
                wait = due - self._clock()
                if wait > SPIN_S:
                    generation = self._generation
                    self._cond.wait(timeout=wait - SPIN_S)
                    if generation != self._generation or self._clock() < due - SPIN_S:
                        continue  # transport moved, or woken early: look again
                while self._clock() < due:  # the last stretch without the scheduler, which may wake us late
                    pass
                self._send(ev)
                self._next += 1

    def _send(self, ev: Event) -> None:
        self._port.send_message(_message(ev))
        if ev.kind == NOTE_ON:
            self._sounding.add((ev.channel, ev.key))
        elif ev.kind == NOTE_OFF:
            self._sounding.discard((ev.channel, ev.key))
