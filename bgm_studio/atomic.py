"""Atomic file writing: write beside the target, then rename into place."""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator

from .clash import refuse_clash
from .errors import BgmError


def check_writable_target(path: str | os.PathLike, inputs: tuple[str | os.PathLike, ...] = ()) -> Path:
    """Refuse targets that would overwrite an input or land in a missing/unwritable folder."""
    target = Path(path).expanduser().absolute()
    refuse_clash(target, inputs)
    folder = target.parent
    if not folder.is_dir():
        raise BgmError(f"{target}: output folder {folder} does not exist")
    if target.is_dir():
        raise BgmError(f"{target}: is a folder; give a file name")
    if not os.access(folder, os.W_OK):
        raise BgmError(f"{target}: output folder {folder} is not writable")
    try:  # os.access says yes to root everywhere, and to read-only file systems such as /proc
        fd, probe = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".probe", dir=folder)
    except OSError as exc:
        raise BgmError(f"{target}: cannot write in {folder} ({exc.strerror or exc})") from exc
    os.close(fd)
    os.unlink(probe)
    return target


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, inputs: tuple[str | os.PathLike, ...] = ()) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it replaces `path`, on error it is removed.

    A failed or cancelled write therefore never leaves a partial file and never
    touches an existing file at the target.
    """
    target = check_writable_target(path, inputs)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part" + target.suffix, dir=target.parent)
    except OSError as exc:
        raise BgmError(f"{target}: cannot write in {target.parent} ({exc.strerror or exc})") from exc
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; a finished file gets the usual mode
        os.replace(tmp_path, target)
    except OSError as exc:
        raise BgmError(f"{target}: could not write ({exc.strerror or exc})") from exc
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
