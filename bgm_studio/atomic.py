"""Atomic file writing: write beside the target, then rename into place.

Each temporary file is named `.NAME.XXXXXXXX.partSUFFIX` and holds an flock while its writer
lives; one whose lock can be taken belongs to a writer that died (kill -9, power loss) and
is removed by the next write into that folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import Iterator

from .clash import real, refuse_clash
from .errors import BgmError

_NAME_ROOM = 100  # characters of the target's name kept in a temporary name (file names stop at 255 bytes)
PART = ".part"
_OURS = re.compile(r"\..+\.[a-z0-9_]{8}(\.part.*|\.probe)")  # tempfile.mkstemp's 8 random characters


def check_writable_target(path: str | os.PathLike[str], inputs: tuple[str | os.PathLike[str], ...] = ()) -> Path:
    """Refuse targets that would overwrite an input or land in a missing/unwritable folder."""
    if os.fspath(path).endswith(os.sep):  # Path() drops the slash: "o.mid/" would write o.mid
        raise BgmError(f"{os.fspath(path)}: names a folder (it ends in {os.sep}); give a file name")
    target = Path(path).expanduser().absolute()
    try:
        if target.is_symlink():  # write the file the link names: replacing the link would leave that file old
            target = real(target)
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = stat.S_IFREG  # a new file
    except OSError as exc:  # a name past the file system's limit (ENAMETOOLONG), say
        raise BgmError(f"{target}: cannot be an output file ({exc.strerror or exc})") from exc
    refuse_clash(target, inputs)
    folder = target.parent
    if not folder.is_dir():
        raise BgmError(f"{target}: output folder {folder} does not exist")
    if stat.S_ISDIR(mode):
        raise BgmError(f"{target}: is a folder; give a file name")
    if not stat.S_ISREG(mode):  # renaming over /dev/null or a FIFO would replace it (as root, /dev/null too)
        raise BgmError(f"{target}: is a device or pipe, not a file; give a file name")
    if not os.access(folder, os.W_OK):
        raise BgmError(f"{target}: output folder {folder} is not writable")
    try:  # os.access says yes to root everywhere, and to read-only file systems such as /proc
        fd, probe = tempfile.mkstemp(prefix=_prefix(target), suffix=".probe", dir=folder)
    except OSError as exc:
        raise BgmError(f"{target}: cannot write in {folder} ({exc.strerror or exc})") from exc
    os.close(fd)
    with contextlib.suppress(FileNotFoundError):  # another process's remove_stale_parts may take it first
        os.unlink(probe)
    return target


def _prefix(target: Path) -> str:
    return f".{target.name[:_NAME_ROOM]}."


def remove_stale_parts(folder: Path) -> None:
    """Remove temporary files of ours in `folder` whose writer is gone (their flock is free)."""
    try:
        names = [n for n in os.listdir(folder) if _OURS.fullmatch(n)]
    except OSError:
        return
    for name in names:
        path = folder / name
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            path.unlink()
        except OSError:  # held by a live writer, or already gone
            pass
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], inputs: tuple[str | os.PathLike[str], ...] = ()) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it replaces `path`, on error it is removed.

    A failed or cancelled write therefore never leaves a partial file and never
    touches an existing file at the target.
    """
    target = check_writable_target(path, inputs)
    remove_stale_parts(target.parent)
    try:
        fd, tmp = tempfile.mkstemp(prefix=_prefix(target), suffix=PART + target.suffix[:20], dir=target.parent)
    except OSError as exc:
        raise BgmError(f"{target}: cannot write in {target.parent} ({exc.strerror or exc})") from exc
    with contextlib.suppress(OSError):  # a file system without flock: then no cleaner can take it either
        fcntl.flock(fd, fcntl.LOCK_EX)  # held until the end: this temporary file is alive
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
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
