"""On-disk cache of analyses, keyed by the video's content and the analysis settings.

Entries are JSON files under $BGM_CACHE (or the user cache folder)/bgm_studio/video/. The key covers
what an analysis depends on: the file's size and modification time, the video stream's parameters and
every packet the analysis reads (data, times, flags). Demuxing without decoding costs a few percent
of an analysis (benchmarks/video_fingerprint.py), and a file damaged in place, or a damaged copy of
the same size and time, is analysed again. A move or rename keeps the entry; a plain copy costs one
analysis. `fingerprint` (size and 16 sampled blocks, milliseconds for hours of video) names a file
where reading it whole would cost too much: a project's video, a soundfont, CLIP weights.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from ..atomic import atomic_path
from ..cache_root import cache_root, warn_unwritable
from ..errors import BgmError
from .config import AnalysisConfig

FORMAT = 4  # bump when the analysis or its JSON changes, so old entries are ignored
_BLOCK = 1 << 16
_BLOCKS = 16


def cache_dir() -> Path:
    """The folder of video analyses: cache_root()/video."""
    return cache_root() / "video"


def fingerprint(path: str | os.PathLike) -> str:
    """sha256 of the file size and 16 blocks of 64 KiB spread evenly over the file (the whole file if small)."""
    digest = hashlib.sha256()
    size = os.path.getsize(path)
    digest.update(str(size).encode())
    with open(path, "rb") as f:
        if size <= _BLOCK * _BLOCKS:
            digest.update(f.read())
        else:
            for k in range(_BLOCKS):
                f.seek((size - _BLOCK) * k // (_BLOCKS - 1))
                digest.update(f.read(_BLOCK))
    return digest.hexdigest()


def content_key(path: str | os.PathLike) -> str:
    """sha256 of the size, modification time, analysed stream's parameters and every packet of it
    (data, times, flags); a demuxing error is hashed where it happened. The file must open as a video."""
    import av

    from .decode import analysed_stream

    stat = os.stat(path)
    digest = hashlib.sha256(f"{stat.st_size} {stat.st_mtime_ns}".encode())
    with av.open(str(path), metadata_errors="ignore") as container:
        stream = analysed_stream(container)
        if stream is None:
            return digest.hexdigest()
        params = (stream.codec_context.name, stream.codec_context.extradata, stream.time_base, stream.start_time)
        digest.update(repr((params, stream.duration, stream.frames, stream.average_rate, container.duration)).encode())
        try:
            for packet in container.demux(stream):
                digest.update(f"{packet.pts} {packet.dts} {packet.is_keyframe} {packet.is_corrupt}".encode())
                digest.update(packet)
        except av.FFmpegError as exc:
            digest.update(f"error {exc}".encode())
    return digest.hexdigest()


def cache_key(content: str, config: AnalysisConfig, part: dict | None = None) -> str:
    """Key of the entry for a video of this `content_key` and these settings, and `part` (e.g. a cut
    list's shots) if given; for clip, also of the weights file's content, so that new weights under the
    same name are not answered with the old ones' embeddings."""
    weights = {"clip_weights": fingerprint(Path(config.clip_weights).expanduser())} if config.encoder == "clip" else {}
    settings = json.dumps({"format": FORMAT, "config": config.key(), **weights, **(part or {})}, sort_keys=True)
    return hashlib.sha256((content + settings).encode()).hexdigest()[:32]


def load(key: str) -> dict | None:
    """The stored JSON of an analysis, or None when missing or unreadable."""
    try:
        return json.loads((cache_dir() / f"{key}.json").read_text())
    except (OSError, ValueError, RecursionError):
        return None


def store(key: str, data: dict) -> None:
    """Write an entry atomically; a cache that cannot be written costs a warning line (it is only a cache)."""
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_path(folder / f"{key}.json") as tmp:
            tmp.write_text(json.dumps(data, separators=(",", ":")))
    except (OSError, BgmError) as exc:  # never fail an analysis over its cache
        warn_unwritable(folder, exc)
