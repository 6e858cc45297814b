"""Reading a small input file (a project, a training config) whole, refusing what is not one.

A FIFO would block the read until some other program writes to it, and /dev/zero or /dev/urandom
never end: either hangs the command or the app's worker. Only a regular file of a bounded size is read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import BgmError

MAX_INPUT_BYTES = 256 << 20  # far beyond a 3-hour project with many takes (a few MB)


def _is_not(mode: int, what: str) -> str:
    """What a file of this mode is instead of a `what`: "is a pipe (FIFO), not a soundfont"."""
    if stat.S_ISDIR(mode):
        kind = "a folder"
    elif stat.S_ISFIFO(mode):
        kind = "a pipe (FIFO)"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = "a device"
    else:
        kind = "not a regular file"
    return f"is {kind}, not a {what}"


def absent_reason(path: str | os.PathLike[str], what: str) -> str:
    """Why `path`, not a regular file, cannot be read as a `what`: "<what> not found", or what it is."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return f"{what} not found"
    return _is_not(mode, what)


def open_input(path: str | os.PathLike[str], what: str) -> int:
    """A read-only descriptor of the regular file `path`; never blocks on a FIFO. The caller closes it."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # O_NONBLOCK: opening a FIFO does not wait for a writer
    except FileNotFoundError:
        raise BgmError(f"{path}: no such {what}") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL character in the name
        raise BgmError(f"{path}: cannot read {what} ({getattr(exc, 'strerror', None) or exc})") from exc
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise BgmError(f"{path}: {_is_not(info.st_mode, what)}")
    if info.st_size > MAX_INPUT_BYTES:
        os.close(fd)
        raise BgmError(f"{path}: {info.st_size >> 20} MiB is too large for a {what}")
    return fd


def read_input(path: str | os.PathLike[str], what: str) -> bytes:
    """The bytes of the regular file `path`, at most MAX_INPUT_BYTES; a one-line BgmError otherwise."""
    fd = open_input(path, what)
    try:
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(MAX_INPUT_BYTES + 1)  # a file that grew since fstat is still bounded
    except OSError as exc:
        raise BgmError(f"{Path(path)}: cannot read {what} ({exc.strerror or exc})") from exc
    finally:
        os.close(fd)
    if len(data) > MAX_INPUT_BYTES:
        raise BgmError(f"{path}: too large for a {what}")
    return data
