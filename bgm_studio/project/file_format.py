"""The `.bgm.json` project file as msgspec records: every field's type and bounds, in the order it is written.

Reading checks each value against its bounds before anything is allocated for it (a 10^7 s video,
a 50,000-beat note, NaN). What ties fields together (shots that follow each other, notes inside
their shot, a current take that exists) is checked by `project.state` when it rebuilds the project.
Fields a later format added may be absent: an older file then means what it meant when written.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from ..controls.video_mapping import ShotOverrides
from ..errors import BgmError
from ..limits import MAX_BEATS, MAX_DURATION_S, MAX_NUMBER, TEMPO_RANGE_BPM
from ..music.arrangement import ArrangementRecord
from ..music.notes import STEPS_PER_BEAT
from ..schema import Finite, Whole

SCHEMA: Final = "bgm-studio-project"
SCHEMA_VERSION: Final = 5  # 2: every take holds its chords (a version 1 take gets the piece's chords)
# 3: every shot names its theme (a shot of an older file is its own theme)
# 4: the arrangement (instruments per part and shot; an older file gets solo piano)
# 5: the piece's form, its phrases (an older file has none: its music was written without one)
MAX_SEED = 2**32 - 1

Seed = Annotated[int, Meta(ge=0, le=MAX_SEED)]
Tempo = Annotated[float, Meta(ge=TEMPO_RANGE_BPM[0], le=TEMPO_RANGE_BPM[1])]
Beats = Annotated[int, Meta(ge=0, le=MAX_BEATS)]
Byte = Annotated[int, Meta(ge=1, le=127)]  # a MIDI velocity
# A note: [start step (relative to its shot), pitch, length in steps, velocity, track 0 melody / 1 accompaniment].
NoteRow = tuple[
    Annotated[int, Meta(ge=0, le=MAX_BEATS * STEPS_PER_BEAT)],
    Annotated[int, Meta(ge=0, le=127)],
    Annotated[int, Meta(ge=1, le=MAX_BEATS * STEPS_PER_BEAT)],
    Byte,
    Literal[0, 1],
]
ChordPair = tuple[Annotated[int, Meta(ge=-1, le=11)], Annotated[int, Meta(ge=0, le=4095)]]  # root (-1: none), pc mask
Chords = Annotated[list[ChordPair], Meta(max_length=MAX_BEATS)]  # one per beat
PhraseRow = tuple[Annotated[str, Meta(pattern="^[A-Za-z]$")], Beats, Annotated[int, Meta(ge=1, le=MAX_BEATS)]]


class OverridesRecord(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A shot's or take's overrides; the bounds are ShotOverrides' own."""

    energy: float | None = None
    density: float | None = None
    mode: str | None = None
    locked: bool = False

    def __post_init__(self) -> None:
        try:
            self.overrides()
        except BgmError as exc:  # msgspec reports a ValueError with the field's place in the file
            raise ValueError(str(exc)) from None

    def overrides(self) -> ShotOverrides:
        return ShotOverrides(self.energy, self.density, self.mode, self.locked)


class TakeRecord(msgspec.Struct, kw_only=True):
    seed: Seed
    overrides: OverridesRecord
    notes: list[NoteRow]
    chords: Chords | UnsetType = UNSET  # format 1: the piece's chords over the shot
    edited: bool = False


class ShotRecord(msgspec.Struct, kw_only=True):
    index: Whole
    start_s: Finite
    end_s: Finite
    features: dict[str, Finite]
    start_beat: Beats
    n_beats: Annotated[int, Meta(ge=1, le=MAX_BEATS)]
    tempo_bpm: Tempo
    overrides: OverridesRecord
    take: Annotated[int, Meta(ge=-1, le=int(MAX_NUMBER))]  # -1: no music yet
    theme: Whole | UnsetType = UNSET  # format 1-2: the shot is its own theme
    takes: list[TakeRecord]


class VideoRecord(msgspec.Struct, kw_only=True):
    path: str
    hash: str
    duration_s: Annotated[float, Meta(gt=0, le=MAX_DURATION_S)]


class ProjectRecord(msgspec.Struct, kw_only=True):
    schema: Literal["bgm-studio-project"]
    version: Annotated[int, Meta(ge=1)]  # a newer one is refused before the fields are read
    video: VideoRecord
    analysis_settings: dict[str, Any]  # checked by AnalysisConfig.from_key
    model_id: str
    tempo_bpm: Tempo
    key_tonic: Whole
    seed: Seed
    shots: Annotated[list[ShotRecord], Meta(min_length=1, max_length=MAX_BEATS)]  # at least a beat each
    chords: Chords  # the current take's chords in each shot
    form: list[PhraseRow] = []  # format 1-4: no form
    arrangement: ArrangementRecord = msgspec.field(default_factory=ArrangementRecord)  # format 1-3: solo piano
    notes: list[Any] = []  # the current piece, for other tools; rebuilt from the takes on load
