"""analyze_video: one streaming pass from a video file to shots and features, with a cache."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields, replace
from typing import Callable
from pathlib import Path

import numpy as np

from ..errors import BgmError
from ..limits import MAX_DURATION_S
from ..progress import ProgressFn, no_progress
from . import cache
from .config import AnalysisConfig
from .cutlist import CutList
from .decode import VideoInfo, VideoReader
from .encoders import check_encoder, make_encoder
from .features import FeatureSeries, FeatureTracker, Keyframes, ShotFeatures, finish_series, shot_features
from .shots import CutSignalTracker, Shot, detect_transitions, shots_from_transitions


# With a cut list only the opening seconds of each shot are decoded (from the keyframe before) and measured:
# the music's controls stay close to those of whole shots (tests/project/test_cutlist_controls.py), and
# detection's every frame is not decoded (benchmarks/cutlist_speed.py: the demo clip 2.3x less CPU).
CUTLIST_MEASURE_S = 1.5


@dataclass(frozen=True, eq=False)
class VideoAnalysis:
    """Everything later stages need from a video. Shots cover [0, duration_s) without gaps."""

    info: VideoInfo
    duration_s: float  # analysed length: the container's duration, or where decoding stopped
    shots: tuple[Shot, ...]
    shot_features: tuple[ShotFeatures, ...]  # one per shot, same order
    series: FeatureSeries
    encoder: str  # name of the semantic encoder that made the embeddings
    warnings: tuple[str, ...]  # one line each, naming the file: damage, truncation
    config: AnalysisConfig  # the settings it was made with (a project records them)

    @property
    def cut_times(self) -> list[float]:
        """Times where a new shot starts, without 0."""
        return [s.start_s for s in self.shots[1:]]

    @staticmethod
    def from_json(data: dict) -> "VideoAnalysis":
        """Rebuild an analysis from `to_json`'s output."""
        renamed = {"path": "video", "duration_s": "container_duration_s"}
        # An entry cached before nominal rates were kept reads as its average; analyze_video probes the video anew.
        stated = {"nominal_fps": data["fps"], **data}
        info = VideoInfo(**{f.name: stated[renamed.get(f.name, f.name)] for f in fields(VideoInfo)})
        shot_rows = data["shots"]
        shot_feats = tuple(
            ShotFeatures(**{**row, "embedding": np.array(row["embedding"], np.float32)}) for row in shot_rows
        )
        series = FeatureSeries(**{k: np.array(v, dtype=np.float64) for k, v in data["series"].items()})
        return VideoAnalysis(
            info=info,
            duration_s=data["duration_s"],
            shots=tuple(Shot(r["index"], r["start_s"], r["end_s"]) for r in shot_rows),
            shot_features=shot_feats,
            series=series,
            encoder=data["encoder"],
            warnings=tuple(data["warnings"]),
            config=AnalysisConfig.from_key(data.get("analysis_settings", {})),
        )


def to_json(analysis: VideoAnalysis) -> dict:
    """Plain JSON data: {"video", "duration_s", "fps", "width", "height", ..., "shots": [...], "series": {...}}."""
    info = asdict(analysis.info)
    return {
        "video": info.pop("path"),
        "duration_s": analysis.duration_s,
        "container_duration_s": info.pop("duration_s"),
        **info,
        "encoder": analysis.encoder,
        "warnings": list(analysis.warnings),
        "analysis_settings": analysis.config.key(),
        "shots": [
            {
                **{f.name: getattr(s, f.name) for f in fields(ShotFeatures) if f.name != "embedding"},
                "embedding": [round(float(x), 6) for x in s.embedding],
            }
            for s in analysis.shot_features
        ],
        "series": {
            f.name: [round(float(x), 6) for x in getattr(analysis.series, f.name)] for f in fields(FeatureSeries)
        },
    }


def analyze_video(
    path: str | os.PathLike,
    config: AnalysisConfig = AnalysisConfig(),
    progress: ProgressFn = no_progress,
    use_cache: bool = True,
    cuts: CutList | None = None,
) -> VideoAnalysis:
    """Shots, per-shot features and feature series of a video, from the cache when it was analysed before.

    With `cuts` (an editor's cut list, see video.cutlist) the shots are its shots and detection is skipped.
    Raises BgmError for files that are not a decodable video, and for an encoder that cannot be made
    (before any work). Damaged or cut-off files are analysed as far as they decode, with a line in `warnings`.
    """
    check_encoder(config)
    path = Path(path)
    with VideoReader(path, config.fast_decode) as reader:
        check_length(path, reader.info.duration_s)  # before hours of decoding
        shots = {"shots": [(s.start_s, s.end_s) for s in cuts.shots]} if cuts else None
        content = cache.content_key(path) if use_cache else ""
        key, detected_key = (
            (cache.cache_key(content, config, shots), cache.cache_key(content, config)) if content else ("", "")
        )
        info = replace(reader.info, path=str(path))
        # A cut list for a video analysed before with detection reuses that analysis's shot-free measures.
        rebuilds: list[tuple[str, Callable[[dict], VideoAnalysis]]] = [
            (key, lambda d: replace(VideoAnalysis.from_json(d), info=info, config=config))
        ]
        if cuts is not None:
            rebuilds.append((detected_key, lambda d: _from_raw(d["raw"], info, cuts, config)))
        for entry, rebuild in rebuilds:
            cached = cache.load(entry) if entry else None
            if cached is not None:
                try:
                    found = rebuild(cached)
                except (KeyError, TypeError, ValueError, AttributeError):
                    continue  # a damaged or foreign cache entry: analyse again, which replaces it
                check_length(path, found.duration_s)  # an entry cached before the bound was checked
                return found
        analysis, raw = _analyse(reader, config, progress, cuts)
    if use_cache:
        cache.store(key, {**to_json(analysis), "raw": raw})
    return analysis


def _raw_json(raw: FeatureSeries, keyframes: Keyframes, duration_s: float, warnings: list[str], encoder: str) -> dict:
    """What a video's analysis is before it has shots: reused when a cut list re-cuts a video analysed before."""
    return {
        "duration_s": duration_s,
        "warnings": warnings,
        "encoder": encoder,
        "series": {f.name: [round(float(x), 6) for x in getattr(raw, f.name)] for f in fields(FeatureSeries)},
        "keyframes": {"t_s": keyframes.t_s.tolist(), "vectors": np.round(keyframes.vectors, 6).tolist()},
    }


def _from_raw(data: dict, info: VideoInfo, cutlist: CutList, config: AnalysisConfig) -> VideoAnalysis:
    raw = FeatureSeries(**{k: np.array(v, dtype=np.float64) for k, v in data["series"].items()})
    vectors = np.array(data["keyframes"]["vectors"], np.float32).reshape(len(data["keyframes"]["t_s"]), -1)
    keyframes = Keyframes(np.array(data["keyframes"]["t_s"], np.float64), vectors)
    shots = _cutlist_shots(cutlist, data["duration_s"])
    return _assemble(
        info,
        data["duration_s"],
        data["warnings"],
        raw,
        keyframes,
        shots,
        list(cutlist.transitions),
        data["encoder"],
        config,
    )


def _assemble(
    info: VideoInfo,
    duration_s: float,
    warnings: list[str],
    raw: FeatureSeries,
    keyframes: Keyframes,
    shots: list[Shot],
    kinds: list[str],
    encoder: str,
    config: AnalysisConfig,
) -> VideoAnalysis:
    series = finish_series(raw, shots, config)
    return VideoAnalysis(
        info,
        duration_s,
        tuple(shots),
        tuple(shot_features(series, keyframes, shots, kinds)),
        series,
        encoder,
        tuple(warnings),
        config,
    )


def _analyse(
    reader: VideoReader, config: AnalysisConfig, progress: ProgressFn, cutlist: CutList | None
) -> tuple[VideoAnalysis, dict]:
    """The analysis, and its shot-free part for the cache (see _raw_json)."""
    info = reader.info
    encoder = make_encoder(config)
    cuts, looks = CutSignalTracker(config) if cutlist is None else None, FeatureTracker(config, encoder)
    times: list[float] = []  # of every decoded frame
    label = f"analysing {reader.path.name}"

    def wanted(t_s: float) -> bool:  # detection looks at every frame; with a cut list only the samples are shrunk
        times.append(t_s)
        return cuts is not None or looks.wants(t_s)

    spans = None if cutlist is None else _measured_spans(cutlist)
    for n, frame in enumerate(reader.frames(config.frame_width, wanted, spans)):
        if cuts:
            cuts.add(frame)
        looks.add(frame)
        if n % 25 == 0:
            progress(min(frame.t_s, info.duration_s or frame.t_s), info.duration_s or frame.t_s, label)
    if len(times) < 2:
        raise BgmError(
            f"{reader.path}: the video has a single frame; a moving picture of at least two frames is needed"
        )
    duration, warnings = _duration(reader, times)
    check_length(reader.path, duration)  # frames far past what the container said
    progress(info.duration_s or duration, info.duration_s or duration, label)
    if cuts:
        transitions = detect_transitions(cuts.result(), info.fps, config)
        shots = shots_from_transitions(transitions, duration)
        kinds = ["start"] + [t.kind for t in transitions if 0.0 < t.t_s < duration]
    else:
        assert cutlist is not None  # no cut tracker only with a cut list
        shots, kinds = _cutlist_shots(cutlist, duration), list(cutlist.transitions)
    raw, keyframes = looks.result()
    return (
        _assemble(info, duration, warnings, raw, keyframes, shots, kinds, encoder.name, config),
        _raw_json(raw, keyframes, duration, warnings, encoder.name),
    )


def _measured_spans(cutlist: CutList) -> list[tuple[float, float]]:
    """The opening CUTLIST_MEASURE_S of each shot of a cut list, or all of a shorter one."""
    return [(s.start_s, min(s.end_s, s.start_s + CUTLIST_MEASURE_S)) for s in cutlist.shots]


def _cutlist_shots(cutlist: CutList, duration_s: float) -> list[Shot]:
    """The cut list's shots, the last one ending where the video does; refused if the video stops before it."""
    last = cutlist.shots[-1]
    if duration_s <= last.start_s + 1.0 / cutlist.rate:
        raise BgmError(
            f"the video decodes only to {duration_s:.2f} s but the cut list's last shot starts at {last.start_s:.2f} s"
        )
    return [*cutlist.shots[:-1], Shot(last.index, last.start_s, duration_s)]


def check_length(path: Path, duration_s: float) -> None:
    """Refuse a video longer than a project may score (limits.MAX_DURATION_S), before it is scored."""
    if duration_s > MAX_DURATION_S:
        raise BgmError(
            f"{path}: the video lasts {_hms(duration_s)}; BGM Studio scores videos up to {_hms(MAX_DURATION_S)}"
        )


def _hms(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


def _duration(reader: VideoReader, times: list[float]) -> tuple[float, list[str]]:
    """The container's duration when the decoded frames reach it, else where decoding stopped (with a warning)."""
    info = reader.info
    frame_s = 1.0 / info.fps if info.fps else float(np.median(np.diff(times)))
    decoded = max(times[-1], reader.skipped_to_s) + frame_s
    warnings = []
    if reader.damage:
        first = reader.damage[0]
        warnings.append(
            f"{reader.path}: {len(reader.damage)} damaged packet(s) skipped, "
            f"the first at {first.t_s:.1f} s ({first.reason})"
        )
    tolerance = max(0.5, 0.02 * info.duration_s)
    if info.duration_s and decoded < info.duration_s - tolerance:
        warnings.append(
            f"{reader.path}: decoding stopped at {decoded:.1f} s of {info.duration_s:.1f} s "
            "(file truncated or damaged); analysed the part that decodes"
        )
        return decoded, warnings
    return (info.duration_s if info.duration_s and abs(info.duration_s - decoded) <= tolerance else decoded), warnings


def shot_table(analysis: VideoAnalysis) -> str:
    """The shots and their main features as a text table, one shot per line."""
    head = (
        f"{'shot':>4} {'start':>7} {'end':>7} {'begins':>8} {'motion':>6} {'bright':>6} {'contr':>5} "
        f"{'sat':>5} {'colour':>6} {'warmth':>6} {'cuts/min':>8}"
    )
    rows = [head] + [
        f"{s.index:>4} {s.start_s:>7.2f} {s.end_s:>7.2f} {s.transition:>8} {s.motion:>6.3f} {s.brightness:>6.2f} "
        f"{s.contrast:>5.2f} {s.saturation:>5.2f} {s.colourfulness:>6.1f} {s.warmth:>+6.2f} {s.cut_density:>8.1f}"
        for s in analysis.shot_features
    ]
    info = analysis.info
    rate = f"{info.nominal_fps:.3g} fps"
    if f"{info.fps:.3g}" != f"{info.nominal_fps:.3g}":  # a phone's variable rate: the editor's count first
        rate += f" (averaging {info.fps:.3g})"
    rows.append(
        f"{len(analysis.shots)} shots in {analysis.duration_s:.2f} s of {info.width}x{info.height} "
        f"at {rate}{'' if info.has_audio else ', no audio'}"
    )
    return "\n".join(rows)
