"""Keeping two writers of one project file from losing each other's work.

A command that reads, changes and saves a project holds `locked(path)` throughout, so a
second command waits for the first and then reads its result. A project also remembers the
content it was read from (`FileStamp`); saving over a file that changed since then (another
program saved it meanwhile) is refused instead of silently dropping that program's takes.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import sys
from dataclasses import dataclass
from typing import Iterator

from ..clash import real
from ..errors import BgmError
from ..input_file import open_input


@dataclass
class FileStamp:
    """Where a project was last read from or saved to, and the sha256 of that file's bytes.

    Mutable and shared by every copy of the project (dataclasses.replace copies the reference),
    so saving one copy moves the stamp of all of them.
    """

    path: str
    digest: str

    @classmethod
    def of(cls, path: str | os.PathLike[str], data: bytes) -> "FileStamp":
        return cls(str(real(path)), hashlib.sha256(data).hexdigest())


def check_unchanged(stamp: FileStamp | None, path: str | os.PathLike[str]) -> None:
    """Refuse to save over `path` when it is the file the project came from and it changed since."""
    if stamp is None or str(real(path)) != stamp.path:
        return
    try:
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
    except FileNotFoundError:
        return  # deleted meanwhile: writing it again loses nothing
    except OSError as exc:
        raise BgmError(f"{path}: cannot read the project before saving ({exc.strerror or exc})") from exc
    if digest != stamp.digest:
        raise BgmError(
            f"{path}: the project was changed by another program since it was opened; "
            "save under another name, or reopen it and redo the change"
        )


@contextlib.contextmanager
def locked(path: str | os.PathLike[str]) -> Iterator[None]:
    """Hold an exclusive lock on the project file for a read-change-save, waiting for another holder.

    Saves replace the file, so after the lock is taken the path must still name the locked
    file; if it was replaced meanwhile the new file is locked instead.
    """
    while True:
        fd = open_input(path, "project file")  # a FIFO is refused, not waited on
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"waiting for another bgm-studio to finish with {path}", file=sys.stderr)
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:  # a file system without flock: the check at save time still refuses a lost take
            break
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except OSError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        yield
    finally:
        os.close(fd)
