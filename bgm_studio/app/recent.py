"""The list of recently opened videos and projects, kept beside the recovery file across sessions."""

from __future__ import annotations

import json
from pathlib import Path

from ..atomic import atomic_path
from ..errors import BgmError
from ..input_file import read_input
from .recovery import recovery_path

MAX_RECENT = 10


def recent_path() -> Path:
    return recovery_path().with_name("recent.json")


def load_recent() -> list[str]:
    """The recent files, newest first, those that still exist (an unreadable list reads as empty)."""
    try:
        paths = json.loads(read_input(recent_path(), "recent list"))  # a FIFO there would stall the start
    except (BgmError, ValueError, RecursionError):
        return []
    return [p for p in paths if isinstance(p, str) and Path(p).is_file()] if isinstance(paths, list) else []


def add_recent(path: str) -> list[str]:
    """Put `path` first in the list (once) and save it; the new list. A list that cannot be written is kept
    in memory only: losing it must never stop an open or a save."""
    path = str(Path(path).absolute())
    paths = ([path] + [p for p in load_recent() if p != path])[:MAX_RECENT]
    try:
        recent_path().parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(recent_path()) as tmp:
            Path(tmp).write_text(json.dumps(paths, indent=1))
    except (OSError, BgmError):
        pass
    return paths
