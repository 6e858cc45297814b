"""Small hostile files made on the fly: MIDI files that claim huge pieces, projects with odd numbers."""

from __future__ import annotations

import json
import struct
from pathlib import Path


def vlq(n: int) -> bytes:
    """A MIDI variable-length quantity."""
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


def midi_bytes(events: list[tuple[int, bytes]], ticks_per_beat: int = 480) -> bytes:
    """A type-0 file of (delta ticks, raw event bytes), closed by end-of-track."""
    body = b"".join(vlq(d) + e for d, e in events) + b"\x00\xff\x2f\x00"
    return b"MThd" + struct.pack(">IHHH", 6, 0, 1, ticks_per_beat) + b"MTrk" + struct.pack(">I", len(body)) + body


NOTE_ON, NOTE_OFF = b"\x90\x3c\x64", b"\x80\x3c\x00"

BAD_MIDI = {
    "one 50,000-beat note": midi_bytes([(0, NOTE_ON), (50_000 * 480, NOTE_OFF)]),
    "ticks per beat 0": midi_bytes([(0, NOTE_ON), (480, NOTE_OFF)], ticks_per_beat=0),
    "tempo 0": midi_bytes([(0, b"\xff\x51\x03\x00\x00\x00"), (0, NOTE_ON), (480, NOTE_OFF)]),
    "tick span past int32": midi_bytes([(0, NOTE_ON)] + [(0x0FFFFFFF, b"\xff\x01\x00")] * 9 + [(1, NOTE_OFF)]),
    "marker far past the notes": midi_bytes([(0, NOTE_ON), (480, NOTE_OFF), (0x0FFFFFFF, b"\xff\x06\x01x")]),
    "header only": b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480),
    "garbage": b"\x00" * 64,
}
GOOD_MIDI = midi_bytes([(0, NOTE_ON), (480, NOTE_OFF), (0, b"\x90\x40\x64"), (480, b"\x80\x40\x00")])


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def project_edits() -> dict[str, callable]:
    """Named edits of a project's JSON data that each must be refused in one line."""

    def shot(key, value):
        return lambda d: d["shots"][0].__setitem__(key, value)

    def take(key, value):
        return lambda d: d["shots"][0]["takes"][0].__setitem__(key, value)

    return {
        "duration 1e7 s": lambda d: d["video"].__setitem__("duration_s", 1e7),
        "duration NaN": lambda d: d["video"].__setitem__("duration_s", float("nan")),
        "piece tempo 1e-300": lambda d: d.__setitem__("tempo_bpm", 1e-300),
        "shot tempo 1e300": shot("tempo_bpm", 1e300),
        "shot tempo NaN": shot("tempo_bpm", float("nan")),
        "feature NaN": lambda d: d["shots"][0]["features"].__setitem__("motion", float("nan")),
        "feature Infinity": lambda d: d["shots"][0]["features"].__setitem__("brightness", float("inf")),
        "n_beats 10**9": shot("n_beats", 10**9),
        "start_s 10**400": shot("start_s", 10**400),
        "seed -1": lambda d: d.__setitem__("seed", -1),
        "take seed 2**64": take("seed", 2**64),
        "note length 10**12": lambda d: d["shots"][0]["takes"][0]["notes"].append([0, 60, 10**12, 80, 0]),
        "note pitch 128": lambda d: d["shots"][0]["takes"][0]["notes"].append([0, 128, 1, 80, 0]),
        "energy 5": lambda d: d["shots"][0]["overrides"].__setitem__("energy", 5),
        "energy text": lambda d: d["shots"][0]["overrides"].__setitem__("energy", "loud"),
        "take -7": shot("take", -7),
        "shots empty": lambda d: d.__setitem__("shots", []),
        "shots a dict": lambda d: d.__setitem__("shots", {}),
        "version 99": lambda d: d.__setitem__("version", 99),
        "chords nested deep": lambda d: d.__setitem__("chords", json.loads(nested(500))),
    }


def write_json(path: Path, data) -> Path:
    path.write_text(json.dumps(data))
    return path
