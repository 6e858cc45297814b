"""Which of a soundfont's instruments send to the chorus on their own, read from its preset data (the pdta chunk).

A SoundFont voice's chorus send is its instrument zone's chorusEffectsSend generator plus its preset
zone's, plus the MIDI CC 93 modulator. FluidR3's pads and electric pianos (GM 4, 88, 89, ...) set the
generator themselves: played with CC 93 at 0 they still feed the chorus, and a synth with its chorus
off drops that part of their sound (GM 88 lost 17 dB of it). A part's synth therefore runs the chorus
when the part's program is in `chorus_programs`, as well as when its CC 93 sends.
"""

from __future__ import annotations

import os
import struct
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from .soundfont import list_chunks

GEN_CHORUS_SEND = 15  # chorusEffectsSend, 0.1% units
GEN_INSTRUMENT = 41  # a preset zone's instrument
GEN_SAMPLE = 53  # an instrument zone's sample
_RECORD = {b"phdr": 38, b"pbag": 4, b"pgen": 4, b"inst": 22, b"ibag": 4, b"igen": 4}

Zone = dict[int, int]  # generator -> amount, as stored (16 bits, unsigned)


def chorus_programs(path: str | os.PathLike[str]) -> frozenset[int]:
    """GM programs (bank 0) of the soundfont at `path` with a zone whose own chorus send is above zero."""
    path = Path(path)
    stat = path.stat()
    return _chorus_programs(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _chorus_programs(path: str, mtime_ns: int, size: int) -> frozenset[int]:
    """Keyed on the file's time and size as well, so a replaced soundfont is read again."""
    with open(path, "rb") as f:
        tables = _pdta_tables(f)
    instruments = _zone_sets(tables[b"inst"], 20, tables[b"ibag"], tables[b"igen"], GEN_SAMPLE)
    headers = tables[b"phdr"]
    programs = set()
    for index, zones in enumerate(_zone_sets(headers, 24, tables[b"pbag"], tables[b"pgen"], GEN_INSTRUMENT)):
        program, bank = struct.unpack_from("<HH", headers[index], 20)
        if bank == 0 and any(_sends(zone, instruments) for zone in zones):
            programs.add(program)
    return frozenset(programs)


def _sends(preset_zone: Zone, instruments: list[list[Zone]]) -> bool:
    """Whether any voice this preset zone makes has a chorus send above zero (instrument plus preset amount)."""
    index = preset_zone[GEN_INSTRUMENT]
    if index >= len(instruments):
        return False
    own = _signed(preset_zone.get(GEN_CHORUS_SEND, 0))
    return any(_signed(zone.get(GEN_CHORUS_SEND, 0)) + own > 0 for zone in instruments[index])


def _signed(amount: int) -> int:
    return amount - 0x10000 if amount >= 0x8000 else amount


def _zone_sets(
    headers: list[bytes], bag_at: int, bags: list[bytes], gens: list[bytes], last_gen: int
) -> list[list[Zone]]:
    """Each header's zones (its terminal record excluded), the global zone's generators folded into every local one.

    A zone that does not end in `last_gen` (instrument or sample) is a global zone: it holds the defaults.
    """
    sets = []
    for header, following in zip(headers, headers[1:]):
        start, stop = struct.unpack_from("<H", header, bag_at)[0], struct.unpack_from("<H", following, bag_at)[0]
        defaults: Zone = {}
        zones = []
        for bag in range(start, min(stop, len(bags) - 1)):
            first, end = struct.unpack_from("<H", bags[bag])[0], struct.unpack_from("<H", bags[bag + 1])[0]
            zone = dict(struct.unpack_from("<HH", gens[g]) for g in range(first, min(end, len(gens))))
            if last_gen in zone:
                zones.append(zone)
            elif not zones:
                defaults = zone
        sets.append([{**defaults, **zone} for zone in zones])
    return sets


def _pdta_tables(f: BinaryIO) -> dict[bytes, list[bytes]]:
    """The records of the pdta sub-chunks named in _RECORD, each record as its bytes; only pdta is read
    (a GM soundfont is 140 MB of samples and 0.3 MB of presets)."""
    head = f.read(12)
    for kind, size in list_chunks(f, 8 + int.from_bytes(head[4:8], "little")):
        if kind == b"pdta":
            return _sub_chunks(f.read(size), 0, size)
    return {name: [] for name in _RECORD}


def _sub_chunks(data: bytes, pos: int, end: int) -> dict[bytes, list[bytes]]:
    tables: dict[bytes, list[bytes]] = {name: [] for name in _RECORD}
    while pos + 8 <= end:
        name, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        width = _RECORD.get(name)
        if width:
            body = data[pos + 8 : min(end, pos + 8 + size)]
            tables[name] = [body[i : i + width] for i in range(0, len(body) - width + 1, width)]
        pos += 8 + size + (size & 1)
    return tables
