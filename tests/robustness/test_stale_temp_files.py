"""Defect 9: temporary files a killed writer left are removed by the next write; a live writer's are not."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from bgm_studio import atomic
from bgm_studio.atomic import atomic_path, check_writable_target, remove_stale_parts
from tests.robustness.helpers import stray_files

HOLD = """
import sys, time
from bgm_studio.atomic import atomic_path
with atomic_path(sys.argv[1]) as tmp:
    tmp.write_bytes(bytes(1 << 20))
    print(tmp, flush=True)
    time.sleep(60)
"""


def writer(target):
    """A process in the middle of an atomic write to `target`, and its temporary file."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(target)],
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=os.getcwd()),
    )
    return proc, proc.stdout.readline().strip()


def test_a_killed_writers_part_file_is_removed_by_the_next_write(tmp_path):
    proc, part = writer(tmp_path / "out.mp4")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert stray_files(tmp_path) == [os.path.basename(part)]
    with atomic_path(tmp_path / "other.wav") as tmp:
        tmp.write_bytes(b"x")
    assert stray_files(tmp_path) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["other.wav"]


def test_a_live_writers_part_file_is_kept(tmp_path):
    proc, part = writer(tmp_path / "out.mp4")
    try:
        with atomic_path(tmp_path / "out.mp4") as tmp:  # a second writer of the same target
            tmp.write_bytes(b"second")
        assert os.path.exists(part)
    finally:
        proc.kill()
        proc.wait()
    assert (tmp_path / "out.mp4").read_bytes() == b"second"


def test_a_user_file_that_looks_hidden_is_never_removed(tmp_path):
    mine = [".notes.part", ".film.part.mp4", ".x.abc.part"]
    for name in mine:
        (tmp_path / name).write_text("mine")
    with atomic_path(tmp_path / "a.mid") as tmp:
        tmp.write_bytes(b"x")
    assert all((tmp_path / name).exists() for name in mine)


def test_a_legal_long_file_name_is_accepted(tmp_path):
    target = check_writable_target(tmp_path / ("n" * 251 + ".wav"))  # 255 characters, the most a name may have
    with atomic_path(target) as tmp:
        tmp.write_bytes(b"x")
    assert target.read_bytes() == b"x" and stray_files(tmp_path) == []


def test_a_write_probe_that_another_process_cleans_away_first_is_no_error(tmp_path, monkeypatch):
    """Two batch workers: one's remove_stale_parts can delete the other's unlocked .probe before
    the prober removes it (a FileNotFoundError traceback before the fix)."""
    made = tempfile.mkstemp

    def made_then_cleaned(*args, **kwargs):
        fd, name = made(*args, **kwargs)
        remove_stale_parts(Path(name).parent)  # the other worker, in between
        return fd, name

    monkeypatch.setattr(atomic.tempfile, "mkstemp", made_then_cleaned)
    assert check_writable_target(tmp_path / "out.mid") == tmp_path / "out.mid"
    assert list(tmp_path.iterdir()) == []
