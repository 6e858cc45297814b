"""MIDI <-> Score through mido: tempo, 4/4, named tracks, GM programs, shot markers."""

from __future__ import annotations

import os
from dataclasses import dataclass

import mido
import numpy as np

from ..atomic import atomic_path
from ..errors import BgmError
from ..limits import MAX_BEATS, MAX_MIDI_BYTES
from .notes import ACCOMPANIMENT, MELODY, STEPS_PER_BEAT, TRACK_NAMES, Note, Score

TICKS_PER_BEAT = 480
MELODY_TRACK_WORDS = ("melody", "vocal", "lead")


@dataclass(frozen=True)
class RawNote:
    """A note as found in a MIDI file, in ticks, before quantisation."""

    track_name: str
    channel: int
    pitch: int
    velocity: int
    start_tick: int
    end_tick: int


@dataclass
class RawMidi:
    notes: list[RawNote]
    ticks_per_beat: int
    tempo_changes: list[tuple[int, int]]  # (tick, microseconds per beat), sorted
    markers: list[tuple[int, str]]  # (tick, text)


def load_midi_file(path: str | os.PathLike[str]) -> mido.MidiFile:
    """Open a MIDI file, turning every parse failure into a one-line BgmError."""
    if not os.path.isfile(path):
        raise BgmError(f"{path}: no such MIDI file")
    size = os.path.getsize(path)
    if size == 0:
        raise BgmError(f"{path}: MIDI file is empty")
    if size > MAX_MIDI_BYTES:
        raise BgmError(f"{path}: MIDI file is {size >> 20} MiB; at most {MAX_MIDI_BYTES >> 20} MiB are read")
    try:
        return mido.MidiFile(path, clip=True)
    except (OSError, EOFError, ValueError, KeyError, IndexError) as exc:
        raise BgmError(f"{path}: not a readable MIDI file ({str(exc) or 'cut short or damaged'})") from exc


def read_raw(path: str | os.PathLike[str]) -> RawMidi:
    """All notes (note-on/off paired per track, channel and pitch), tempo map and markers."""
    mid = load_midi_file(path)
    if mid.ticks_per_beat <= 0:
        raise BgmError(
            f"{path}: the MIDI header gives {mid.ticks_per_beat} ticks per beat; a positive number is needed"
        )
    notes: list[RawNote] = []
    tempos: list[tuple[int, int]] = []
    markers: list[tuple[int, str]] = []
    for track in mid.tracks:
        name = track.name or ""
        tick = 0
        open_notes: dict[tuple[int, int], tuple[int, int]] = {}
        for msg in track:
            tick += msg.time
            if msg.type == "set_tempo":
                if msg.tempo <= 0:
                    raise BgmError(f"{path}: a tempo of 0 at tick {tick}; not a playable MIDI file")
                tempos.append((tick, msg.tempo))
            elif msg.type == "marker":
                markers.append((tick, msg.text))
            elif msg.type == "note_on" and msg.velocity > 0:
                key = (msg.channel, msg.note)
                if key in open_notes:  # re-struck before release: close the old one
                    s, v = open_notes.pop(key)
                    notes.append(RawNote(name, msg.channel, msg.note, v, s, tick))
                open_notes[key] = (tick, msg.velocity)
            elif msg.type in ("note_off", "note_on"):
                key = (msg.channel, msg.note)
                if key in open_notes:
                    s, v = open_notes.pop(key)
                    notes.append(RawNote(name, msg.channel, msg.note, v, s, tick))
    last = max((n.end_tick for n in notes), default=0)
    if last > MAX_BEATS * mid.ticks_per_beat:
        raise BgmError(f"{path}: the notes last {last // mid.ticks_per_beat} beats; at most {MAX_BEATS} are read")
    tempos.sort()
    if not tempos or tempos[0][0] > 0:
        tempos.insert(0, (0, 500000))
    return RawMidi(notes, mid.ticks_per_beat, tempos, sorted(markers))


def ticks_to_seconds(ticks: np.ndarray, raw: RawMidi) -> np.ndarray:
    """Convert absolute ticks to seconds through the file's tempo map."""
    change_ticks = np.array([t for t, _ in raw.tempo_changes], dtype=np.float64)
    tempos = np.array([u for _, u in raw.tempo_changes], dtype=np.float64) / 1e6 / raw.ticks_per_beat
    seg_seconds = np.diff(change_ticks) * tempos[:-1]
    start_seconds = np.concatenate([[0.0], np.cumsum(seg_seconds)])
    idx = np.searchsorted(change_ticks, ticks, side="right") - 1
    return start_seconds[idx] + (ticks - change_ticks[idx]) * tempos[idx]


def track_of(name: str) -> int:
    """Melody if the track name says so, accompaniment otherwise."""
    lower = name.lower()
    return MELODY if any(w in lower for w in MELODY_TRACK_WORDS) else ACCOMPANIMENT


def quantise(start_beats: float, end_beats: float) -> tuple[int, int]:
    """Beat positions -> (start step, length >= 1) on the 16th grid."""
    start = int(round(start_beats * STEPS_PER_BEAT))
    end = int(round(end_beats * STEPS_PER_BEAT))
    return start, max(1, end - start)


def read_midi(path: str | os.PathLike[str]) -> Score:
    """Read any MIDI file onto the grid by its ticks (tempo-independent), markers as segment starts."""
    raw = read_raw(path)
    tpb = raw.ticks_per_beat
    notes = []
    for rn in raw.notes:
        start, length = quantise(rn.start_tick / tpb, rn.end_tick / tpb)
        notes.append(Note(start, rn.pitch, length, rn.velocity, track_of(rn.track_name)))
    notes.sort()
    n_steps = max((n.end for n in notes), default=0)
    tempo = 60e6 / raw.tempo_changes[0][1]
    changes = [
        (step, 60e6 / us) for t, us in raw.tempo_changes[1:] if (step := round(t / tpb * STEPS_PER_BEAT)) < n_steps
    ]
    segs = sorted({step for t, _ in raw.markers if 0 < (step := round(t / tpb * STEPS_PER_BEAT)) < n_steps})
    return Score(notes, n_steps, tempo, segs, changes)


def score_to_midifile(score: Score, programs: tuple[int, ...] = (0, 0)) -> mido.MidiFile:
    """Type-1 file: a conductor track (tempo, 4/4, shot markers), then one track per part.

    Each part's sound changes become program changes and volume / reverb / chorus
    controllers at their steps; `programs` serves a score without sound changes.
    """
    tps = TICKS_PER_BEAT // STEPS_PER_BEAT
    mid = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_BEAT)
    conductor = [
        (0, mido.MetaMessage("track_name", name="BGM Studio")),
        (0, mido.MetaMessage("time_signature", numerator=4, denominator=4)),
    ]
    starts, bpms = score.tempo_map()
    for step, bpm in zip(starts, bpms):
        conductor.append((int(step) * tps, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm))))
    for i, step in enumerate(score.segment_starts, start=1):
        conductor.append((step * tps, mido.MetaMessage("marker", text=f"Shot {i}")))
    end_tick = score.n_steps * tps
    mid.tracks.append(_to_track(conductor, end_tick))
    n_tracks = max([len(programs)] + [n.track + 1 for n in score.notes] + [c.track + 1 for c in score.sound_changes])
    for track in range(min(n_tracks, len(TRACK_NAMES))):
        events = [(0, mido.MetaMessage("track_name", name=TRACK_NAMES[track]))]
        changes = [c for c in score.sound_changes if c.track == track]
        if not changes:
            program = programs[track] if track < len(programs) else 0
            events.append((0, mido.Message("program_change", channel=track, program=program)))
        for c in changes:
            events.append((c.step * tps, mido.Message("program_change", channel=track, program=c.program)))
            events += [
                (c.step * tps, mido.Message("control_change", channel=track, control=cc, value=v))
                for cc, v in ((7, c.volume), (91, c.reverb), (93, c.chorus))
            ]
        for n in score.track_notes(track):
            events.append((n.start * tps, mido.Message("note_on", channel=track, note=n.pitch, velocity=n.velocity)))
            events.append((n.end * tps, mido.Message("note_off", channel=track, note=n.pitch, velocity=0)))
        mid.tracks.append(_to_track(events, end_tick))
    return mid


def _to_track(events: list[tuple[int, mido.Message]], end_tick: int) -> mido.MidiTrack:
    """Absolute-tick events -> delta-time track; note-offs sort before note-ons at one tick."""
    order = {"note_off": 0, "note_on": 2}  # at one tick: note-offs, then sound changes and meta, then note-ons
    events = sorted(events, key=lambda e: (e[0], order.get(e[1].type, 1)))
    track = mido.MidiTrack()
    last = 0
    for tick, msg in events:
        track.append(msg.copy(time=tick - last))
        last = tick
    track.append(mido.MetaMessage("end_of_track", time=max(0, end_tick - last)))
    return track


def write_midi(score: Score, path: str | os.PathLike[str], programs: tuple[int, ...] = (0, 0)) -> None:
    """Write a type-1 MIDI file atomically."""
    mid = score_to_midifile(score, programs)
    with atomic_path(path) as tmp:
        mid.save(tmp)
