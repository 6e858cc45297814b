"""Which General MIDI instrument plays each part: presets, per-part choices, per-shot presets.

An `Arrangement` is plain data kept in the project file. `arrange` applies it to a
score: the parts are split (music/parts.py) and each part's instrument is set at the
start and again at every cut where a shot has a preset of its own. An instrument
change never cuts a sounding note: notes struck before it ring on with their sound.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated

import msgspec

from ..errors import BgmError
from .notes import Note, Score, SoundChange
from .parts import PARTS, split_parts


@dataclass(frozen=True)
class PartSound:
    """How one part sounds: GM program, channel volume, reverb and chorus send (MIDI CC values 0-127)."""

    program: int
    volume: int = 100  # CC 7; FluidSynth's default
    reverb: int = 0  # CC 91; FluidSynth's default
    chorus: int = 0  # CC 93


@dataclass(frozen=True)
class Preset:
    description: str
    parts: tuple[PartSound, PartSound, PartSound]  # melody, accompaniment, bass


# ambient's bass is the warm pad (GM 89), not the new-age pad (GM 88): that one sends to FluidSynth's chorus
# on its own, which turned its two channels nearly opposite (L/R correlation -0.9), and the bass lost 12 dB
# in a mono fold-down (phone and TV speakers); the warm pad loses 4 dB, at the same stereo level.
PRESETS: dict[str, Preset] = {
    "solo-piano": Preset("grand piano alone", (PartSound(0), PartSound(0), PartSound(0))),
    "piano-strings": Preset(
        "piano melody over strings and cello", (PartSound(0, 110), PartSound(48, 82, 70), PartSound(42, 90, 60))
    ),
    "epiano-bass": Preset(
        "electric piano with a bass guitar",
        (PartSound(4, 110, 40, 30), PartSound(4, 88, 40, 50), PartSound(33, 105, 10)),
    ),
    "ambient": Preset(
        "warm pads under a soft flute",
        (PartSound(73, 85, 90, 20), PartSound(89, 90, 100, 60), PartSound(89, 112, 90, 40)),
    ),
    "music-box": Preset(
        "music box over slow strings", (PartSound(10, 115, 70), PartSound(49, 78, 80), PartSound(48, 80, 70))
    ),
}
DEFAULT_PRESET = "solo-piano"


def check_preset(name: str) -> str:
    if name not in PRESETS:
        raise BgmError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    return name


def check_program(program: int) -> int:
    if not 0 <= program <= 127:
        raise BgmError(f"GM program {program} is out of range; choose 0-127 (0 is the piano)")
    return program


@dataclass(frozen=True)
class Arrangement:
    """The piece's preset, per-part programs that replace the preset's, and shots with a preset of their own."""

    preset: str = DEFAULT_PRESET
    programs: tuple[int | None, int | None, int | None] = (None, None, None)  # per part; None = the preset's
    shot_presets: tuple[tuple[int, str], ...] = ()  # (shot index, preset), sorted by shot

    def __post_init__(self) -> None:
        check_preset(self.preset)
        for _, name in self.shot_presets:
            check_preset(name)
        for program in self.programs:
            if program is not None:
                check_program(program)

    def sounds(self, shot: int | None = None) -> tuple[PartSound, ...]:
        """Each part's sound in `shot` (None: the piece's own preset and programs)."""
        own = dict(self.shot_presets).get(shot) if shot is not None else None
        if own is not None:
            return PRESETS[own].parts
        return tuple(
            s if p is None else replace(s, program=p) for s, p in zip(PRESETS[self.preset].parts, self.programs)
        )

    def with_instrument(self, part: str, program: int | None) -> "Arrangement":
        """The same arrangement with `part` played by `program` (None: the preset's)."""
        programs = list(self.programs)
        programs[part_index(part)] = program
        a, b, c = programs
        return replace(self, programs=(a, b, c))

    def with_shot_preset(self, shot: int, preset: str | None) -> "Arrangement":
        """The same arrangement with `shot` on its own preset (None: the piece's)."""
        shots = dict(self.shot_presets)
        shots.pop(shot, None)
        if preset is not None:
            shots[shot] = preset
        return replace(self, shot_presets=tuple(sorted(shots.items())))


def part_index(part: str) -> int:
    if part not in PARTS:
        raise BgmError(f"unknown part {part!r}; choose one of {', '.join(PARTS)}")
    return PARTS.index(part)


def parse_instrument(text: str) -> tuple[str, int]:
    """'bass=33' -> ('bass', 33): the CLI's --instrument PART=PROGRAM."""
    part, sep, program = text.partition("=")
    if not sep or not program.strip().isdigit():
        raise BgmError(f"--instrument {text}: write PART=PROGRAM, e.g. bass=33 (parts: {', '.join(PARTS)})")
    part_index(part.strip())
    return part.strip(), check_program(int(program))


def arrange(score: Score, arrangement: Arrangement, shot_starts: list[int] | None = None) -> Score:
    """The score with its parts split (bass on track 2) and each part's instrument set.

    shot_starts: start step of every shot after the first (default: the score's segment starts).
    """
    rows = [(n.start, n.pitch, n.length, n.velocity, n.track) for n in score.notes]
    notes = sorted(Note(*map(int, row)) for row in split_parts(rows)) if rows else []
    starts = [0] + list(score.segment_starts if shot_starts is None else shot_starts)
    changes, current = [], None
    for shot, step in enumerate(starts):
        sounds = arrangement.sounds(shot)
        if sounds != current:
            changes += [
                SoundChange(step, track, s.program, s.volume, s.reverb, s.chorus) for track, s in enumerate(sounds)
            ]
            current = sounds
    return replace(score, notes=notes, sound_changes=changes)


class ArrangementRecord(msgspec.Struct, kw_only=True):
    """An arrangement as the project file keeps it (types here; parts, programs and presets checked by Arrangement)."""

    preset: str = DEFAULT_PRESET
    programs: dict[str, int] = {}  # part -> GM program, where the part does not play the preset's
    shots: dict[Annotated[int, msgspec.Meta(ge=0)], str] = {}  # shot -> the preset of its own


def arrangement_record(arrangement: Arrangement) -> ArrangementRecord:
    return ArrangementRecord(
        preset=arrangement.preset,
        programs={p: v for p, v in zip(PARTS, arrangement.programs) if v is not None},
        shots=dict(arrangement.shot_presets),
    )


def arrangement_from_record(record: ArrangementRecord) -> Arrangement:
    """Rebuild an arrangement from `arrangement_record`; an unknown part or preset, or a bad program, raises BgmError."""
    arrangement = Arrangement(record.preset)
    for part, program in record.programs.items():
        arrangement = arrangement.with_instrument(part, program)
    for shot, name in record.shots.items():
        arrangement = arrangement.with_shot_preset(shot, name)
    return arrangement
