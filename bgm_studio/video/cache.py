"""On-disk cache of analyses, keyed by the video's content and the analysis settings.

Entries are JSON files under $BGM_CACHE (or ~/.cache/bgm_studio)/video/. The
content fingerprint reads only the file size and a few blocks, so it costs
milliseconds even for hours of video; renaming or moving a file keeps its entry.
Where the fingerprint samples (files over 1 MiB), the cache key adds the modification time, so a
file written over in place (damaged with its size kept, say) is analysed again even where the
sampled blocks are unchanged; a move or rename keeps the time, a plain copy costs one analysis.
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

FORMAT = 2  # bump when the analysis or its JSON changes, so old entries are ignored
_BLOCK = 1 << 16
_BLOCKS = 16


def cache_dir() -> Path:
    """The folder of video analyses: $BGM_CACHE/video, else $XDG_CACHE_HOME or ~/.cache, /bgm_studio/video."""
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


def cache_key(path: str | os.PathLike, config: AnalysisConfig, part: dict | None = None) -> str:
    """Key of the entry for this video and these settings, and `part` (e.g. a cut list's shots) if given;
    for clip, also of the weights file's content, so that new weights under the same name are not
    answered with the old ones' embeddings."""
    weights = {"clip_weights": fingerprint(Path(config.clip_weights).expanduser())} if config.encoder == "clip" else {}
    stat = os.stat(path)
    sampled = {"mtime_ns": stat.st_mtime_ns} if stat.st_size > _BLOCK * _BLOCKS else {}
    settings = json.dumps(
        {"format": FORMAT, "config": config.key(), **sampled, **weights, **(part or {})}, sort_keys=True
    )
    return hashlib.sha256((fingerprint(path) + settings).encode()).hexdigest()[:32]


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
