"""Autosave and crash recovery: the open project is copied to one recovery file after each edit.

A clean exit deletes the file, so finding it at start-up means the last session
ended without closing (a crash or a kill) and its work can be offered back.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import platformdirs

from ..errors import BgmError
from ..project.state import Project, save_project

STATE_ENV = "BGM_STATE"  # folder for the recovery file (tests point it at a temporary folder)


def recovery_path() -> Path:
    """$BGM_STATE, else the user's state folder /bgm_studio (Linux: $XDG_STATE_HOME or ~/.local/state),
    /recovery.bgm.json."""
    root = os.environ.get(STATE_ENV)
    folder = Path(root).expanduser() if root else platformdirs.user_state_path("bgm_studio", appauthor=False)
    return folder / "recovery.bgm.json"


def autosave(project: Project) -> Path:
    """Write the project to the recovery file (atomically, like every save)."""
    path = recovery_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    save_project(project, path, autosave=True)
    return path


def pending_recovery() -> Path | None:
    """The recovery file a previous session left behind, if any."""
    path = recovery_path()
    return path if path.is_file() else None


def keep(project: Project) -> None:
    """Autosave on the way out (the system is ending the app): a state folder that cannot take it costs
    the recovery, with one line on stderr, never the exit."""
    try:
        autosave(project)
    except (OSError, BgmError) as exc:
        print(f"warning: unsaved work not kept for recovery ({exc})", file=sys.stderr)


def discard() -> None:
    """Remove the recovery file; a state folder that cannot hold one ($BGM_STATE naming a file) has none."""
    with contextlib.suppress(OSError):
        recovery_path().unlink(missing_ok=True)
