"""kill -9 at random moments of generate and export: each target then holds nothing or a whole valid file
(an earlier version of it, or the new one), and the next run leaves no temporary file behind."""

from __future__ import annotations

import os
import random
import signal
import time

import pytest

from bgm_studio.cli import main
from tests.robustness.helpers import check_whole, run_in_child, stray_files

KILLS = 4  # per command
SEEDS = {"generate": 1, "export": 2, "regenerate": 3}
VIDEO_S = 4.0


def kill_at_random_moments(args, targets, seconds, seed, before=()):
    """Kill the command KILLS times at seeded random moments of its run; check every target after each."""
    rng = random.Random(seed)
    for delay in sorted(rng.uniform(0.05, seconds) for _ in range(KILLS)):
        pid = run_in_child(args)
        time.sleep(delay)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        for target in targets:
            if target.exists():
                check_whole(target, VIDEO_S)
            else:
                assert target not in before, f"{target} was lost"


def timed(args) -> float:
    t0 = time.perf_counter()
    assert main(args) == 0
    return time.perf_counter() - t0


@pytest.mark.parametrize("command", ["generate", "export", "regenerate"])
def test_kill9_leaves_whole_files_or_none(video, tmp_path, command):
    proj = tmp_path / "p.bgm.json"
    out = tmp_path / "out"
    out.mkdir()
    targets = [out / "o.mp4", out / "o.wav", out / "o.mid"]
    files = [
        "-o" if command != "export" else "--mp4",
        str(targets[0]),
        "--wav",
        str(targets[1]),
        "--midi",
        str(targets[2]),
    ]
    if command == "generate":
        args, targets = (
            ["generate", str(video), "--project", str(out / "p.bgm.json")] + files,
            targets + [out / "p.bgm.json"],
        )
    else:
        assert main(["generate", str(video), "--project", str(proj)]) == 0
        args = [command, str(proj)] + (["--shot", "0"] if command == "regenerate" else []) + files
        targets = targets + [proj]
    seconds = timed(args)  # the whole run, once: the kills fall within its length
    for target in targets:
        if target != proj:  # export reads the project: it stays, and must stay whole
            target.unlink()
    kill_at_random_moments(
        args, targets, seconds * 1.1, seed=SEEDS[command], before=(proj,) if command != "generate" else ()
    )
    assert main(args) == 0
    for target in targets:
        check_whole(target, VIDEO_S)
    assert stray_files(tmp_path) == []
