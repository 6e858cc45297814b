"""Whether writing an output could destroy an input: the one check every command makes for every output.

An input is a file (video, project, checkpoint, soundfont, MIDI file, config) or a folder
(POP909, a --midi-dir): an output clashes with a file it is, and with any file of a folder
(a new file written into an input folder replaces nothing and is allowed).
Paths are compared after resolving symlinks, `..` and relative parts, and existing files by
device and inode, so neither a hardlink nor a symlink nor another spelling of a path gets through.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from .errors import BgmError

PathLike = str | os.PathLike[str]


def real(path: PathLike) -> Path:
    """The absolute path with every symlink and `..` resolved (a missing tail is kept as written)."""
    return Path(os.path.realpath(Path(path).expanduser()))


def _same_inode(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _linked_into(target: os.stat_result, folder: Path) -> bool:
    """A hardlink of a file in `folder` (only searched when the target has more than one link)."""
    if target.st_nlink < 2:
        return False
    for root, _dirs, files in os.walk(folder):
        for name in files:
            try:
                if _same_inode(os.stat(os.path.join(root, name)), target):
                    return True
            except OSError:
                continue
    return False


def clashes(target: PathLike, source: PathLike) -> bool:
    """True when writing `target` would replace the file `source`, or a file inside the folder `source`."""
    out, src = real(target), real(source)
    if out == src:
        return True
    try:
        out_stat, src_stat = os.stat(out), os.stat(src)
    except OSError:  # a missing target (or input) shares nothing
        return False
    if not src.is_dir():
        return _same_inode(out_stat, src_stat)
    return src in out.parents or _linked_into(out_stat, src)


def refuse_clash(target: PathLike, inputs: Iterable[PathLike | None]) -> None:
    """Raise a one-line BgmError when `target` would replace any of `inputs` (None entries are skipped)."""
    for source in inputs:
        if source is not None and str(source) and clashes(target, source):
            what = "a file of the input folder" if real(source).is_dir() else "the same as the input"
            raise BgmError(
                f"{Path(target).expanduser().absolute()}: output path is {what} {source}; choose another name"
            )
