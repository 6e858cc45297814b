"""Assertions shared by the robustness tests."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path
from typing import Iterator

import pytest


def one_line_error(capsys, words: str) -> None:
    """The command printed exactly one line, an error naming `words`."""
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and words in err and "\n" not in err, err


def stray_files(folder: Path) -> list[str]:
    """Hidden temporary files (ours end in .part..., .probe) left anywhere under `folder`."""
    return sorted(
        name
        for _root, _dirs, files in os.walk(folder)
        for name in files
        if name.startswith(".") and (".part" in name or name.endswith(".probe"))
    )


def check_whole(path: Path, video_s: float) -> None:
    """`path` is a whole, valid output: an MP4 with picture and music, a WAV, a MIDI file or a project."""

    import av
    import mido

    from bgm_studio.project.state import load_project

    if path.suffix == ".mp4":
        with av.open(str(path)) as c:
            assert c.streams.video and c.streams.audio
            assert abs(c.duration / 1e6 - video_s) < 0.5
            assert sum(1 for p in c.demux(c.streams.video[0]) if p.size) > 0
    elif path.suffix == ".wav":
        from scipy.io import wavfile  # reads the float stems as well as 16-bit PCM

        rate, samples = wavfile.read(path, mmap=True)
        assert abs(len(samples) / rate - video_s) < 0.1
    elif path.suffix == ".mid":
        assert len(mido.MidiFile(path).tracks) == 4  # conductor, melody, accompaniment, bass
    else:
        assert load_project(path).duration_s == pytest.approx(video_s, abs=0.1)


def run_in_child(args: list[str]) -> int:
    """Start a bgm-studio command in a forked copy of this process (no interpreter start-up to wait for)."""
    import torch

    from bgm_studio.cli import main

    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 1
        try:
            torch.set_num_threads(1)  # no OpenMP team after fork
            code = main(args)
        finally:
            os._exit(code)
    return pid


class Hung(BaseException):
    """Raised by `alarm` when a command runs past its time: a BaseException, so no handler of the code under
    test (`except OSError`, `except Exception`) can take it for an error of its own and carry on."""


@contextlib.contextmanager
def alarm(seconds: int) -> Iterator[None]:
    """Fail with Hung when the body runs longer than `seconds` (a read of a FIFO would wait forever)."""

    def ring(signum, frame):
        raise Hung(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
