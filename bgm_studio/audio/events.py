"""A Score as a time-sorted list of MIDI events in seconds, from any start time.

Melody plays on channel 0 and accompaniment on channel 1 (the track number is the
channel, as in the MIDI export). Notes already sounding at the start time are
struck again there ("chasing"), so playback from the middle of a chord sounds it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..music.notes import ACCOMPANIMENT, Score

NOTE_OFF, PEDAL, NOTE_ON = 0, 1, 2  # also the order of events that fall at one time
SUSTAIN_CC = 64
PEDAL_CHANNEL = ACCOMPANIMENT  # the piano part carries the pedal; the melody stays clean

PedalSpans = Sequence[tuple[int, int]]  # (down step, up step) on the score's 16th grid


@dataclass(frozen=True, order=True)
class Event:
    """One MIDI event: note on/off (key = pitch, value = velocity) or pedal (value 127 down, 0 up)."""

    time_s: float
    kind: int
    channel: int
    key: int
    value: int


def score_events(score: Score, start_s: float = 0.0, pedal: PedalSpans = ()) -> list[Event]:
    """All events at or after `start_s`, sorted; notes and pedal held at `start_s` begin there.

    Times follow the score's tempo map, tempo changes included.
    """
    events = []
    ons = score.seconds_at(np.array([n.start for n in score.notes], np.float64))
    offs = score.seconds_at(np.array([n.end for n in score.notes], np.float64))
    for n, on, off in zip(score.notes, ons, offs):
        if off > start_s:
            events.append(Event(max(float(on), start_s), NOTE_ON, n.track, n.pitch, n.velocity))
            events.append(Event(float(off), NOTE_OFF, n.track, n.pitch, 0))
    for down, up in pedal:
        down_s, up_s = score.seconds_at(down), score.seconds_at(up)
        if up_s > start_s:
            events.append(Event(max(down_s, start_s), PEDAL, PEDAL_CHANNEL, SUSTAIN_CC, 127))
            events.append(Event(up_s, PEDAL, PEDAL_CHANNEL, SUSTAIN_CC, 0))
    events.sort()
    return events


def score_duration_s(score: Score) -> float:
    """Length of the score in seconds: its grid length or its last note-off, whichever is later."""
    last = max((n.end for n in score.notes), default=0)
    return score.seconds_at(max(score.n_steps, last))
