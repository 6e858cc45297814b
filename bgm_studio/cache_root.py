"""The one cache folder of the program, and what happens when it cannot be written: a warning, no failure.

A cache only saves time, so a read-only folder, a full disk or $BGM_CACHE naming a file cost
the work again and one line on stderr, never the command.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs


def cache_root() -> Path:
    """$BGM_CACHE, else the user's cache folder /bgm_studio (Linux: $XDG_CACHE_HOME or ~/.cache)."""
    root = os.environ.get("BGM_CACHE")
    return Path(root).expanduser() if root else platformdirs.user_cache_path("bgm_studio", appauthor=False)


def warn_unwritable(path: Path, exc: Exception) -> None:
    """One line on stderr saying the cache entry was not kept, and why."""
    if isinstance(exc, (FileExistsError, NotADirectoryError)):
        reason = "a file stands where the cache folder should be"
    else:
        reason = getattr(exc, "strerror", None) or str(exc).split("\n")[0]
    print(
        f"warning: cache not written ({path}: {reason}); the work will be done again next time "
        "(set BGM_CACHE to a writable folder)",
        file=sys.stderr,
    )
