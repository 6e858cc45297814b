"""What a batch scores: its videos, their output names, the settings, and the manifests that let a
rerun skip a video already scored from the same inputs with the same settings."""

from __future__ import annotations

import json
import os
from typing import Any
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..atomic import atomic_path
from ..errors import BgmError
from ..mix_options import VIDEO_SOUND_DB
from ..music.arrangement import DEFAULT_PRESET
from ..music.parts import PARTS

VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".m4v", ".avi", ".webm")
FORMATS = ("mp4", "midi", "wav", "project")
SOUND_FORMATS = ("mp4", "wav")
SUFFIX = {"mp4": ".mp4", "midi": ".mid", "wav": ".wav", "project": ".bgm.json"}
MANIFEST_SUFFIX = ".manifest.json"


@dataclass(frozen=True)
class BatchSettings:
    """The generate options every video of a batch is scored with."""

    seed: int = 0  # the same seed for every video: a video's music depends on it and the video alone
    tempo_bpm: float | None = None  # None: chosen from each video
    model: str | None = None  # checkpoint; None: $BGM_MODEL or the bundled one
    device: str | None = None  # auto | cpu | cuda; None: $BGM_DEVICE, else auto
    encoder: str | None = None  # semantic encoder (see video.config.configured)
    clip_weights: str | None = None
    clip_model: str | None = None
    soundfont: str | None = None  # None: $BGM_SOUNDFONT or the GM default
    preset: str = DEFAULT_PRESET  # instruments of every part, one of music.arrangement.PRESETS
    programs: tuple[int | None, int | None, int | None] = (None, None, None)  # GM program by PARTS; None: the preset's
    original_gain_db: float | None = VIDEO_SOUND_DB  # the video's sound in the MP4; None = left out
    formats: tuple[str, ...] = ("mp4", "midi", "project")  # files written per video


@dataclass(frozen=True)
class VideoTask:
    """One video and where its outputs go: OUT/<name>.mp4, .mid, .wav, .bgm.json and the manifest."""

    video: str
    name: str
    out_dir: str

    def output(self, fmt: str) -> Path:
        return Path(self.out_dir) / f"{self.name}{SUFFIX[fmt]}"

    @property
    def manifest(self) -> Path:
        return Path(self.out_dir) / f"{self.name}{MANIFEST_SUFFIX}"


@dataclass
class VideoResult:
    """How one video went: status scored, skipped (scored before), failed or interrupted."""

    video: str
    name: str
    status: str
    shots: int | None = None
    bpm: float | None = None
    seconds: float = 0.0  # time taken by this run (the scoring run's, for a skipped video)
    reason: str = ""  # one line, for a failed video
    note: str = ""  # one line, for a scored video: its MP4's picture re-encoded, tracks of the video it left out
    outputs: list[str] = field(default_factory=list)


def list_videos(source: str | os.PathLike[str]) -> list[Path]:
    """The videos of a folder (by suffix, sorted) or of a list file (one path a line, relative to the
    list's folder; blank lines and # comments skipped). Missing entries stay in, to be reported."""
    source = Path(source)
    if source.is_dir():
        return sorted(p for p in source.iterdir() if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES)
    if not source.is_file():
        raise BgmError(f"{source}: no such folder or list file")
    try:
        lines = source.read_text().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BgmError(f"{source}: cannot read this list of videos ({exc})") from exc
    entries = [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
    return [p if p.is_absolute() else source.parent / p for p in map(Path, entries)]


def make_tasks(videos: list[Path], out_dir: Path) -> list[VideoTask]:
    """One task per video, named after the file; a name two videos share gets their order (-1, -2)."""
    stems = [v.stem for v in videos]
    return [
        VideoTask(str(v.absolute()), s if stems.count(s) == 1 else f"{s}-{stems[:i].count(s) + 1}", str(out_dir))
        for i, (v, s) in enumerate(zip(videos, stems))
    ]


def biggest_first(tasks: list[VideoTask]) -> list[VideoTask]:
    """The tasks in order of falling file size, a missing file last.

    Why: workers take videos in this order, so a batch ends on short jobs instead of one worker
    scoring a long video while the others wait. Size stands for the work: it grows with both
    length (the music) and pixels times frames (the decoding), and costs one stat, no decoding.
    """

    def size(task: VideoTask) -> int:
        try:
            return os.path.getsize(task.video)
        except OSError:
            return -1

    return sorted(tasks, key=size, reverse=True)


def sounding(formats: tuple[str, ...]) -> bool:
    """Whether any of the formats carries sound (rendered with FluidSynth from a soundfont)."""
    return any(f in SOUND_FORMATS for f in formats)


def check_formats(formats: tuple[str, ...]) -> tuple[str, ...]:
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise BgmError(f"--formats {','.join(formats)}: choose from {', '.join(FORMATS)}")
    return formats


def identity(task: VideoTask, settings: BatchSettings, inputs: dict[str, Any]) -> dict[str, Any]:
    """What a video's music and files depend on: its contents, the settings and the input files
    (model, soundfont and analysis settings, by hash). Equal identities: nothing to score again."""
    from ..video.cache import fingerprint

    music = {k: v for k, v in asdict(settings).items() if k not in ("model", "soundfont", "device")}
    if settings.preset == DEFAULT_PRESET:  # as manifests written before --preset existed say it: still valid
        del music["preset"]
    # The parts' own programs by name; none is [0, 0], as manifests written while the programs did nothing (the
    # preset played) say it: still valid
    music["programs"] = {part: p for part, p in zip(PARTS, settings.programs) if p is not None} or [0, 0]
    return {"video_sha256": fingerprint(task.video), "settings": json.loads(json.dumps(music)), **inputs}


def done_before(task: VideoTask, ident: dict[str, Any], formats: tuple[str, ...]) -> VideoResult | None:
    """The earlier result when the manifest's identity matches and every output is still there."""
    try:
        manifest = json.loads(task.manifest.read_text())
    except (OSError, ValueError):
        return None
    if manifest.get("identity") != ident or not all(task.output(f).is_file() for f in formats):
        return None
    r = manifest.get("result", {})
    return VideoResult(
        task.video,
        task.name,
        "skipped",
        r.get("shots"),
        r.get("bpm"),
        r.get("seconds", 0.0),
        note=r.get("note", ""),
        outputs=[str(task.output(f)) for f in formats],
    )


def write_manifest(task: VideoTask, ident: dict[str, Any], result: VideoResult) -> None:
    """Written last, after every output: a video with a manifest is wholly scored."""
    payload = {"video": task.video, "identity": ident, "result": asdict(result)}
    with atomic_path(task.manifest) as tmp:
        tmp.write_text(json.dumps(payload, indent=1))


def remove_stale_parts(tasks: list[VideoTask]) -> None:
    """Delete temporary files a killed worker left beside its outputs (atomic_path's `.NAME.*.part*`)."""
    for task in tasks:
        for fmt in (*FORMATS, None):
            target = task.manifest if fmt is None else task.output(fmt)
            for part in target.parent.glob(f".{target.name}.*.part*"):
                part.unlink(missing_ok=True)
