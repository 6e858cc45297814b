"""Project state and the `.bgm.json` file (versioned schema, atomic save, validated load)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
from msgspec import UNSET

from ..atomic import atomic_path
from ..controls.video_mapping import ShotOverrides
from ..errors import BgmError
from ..input_file import read_input
from ..limits import MAX_BEATS
from ..music.arrangement import Arrangement, arrangement_from_record, arrangement_record
from ..music.notes import BEATS_PER_BAR, STEPS_PER_BEAT
from ..music.structure import Phrase
from ..schema import read_record, record_json
from ..video.config import AnalysisConfig
from .file_format import (
    MAX_SEED,
    SCHEMA,
    SCHEMA_VERSION,
    OverridesRecord,
    ProjectRecord,
    ShotRecord,
    TakeRecord,
    VideoRecord,
)
from .lock import FileStamp, check_unchanged


def check_seed(seed: int) -> int:
    """A seed the samplers accept: a whole number 0..MAX_SEED."""
    if not 0 <= seed <= MAX_SEED:
        raise BgmError(f"seed {seed} is out of range; choose 0-{MAX_SEED}")
    return seed


@dataclass
class Take:
    """One version of a shot's music: its notes and the chords they were generated over.

    Each take keeps its own chords, so making an earlier take current brings back its harmony too.
    """

    seed: int
    overrides: ShotOverrides
    notes: np.ndarray  # int (N, 5), start relative to the shot's first step
    chord_root: np.ndarray  # int (shot's n_beats,), -1 = no chord
    chord_pcs: np.ndarray  # bool (shot's n_beats, 12)
    edited: bool = False  # the user changed its notes by hand (a regenerate asks before replacing them)


@dataclass
class ProjectShot:
    """A shot with its timing, features, the user's overrides and every take of its music."""

    index: int
    start_s: float
    end_s: float
    features: dict[str, float]  # per-shot features as in `analyze --json` (no embedding)
    start_beat: int = 0
    n_beats: int = 0
    tempo_bpm: float = 0.0  # the shot's own tempo (its beats fill it exactly)
    overrides: ShotOverrides = field(default_factory=ShotOverrides)
    takes: list[Take] = field(default_factory=list)
    take: int = -1  # index of the current take; -1 = no music yet
    theme: int = -1  # the shot whose look this one returns to (controls.themes): earlier, or itself (-1)

    def __post_init__(self) -> None:
        if self.theme < 0:
            self.theme = self.index

    @property
    def start_step(self) -> int:
        return self.start_beat * STEPS_PER_BEAT

    @property
    def end_beat(self) -> int:
        return self.start_beat + self.n_beats

    def current_notes(self) -> np.ndarray:
        return self.takes[self.take].notes if self.take >= 0 else np.zeros((0, 5), np.int64)


@dataclass
class Project:
    """Everything needed to reopen, change and export a scored video."""

    video_path: str
    video_hash: str
    duration_s: float
    analysis_settings: dict[
        str, Any
    ]  # AnalysisConfig.key() of the analysis the project was scored from ({}: the defaults)
    model_id: str
    tempo_bpm: float  # the piece tempo
    key_tonic: int  # pitch class of the major key (minor shots use its relative minor)
    seed: int
    shots: list[ProjectShot]
    chord_root: np.ndarray  # int (n_beats,), -1 = no chord
    chord_pcs: np.ndarray  # bool (n_beats, 12)
    phrases: list[Phrase] = field(default_factory=list)  # the piece's form on its bars (controls.form)
    origin: FileStamp | None = field(default=None, compare=False, repr=False)  # the file it was read from/saved to
    arrangement: Arrangement = field(default_factory=Arrangement)  # which instruments play the parts

    @property
    def n_beats(self) -> int:
        return sum(s.n_beats for s in self.shots)

    def notes(self) -> np.ndarray:
        """The piece: every shot's current take, on absolute steps, sorted."""
        parts = [s.current_notes() + np.array([s.start_step, 0, 0, 0, 0]) for s in self.shots]
        rows = np.concatenate(parts) if parts else np.zeros((0, 5), np.int64)
        return rows[np.lexsort(rows.T[::-1])] if len(rows) else rows.reshape(0, 5)


def _chords_json(roots: np.ndarray, pcs: np.ndarray) -> list[tuple[int, int]]:
    """Per-beat chords as (root, pitch-class mask) pairs."""
    return [(int(r), int(sum(1 << i for i in np.nonzero(p)[0]))) for r, p in zip(roots, pcs)]


def _overrides_record(o: ShotOverrides) -> OverridesRecord:
    return OverridesRecord(energy=o.energy, density=o.density, mode=o.mode, locked=o.locked)


def _shot_record(s: ProjectShot) -> ShotRecord:
    takes = [
        TakeRecord(
            seed=t.seed,
            overrides=_overrides_record(t.overrides),
            notes=t.notes.tolist(),
            chords=_chords_json(t.chord_root, t.chord_pcs),
            edited=t.edited,
        )
        for t in s.takes
    ]
    return ShotRecord(
        index=s.index,
        start_s=s.start_s,
        end_s=s.end_s,
        features=s.features,
        start_beat=s.start_beat,
        n_beats=s.n_beats,
        tempo_bpm=s.tempo_bpm,
        overrides=_overrides_record(s.overrides),
        take=s.take,
        theme=s.theme,
        takes=takes,
    )


def to_json(project: Project) -> dict[str, Any]:
    """Plain JSON data of a project."""
    record = ProjectRecord(
        schema=SCHEMA,
        version=SCHEMA_VERSION,
        video=VideoRecord(path=project.video_path, hash=project.video_hash, duration_s=project.duration_s),
        analysis_settings=project.analysis_settings,
        model_id=project.model_id,
        tempo_bpm=project.tempo_bpm,
        key_tonic=project.key_tonic,
        seed=project.seed,
        shots=[_shot_record(s) for s in project.shots],
        chords=_chords_json(project.chord_root, project.chord_pcs),
        form=[(p.letter, p.start_bar, p.n_bars) for p in project.phrases],
        arrangement=arrangement_record(project.arrangement),
        notes=project.notes().tolist(),
    )
    data: dict[str, Any] = record_json(record)
    return data


def save_project(project: Project, path: str | os.PathLike[str], autosave: bool = False) -> None:
    """Write the project atomically (never touches the video).

    Saving over the file the project was read from is refused if another program changed it
    since; an autosave (a recovery copy) neither checks nor moves where the project came from.
    """
    data = json.dumps(to_json(project), indent=1).encode()
    if not autosave:
        check_unchanged(project.origin, path)
    with atomic_path(path, inputs=(project.video_path,)) as tmp:
        tmp.write_bytes(data)
    if not autosave:
        stamp = FileStamp.of(path, data)
        if project.origin is None:
            project.origin = stamp
        else:
            project.origin.path, project.origin.digest = stamp.path, stamp.digest


def _fail(source: str, where: str, what: str) -> NoReturn:
    raise BgmError(f"{source}: {where}: {what}")


def _chords(source: str, pairs: list[tuple[int, int]], n_beats: int, where: str) -> tuple[np.ndarray, np.ndarray]:
    """(root, mask) pairs, one per beat -> (chord_root (n_beats,), chord_pcs (n_beats, 12))."""
    if len(pairs) != n_beats:
        _fail(source, where, f"expected one [root, mask] pair per beat ({n_beats}), not {len(pairs)}")
    roots = np.array([c[0] for c in pairs], np.int64)
    pcs = np.array([[(c[1] >> k) & 1 for k in range(12)] for c in pairs], bool).reshape(-1, 12)
    return roots, pcs


def _take(source: str, t: TakeRecord, piece_chords: list[tuple[int, int]], shot: ShotRecord, where: str) -> Take:
    notes = np.array(t.notes, dtype=np.int64).reshape(-1, 5)
    n_steps = shot.n_beats * STEPS_PER_BEAT
    late = notes[:, 0] >= n_steps
    if late.any():
        _fail(source, where, f"note {notes[np.argmax(late)].tolist()} starts after the shot's {n_steps} steps")
    chords = piece_chords[shot.start_beat : shot.start_beat + shot.n_beats] if t.chords is UNSET else t.chords
    return Take(t.seed, t.overrides.overrides(), notes, *_chords(source, chords, shot.n_beats, where), edited=t.edited)


def _shot(
    source: str, s: ShotRecord, i: int, shots: list[ProjectShot], piece_chords: list[tuple[int, int]]
) -> ProjectShot:
    """A shot that follows the shots before it, with its takes."""
    where = f"shots[{i}]"
    expect_start, expect_beat = (shots[-1].end_s, shots[-1].end_beat) if shots else (0.0, 0)
    if s.index != i:
        _fail(source, where, "shots must be numbered 0, 1, 2, ... in order")
    if abs(s.start_s - expect_start) > 1e-3:
        _fail(
            source, where, f"shots must follow each other without gaps (starts at {s.start_s}, expected {expect_start})"
        )
    if s.end_s <= s.start_s:
        _fail(source, where, f"a shot must end after it starts (starts at {s.start_s}, ends at {s.end_s})")
    if s.start_beat != expect_beat or s.start_beat + s.n_beats > MAX_BEATS:
        _fail(source, where, f"beats must follow each other (start_beat {expect_beat}) and number at most {MAX_BEATS}")
    takes = [_take(source, t, piece_chords, s, f"{where}.takes[{j}]") for j, t in enumerate(s.takes)]
    if not s.take < len(takes) or (s.take == -1 and takes):
        _fail(source, where, f"take {s.take} does not exist")
    theme = i if s.theme is UNSET else s.theme
    if not (theme == i or 0 <= theme < i and shots[theme].theme == theme):
        _fail(source, where, f"theme {theme} is neither this shot nor an earlier shot that is its own theme")
    return ProjectShot(
        i,
        s.start_s,
        s.end_s,
        s.features,
        s.start_beat,
        s.n_beats,
        s.tempo_bpm,
        s.overrides.overrides(),
        takes,
        s.take,
        theme,
    )


def _phrases(source: str, rows: list[tuple[str, int, int]], n_beats: int) -> list[Phrase]:
    """[letter, start bar, bars] rows -> phrases that follow each other over the piece's bars."""
    n_bars = -(-n_beats // BEATS_PER_BAR)
    phrases: list[Phrase] = []
    bar = 0
    for letter, start, n in rows:
        if start != bar or start + n > n_bars:
            _fail(
                source,
                "form",
                f"phrase {[letter, start, n]!r} does not follow the one before inside the piece's {n_bars} bars",
            )
        phrases.append(Phrase(letter, start, n))
        bar = start + n
    return phrases


def _check_music_length(source: str, shots: list[ProjectShot], duration_s: float) -> None:
    """The shots' beats at their tempi last as long as the video (the planner fits the last shot's tempo
    to its end), so a file cannot ask for hours of music over a few seconds of video."""
    music_s = sum(s.n_beats * 60.0 / s.tempo_bpm for s in shots)
    if abs(music_s - duration_s) > 0.05 + 1e-6 * duration_s:
        _fail(
            source,
            "shots",
            f"their beats at their tempi last {music_s:.3f} s but the video lasts {duration_s:.3f} s "
            "(n_beats and tempo_bpm do not fit the shots)",
        )


def _check_file_name(source: str, where: str, name: str) -> None:
    """A name the operating system can take: no NUL, and text that encodes as a file name."""
    try:
        encoded = os.fsencode(name)
    except UnicodeEncodeError:  # an unpaired surrogate that no file name decodes to
        encoded = b"\0"
    if b"\0" in encoded:
        _fail(source, where, f"{name!r} cannot be a file name")


def from_json(data: Any, source: str = "project") -> Project:
    """Validate and rebuild a project; any problem raises BgmError naming the field."""
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        _fail(source, "file", "not a BGM Studio project")
    version = data.get("version")
    if type(version) is int and version > SCHEMA_VERSION:
        _fail(
            source, "file", f"written by a newer BGM Studio (format {version}; this one reads up to {SCHEMA_VERSION})"
        )
    record = read_record(data, ProjectRecord, source)
    shots: list[ProjectShot] = []
    for i, s in enumerate(record.shots):
        shots.append(_shot(source, s, i, shots, record.chords))
    duration = record.video.duration_s
    if abs(shots[-1].end_s - duration) > 0.05:
        _fail(source, "shots", f"shots end at {shots[-1].end_s:.3f} s but the video lasts {duration:.3f} s")
    _check_music_length(source, shots, duration)
    _check_file_name(source, "video.path", record.video.path)
    n_beats = shots[-1].end_beat
    roots, pcs = _chords(source, record.chords, n_beats, "chords")
    try:
        AnalysisConfig.from_key(record.analysis_settings)  # the app analyses the project's video with these again
    except BgmError as exc:
        raise BgmError(f"{source}: {exc}") from None
    try:
        arrangement = arrangement_from_record(record.arrangement)
    except BgmError as exc:
        _fail(source, "arrangement", str(exc))
    if any(shot >= len(shots) for shot, _ in arrangement.shot_presets):
        _fail(source, "arrangement", "a shot preset names a shot the project does not have")
    return Project(
        video_path=record.video.path,
        video_hash=record.video.hash,
        duration_s=duration,
        analysis_settings=record.analysis_settings,
        model_id=record.model_id,
        tempo_bpm=record.tempo_bpm,
        key_tonic=record.key_tonic % 12,
        seed=record.seed,
        shots=shots,
        chord_root=roots,
        chord_pcs=pcs,
        arrangement=arrangement,
        phrases=_phrases(source, record.form, n_beats),
    )


def load_project(path: str | os.PathLike[str]) -> Project:
    """Read and validate a `.bgm.json` file."""
    path = Path(path)
    raw = read_input(path, "project file")  # a FIFO or /dev/zero is refused, not read forever
    try:
        data = json.loads(raw)
    except UnicodeDecodeError as exc:
        raise BgmError(
            f"{path}: not a BGM Studio project (not UTF-8 text at byte {exc.start}: a video or another kind of file?)"
        ) from None
    except RecursionError:
        raise BgmError(f"{path}: not a project (JSON nested too deeply)") from None
    except json.JSONDecodeError as exc:
        raise BgmError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    except ValueError:  # an integer past Python's int_max_str_digits (4300 digits)
        raise BgmError(f"{path}: not a project (a number thousands of digits long)") from None
    project = from_json(data, str(path))
    project.origin = FileStamp.of(path, raw)
    return project
