"""Project state and the `.bgm.json` file (versioned schema, atomic save, validated load)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from ..atomic import atomic_path
from ..controls.video_mapping import ShotOverrides
from ..errors import BgmError
from ..limits import MAX_BEATS, MAX_DURATION_S, MAX_NUMBER, TEMPO_RANGE_BPM
from ..music.arrangement import Arrangement, arrangement_from_json, arrangement_json
from ..music.notes import BEATS_PER_BAR, STEPS_PER_BEAT
from ..music.structure import Phrase
from ..video.config import AnalysisConfig
from .lock import FileStamp, check_unchanged

SCHEMA = "bgm-studio-project"
SCHEMA_VERSION = 5  # 2: every take holds its chords (a version 1 take gets the piece's chords)
# 3: every shot names its theme (a shot of an older file is its own theme)
# 4: the arrangement (instruments per part and shot; an older file gets solo piano)
# 5: the piece's form, its phrases (an older file has none: its music was written without one)
MAX_SEED = 2**32 - 1


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


def _chords_json(roots: np.ndarray, pcs: np.ndarray) -> list[list[int]]:
    """Per-beat chords as [root, pitch-class mask] pairs."""
    return [[int(r), int(sum(1 << i for i in np.nonzero(p)[0]))] for r, p in zip(roots, pcs)]


def to_json(project: Project) -> dict[str, Any]:
    """Plain JSON data of a project."""
    return {
        "schema": SCHEMA,
        "version": SCHEMA_VERSION,
        "video": {"path": project.video_path, "hash": project.video_hash, "duration_s": project.duration_s},
        "analysis_settings": project.analysis_settings,
        "model_id": project.model_id,
        "tempo_bpm": project.tempo_bpm,
        "key_tonic": project.key_tonic,
        "seed": project.seed,
        "shots": [
            {
                "index": s.index,
                "start_s": s.start_s,
                "end_s": s.end_s,
                "features": s.features,
                "start_beat": s.start_beat,
                "n_beats": s.n_beats,
                "tempo_bpm": s.tempo_bpm,
                "overrides": asdict(s.overrides),
                "take": s.take,
                "theme": s.theme,
                "takes": [
                    {
                        "seed": t.seed,
                        "overrides": asdict(t.overrides),
                        "notes": t.notes.tolist(),
                        "chords": _chords_json(t.chord_root, t.chord_pcs),
                        "edited": t.edited,
                    }
                    for t in s.takes
                ],
            }
            for s in project.shots
        ],
        "chords": _chords_json(project.chord_root, project.chord_pcs),  # the current take's chords in each shot
        "form": [[p.letter, p.start_bar, p.n_bars] for p in project.phrases],
        "arrangement": arrangement_json(project.arrangement),
        "notes": project.notes().tolist(),  # the current piece, for other tools; rebuilt from takes on load
    }


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


class _Reader:
    """Typed access to JSON fields with errors that say where the problem is."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, what: str) -> NoReturn:
        raise BgmError(f"{self.source}: {where}: {what}")

    def get(self, obj: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
        if not isinstance(obj, dict) or key not in obj:
            self.fail(where, f"missing field {key!r}")
        value = obj[key]
        number = kind in (int, float, (int, float))
        ok = isinstance(value, kind) and not isinstance(value, bool) if number else isinstance(value, kind)
        if not ok or (number and not (abs(value) <= MAX_NUMBER)):  # NaN fails too
            self.fail(where, f"field {key!r} has the wrong type or value ({str(value)[:40]})")
        return value


def _overrides(r: _Reader, data: Any, where: str) -> ShotOverrides:
    if not isinstance(data, dict):
        r.fail(where, "overrides must be an object")
    try:
        return ShotOverrides(**data)
    except TypeError as exc:
        r.fail(where, f"bad overrides ({exc})")
    except BgmError as exc:
        r.fail(where, str(exc))


def _notes(r: _Reader, rows: Any, n_steps: int, where: str) -> np.ndarray:
    if not isinstance(rows, list) or not all(
        isinstance(x, list) and len(x) == 5 and all(isinstance(v, int) and not isinstance(v, bool) for v in x)
        for x in rows
    ):
        r.fail(where, "notes must be a list of [start, pitch, length, velocity, track] integers")
    try:
        arr = np.array(rows, dtype=np.int64).reshape(-1, 5)
    except OverflowError:
        r.fail(where, "a note value is out of range")
    bad = (
        (arr[:, 0] < 0)
        | (arr[:, 0] >= max(n_steps, 1))
        | (arr[:, 1] < 0)
        | (arr[:, 1] > 127)
        | (arr[:, 2] < 1)
        | (arr[:, 2] > MAX_BEATS * STEPS_PER_BEAT)
        | (arr[:, 3] < 1)
        | (arr[:, 3] > 127)
        | ~np.isin(arr[:, 4], [0, 1])
    )
    if bad.any():
        r.fail(where, f"note {arr[np.argmax(bad)].tolist()} is out of range")
    return arr


def _chords(r: _Reader, pairs: Any, n_beats: int, where: str) -> tuple[np.ndarray, np.ndarray]:
    """[root, mask] pairs, one per beat -> (chord_root (n_beats,), chord_pcs (n_beats, 12))."""
    if (
        not isinstance(pairs, list)
        or len(pairs) != n_beats
        or not all(isinstance(c, list) and len(c) == 2 for c in pairs)
    ):
        r.fail(where, f"expected one [root, mask] pair per beat ({n_beats})")
    if not all(type(c[0]) is int and type(c[1]) is int and -1 <= c[0] < 12 and 0 <= c[1] < 4096 for c in pairs):
        r.fail(where, "each chord must be [root -1..11, pitch-class mask 0..4095]")
    roots = np.array([c[0] for c in pairs], np.int64)
    pcs = np.array([[(c[1] >> k) & 1 for k in range(12)] for c in pairs], bool).reshape(-1, 12)
    return roots, pcs


def _phrases(r: _Reader, rows: Any, n_beats: int) -> list[Phrase]:
    """[letter, start bar, bars] rows -> phrases that follow each other over the piece's bars."""
    n_bars = -(-n_beats // BEATS_PER_BAR)
    if not isinstance(rows, list) or not all(isinstance(x, list) and len(x) == 3 for x in rows):
        r.fail("form", "expected a list of [letter, start bar, bars] phrases")
    phrases: list[Phrase] = []
    bar = 0
    for letter, start, n in rows:
        if not (isinstance(letter, str) and len(letter) == 1 and letter.isascii() and letter.isalpha()):
            r.fail("form", f"phrase letter {letter!r} is not one letter")
        if type(start) is not int or type(n) is not int or start != bar or n < 1 or start + n > n_bars:
            r.fail(
                "form", f"phrase {[letter, start, n]!r} does not follow the one before inside the piece's {n_bars} bars"
            )
        phrases.append(Phrase(letter, start, n))
        bar = start + n
    return phrases


def _features(r: _Reader, data: dict[str, Any], where: str) -> dict[str, float]:
    if not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) <= MAX_NUMBER  # NaN fails too
        for v in data.values()
    ):
        r.fail(where, "features must be finite numbers")
    return {k: float(v) for k, v in data.items()}


def _tempo(r: _Reader, value: float, where: str) -> float:
    low, high = TEMPO_RANGE_BPM
    if not low <= value <= high:
        r.fail(where, f"field 'tempo_bpm' must be {low:.0f}-{high:.0f} BPM ({value!r})")
    return float(value)


def _seed(r: _Reader, seed: int, where: str) -> int:
    if not 0 <= seed <= MAX_SEED:
        r.fail(where, f"seed {seed} is out of range (0-{MAX_SEED})")
    return seed


def from_json(data: Any, source: str = "project") -> Project:
    """Validate and rebuild a project; any problem raises BgmError naming the field."""
    r = _Reader(source)
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        r.fail("file", "not a BGM Studio project")
    version = r.get(data, "version", int, "file")
    if version > SCHEMA_VERSION:
        r.fail("file", f"written by a newer BGM Studio (format {version}; this one reads up to {SCHEMA_VERSION})")
    video = r.get(data, "video", dict, "file")
    duration = float(r.get(video, "duration_s", (int, float), "video"))
    if not 0 < duration <= MAX_DURATION_S:
        r.fail("video", f"duration_s must be 0-{MAX_DURATION_S:.0f} s ({duration})")
    piece_chords = r.get(data, "chords", list, "file")
    shots: list[ProjectShot] = []
    expect_start, expect_beat = 0.0, 0
    for i, s in enumerate(r.get(data, "shots", list, "file")):
        where = f"shot {i}"
        start, end = float(r.get(s, "start_s", (int, float), where)), float(r.get(s, "end_s", (int, float), where))
        n_beats, start_beat = r.get(s, "n_beats", int, where), r.get(s, "start_beat", int, where)
        if r.get(s, "index", int, where) != i:
            r.fail(where, "shots must be numbered 0, 1, 2, ... in order")
        if abs(start - expect_start) > 1e-3 or end <= start:
            r.fail(where, f"shots must follow each other without gaps (starts at {start}, expected {expect_start})")
        if n_beats < 1 or start_beat != expect_beat or start_beat + n_beats > MAX_BEATS:
            r.fail(
                where, f"beats must be whole, at least one per shot, follow each other and number at most {MAX_BEATS}"
            )
        takes = []
        for j, t in enumerate(r.get(s, "takes", list, where)):
            tw = f"{where} take {j}"
            chords = r.get(t, "chords", list, tw) if version >= 2 else piece_chords[start_beat : start_beat + n_beats]
            takes.append(
                Take(
                    _seed(r, r.get(t, "seed", int, tw), tw),
                    _overrides(r, r.get(t, "overrides", dict, tw), tw),
                    _notes(r, r.get(t, "notes", list, tw), n_beats * STEPS_PER_BEAT, tw),
                    *_chords(r, chords, n_beats, tw),
                    edited=t.get("edited") is True,
                )
            )
        take = r.get(s, "take", int, where)
        if not -1 <= take < len(takes) or (take == -1 and takes):
            r.fail(where, f"take {take} does not exist")
        theme = r.get(s, "theme", int, where) if version >= 3 else i
        if not (theme == i or 0 <= theme < i and shots[theme].theme == theme):
            r.fail(where, f"theme {theme} is neither this shot nor an earlier shot that is its own theme")
        shots.append(
            ProjectShot(
                i,
                start,
                end,
                _features(r, r.get(s, "features", dict, where), where),
                start_beat,
                n_beats,
                _tempo(r, r.get(s, "tempo_bpm", (int, float), where), where),
                _overrides(r, r.get(s, "overrides", dict, where), where),
                takes,
                take,
                theme,
            )
        )
        expect_start, expect_beat = end, start_beat + n_beats
    if not shots:
        r.fail("shots", "a project needs at least one shot")
    if abs(expect_start - duration) > 0.05:
        r.fail("shots", f"shots end at {expect_start:.3f} s but the video lasts {duration:.3f} s")
    roots, pcs = _chords(r, piece_chords, expect_beat, "chords")
    settings = r.get(data, "analysis_settings", dict, "file")
    try:
        AnalysisConfig.from_key(settings)  # the app analyses the project's video with these again
    except BgmError as exc:
        r.fail("analysis_settings", str(exc))
    seed = _seed(r, r.get(data, "seed", int, "file"), "file")
    try:
        arrangement = arrangement_from_json(r.get(data, "arrangement", dict, "file")) if version >= 4 else Arrangement()
    except BgmError as exc:
        r.fail("arrangement", str(exc))
    if any(shot >= len(shots) for shot, _ in arrangement.shot_presets):
        r.fail("arrangement", "a shot preset names a shot the project does not have")
    return Project(
        video_path=r.get(video, "path", str, "video"),
        video_hash=r.get(video, "hash", str, "video"),
        duration_s=duration,
        analysis_settings=settings,
        model_id=r.get(data, "model_id", str, "file"),
        tempo_bpm=_tempo(r, r.get(data, "tempo_bpm", (int, float), "file"), "file"),
        key_tonic=r.get(data, "key_tonic", int, "file") % 12,
        seed=seed,
        shots=shots,
        chord_root=roots,
        chord_pcs=pcs,
        arrangement=arrangement,
        phrases=_phrases(r, data.get("form", []), expect_beat) if version >= 5 else [],
    )


def load_project(path: str | os.PathLike[str]) -> Project:
    """Read and validate a `.bgm.json` file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        data = json.loads(raw)
    except FileNotFoundError:
        raise BgmError(f"{path}: no such project file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BgmError(f"{path}: cannot read project ({exc})") from exc
    except RecursionError:
        raise BgmError(f"{path}: not a project (JSON nested too deeply)") from None
    except json.JSONDecodeError as exc:
        raise BgmError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    project = from_json(data, str(path))
    project.origin = FileStamp.of(path, raw)
    return project
