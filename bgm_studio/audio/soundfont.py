"""Finding and checking the soundfont: a user's .sf2/.sf3, $BGM_SOUNDFONT, or the default GM soundfont."""

from __future__ import annotations

import os
from pathlib import Path
from collections.abc import Iterator
from typing import BinaryIO

from ..errors import BgmError
from ..input_file import absent_reason

ENV_VAR = "BGM_SOUNDFONT"
SOUNDFONT_DIRS = (Path("/usr/share/sounds/sf2"), Path("/usr/share/soundfonts"), Path("/usr/local/share/soundfonts"))
DEFAULT_NAMES = ("FluidR3_GM.sf2", "TimGM6mb.sf2")  # quality first, the small one as fallback
REQUIRED_LISTS = {b"INFO", b"sdta", b"pdta"}


def default_soundfont() -> Path | None:
    """The installed General MIDI soundfont to use when the user names none (None if there is none)."""
    for name in DEFAULT_NAMES:
        for folder in SOUNDFONT_DIRS:
            if (folder / name).is_file():
                return folder / name
    return None


def soundfont_error(path: str | os.PathLike[str], problem: str) -> BgmError:
    """A one-line error about a soundfont that also offers the default one."""
    default = default_soundfont()
    offer = f"use the default {default}" if default else "install fluid-soundfont-gm"
    return BgmError(f"{path}: {problem}; choose another .sf2/.sf3 file or {offer}")


def check_soundfont(path: str | os.PathLike[str]) -> Path:
    """Refuse a missing, truncated or non-SoundFont file before FluidSynth sees it.

    A SoundFont (sf2, and sf3 alike) is a RIFF 'sfbk' file whose top-level LIST
    chunks INFO, sdta and pdta all lie within the file.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise soundfont_error(path, absent_reason(path, "soundfont"))
    try:
        with open(path, "rb") as f:
            header = f.read(12)
            if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"sfbk":
                raise soundfont_error(path, "not a SoundFont file")
            riff_end = 8 + int.from_bytes(header[4:8], "little")
            if riff_end > path.stat().st_size or not REQUIRED_LISTS <= {kind for kind, _ in list_chunks(f, riff_end)}:
                raise soundfont_error(path, "soundfont is truncated or damaged")
    except OSError as exc:
        raise soundfont_error(path, f"soundfont not readable ({exc.strerror})") from exc
    return path


def list_chunks(f: BinaryIO, riff_end: int) -> Iterator[tuple[bytes, int]]:
    """(kind, body size) of each top-level LIST chunk of an open RIFF file that fits inside it;
    when each is given, the file stands at the start of that chunk's body."""
    pos = 12
    while pos + 12 <= riff_end:
        f.seek(pos)
        head = f.read(12)
        if len(head) < 12:
            return
        size = int.from_bytes(head[4:8], "little")
        if head[:4] == b"LIST" and pos + 8 + size <= riff_end:
            yield head[8:12], size - 4
        pos += 8 + size + (size & 1)  # chunks are padded to even sizes


def find_soundfont(path: str | os.PathLike[str] | None = None) -> Path:
    """The soundfont to load: the given path, else $BGM_SOUNDFONT, else the default GM soundfont."""
    chosen = path or os.environ.get(ENV_VAR)
    if chosen:
        return check_soundfont(chosen)
    default = default_soundfont()
    if default is None:
        folders = ", ".join(str(d) for d in SOUNDFONT_DIRS)
        raise BgmError(f"no General MIDI soundfont in {folders}; install fluid-soundfont-gm or choose a .sf2 file")
    return default
