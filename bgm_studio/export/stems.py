"""Stems: one WAV per part (and the video's sound, when mixed in) plus the mix, and the MIDI beside them.

Every file has the same length and start (sample-aligned, exactly the mix's frames) and
the stems sum to mix.wav within float rounding. They are 32-bit float WAVs: a part may peak
above full scale where the parts partly cancel in the mix (which itself stays <= -1 dBTP),
and PCM would clip it. Each file is written atomically.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from ..atomic import check_writable_target
from ..errors import BgmError
from ..music.notes import Score
from ..progress import ProgressFn, no_progress
from .midi import export_midi
from .mixdown import Mixdown
from .wav import FLOAT_BITS, write_wav

MIX_NAME = "mix"
MIDI_NAME = "parts.mid"


def stem_paths(folder: str | os.PathLike, names: list[str]) -> list[Path]:
    """The files `write_stems` writes into `folder` for stems `names`: name.wav each, mix.wav, parts.mid."""
    folder = Path(folder)
    return [folder / f"{name}.wav" for name in names + [MIX_NAME]] + [folder / MIDI_NAME]


def check_stems_folder(folder: str | os.PathLike, inputs: tuple = ()) -> Path:
    """Refuse a stems folder that cannot hold the files: an existing file, or a missing or read-only parent.

    Nothing is created here, so a command refused later leaves no empty folder behind.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise BgmError(f"{folder}: not a folder; --stems needs a folder to write the stem files into")
    check_writable_target(folder / f"{MIX_NAME}.wav" if folder.is_dir() else folder, inputs=inputs)
    return folder


def write_stems(
    sound: Mixdown, score: Score, folder: str | os.PathLike, progress: ProgressFn = no_progress
) -> list[str]:
    """Write each stem, the mix and the multi-track MIDI into `folder`; returns the paths written.

    A write that fails (a full disk) or is cancelled takes a folder made here with it, and the stems
    written into it: no half set, nor an empty folder, is left behind. An existing folder stays."""
    folder = check_stems_folder(folder)
    made = not folder.is_dir()
    try:
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        raise BgmError(f"{folder}: cannot create this folder ({exc.strerror or exc})") from exc
    names = list(sound.stems)
    paths = stem_paths(folder, names)
    try:
        for path, name in zip(paths, names + [None]):  # each stem made as it is written: one at a time in memory
            write_wav(sound.mix if name is None else sound.stems[name], sound.sample_rate, path, FLOAT_BITS, progress)
        export_midi(score, paths[-1], progress=progress)
    except BaseException:  # Ctrl-C too
        if made:
            _remove(folder, paths)
        raise
    return [str(p) for p in paths]


def _remove(folder: Path, paths: list[Path]) -> None:
    """Remove the stems `paths` written so far and `folder`, which was made for them; a folder something
    else was put in meanwhile stays."""
    for path in paths:
        path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        folder.rmdir()
