"""A Score as a time-sorted list of MIDI events in seconds, from any start time.

Melody plays on channel 0, accompaniment on 1 and bass on 2 (the track number is the
channel, as in the MIDI export). Notes already sounding at the start time are
struck again there ("chasing"), so playback from the middle of a chord sounds it;
so is each track's latest sound change (instrument, volume, effect sends).
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from typing import Collection, Sequence

import numpy as np

from ..music.notes import ACCOMPANIMENT, Score, SoundChange

NOTE_OFF, SOUND, PEDAL, NOTE_ON = 0, 1, 2, 3  # also the order of events that fall at one time
SUSTAIN_CC = 64
PROGRAM_KEY = -1  # a SOUND event with this key is a program change; other keys are controller numbers
VOLUME_CC, REVERB_CC, CHORUS_CC = 7, 91, 93
PEDAL_CHANNEL = ACCOMPANIMENT  # the piano part carries the pedal; the melody stays clean

PedalSpans = Sequence[tuple[int, int]]  # (down step, up step) on the score's 16th grid


@dataclass(frozen=True, order=True)
class Event:
    """One MIDI event: note on/off (key = pitch, value = velocity), pedal (value 127 down, 0 up),
    or a sound change (key PROGRAM_KEY: value = GM program; else controller key = value)."""

    time_s: float
    kind: int
    channel: int
    key: int
    value: int


_ORDER = attrgetter("time_s", "kind", "channel", "key", "value")  # Event's own order, compared in C: a seek or
# a new score sorted thousands of events through the dataclass's __lt__ (20 ms on the UI thread for 3 minutes)


def score_events(
    score: Score, start_s: float = 0.0, pedal: PedalSpans = (), tracks: Collection[int] | None = None
) -> list[Event]:
    """All events at or after `start_s`, sorted; notes, pedal and sounds in force at `start_s` begin there.

    Times follow the score's tempo map, tempo changes included. tracks: only these (None: all).
    """
    events = _sound_events(score, start_s, tracks)
    notes = [n for n in score.notes if tracks is None or n.track in tracks]
    ons = score.seconds_at(np.array([n.start for n in notes], np.float64))
    offs = score.seconds_at(np.array([n.end for n in notes], np.float64))
    for n, on, off in zip(notes, ons, offs):
        if off > start_s:
            events.append(Event(max(float(on), start_s), NOTE_ON, n.track, n.pitch, n.velocity))
            events.append(Event(float(off), NOTE_OFF, n.track, n.pitch, 0))
    for down, up in pedal if tracks is None or PEDAL_CHANNEL in tracks else ():
        down_s, up_s = score.seconds_at(down), score.seconds_at(up)
        if up_s > start_s:
            events.append(Event(max(down_s, start_s), PEDAL, PEDAL_CHANNEL, SUSTAIN_CC, 127))
            events.append(Event(up_s, PEDAL, PEDAL_CHANNEL, SUSTAIN_CC, 0))
    events.sort(key=_ORDER)
    return events


def _sound_events(score: Score, start_s: float, tracks: Collection[int] | None) -> list[Event]:
    """Program and controller events of the score's sound changes; the latest before `start_s` moves there."""
    latest: dict[int, SoundChange] = {}
    later = []
    for change in sorted(score.sound_changes, key=lambda c: c.step):
        if tracks is not None and change.track not in tracks:
            continue
        time_s = float(score.seconds_at(change.step))
        if time_s <= start_s:
            latest[change.track] = change
        else:
            later.append((time_s, change))
    events = []
    for time_s, c in [(start_s, c) for c in latest.values()] + later:
        for key, value in (
            (PROGRAM_KEY, c.program),
            (VOLUME_CC, c.volume),
            (REVERB_CC, c.reverb),
            (CHORUS_CC, c.chorus),
        ):
            events.append(Event(time_s, SOUND, c.track, key, value))
    return events


def score_duration_s(score: Score) -> float:
    """Length of the score in seconds: its grid length or its last note-off, whichever is later."""
    last = max((n.end for n in score.notes), default=0)
    return score.seconds_at(max(score.n_steps, last))
