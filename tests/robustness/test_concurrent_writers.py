"""Defect 3: two writers of one project never lose a take; the second waits or is refused in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from bgm_studio.cli import main
from bgm_studio.errors import BgmError
from bgm_studio.project.state import Take, load_project, save_project
from tests.robustness.helpers import check_whole, run_in_child, stray_files


def takes(proj, shot: int = 0) -> list[int]:
    return [t["seed"] for t in json.loads(proj.read_text())["shots"][shot]["takes"]]


def test_concurrent_cli_regenerates_keep_every_take(scored, tmp_path):
    video, proj = scored
    first = takes(proj)
    children = [run_in_child(["regenerate", str(proj), "--shot", "0", "--seed", str(seed)]) for seed in (101, 102)]
    assert [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children] == [0, 0]
    assert takes(proj)[: len(first)] == first and sorted(takes(proj)[len(first) :]) == [101, 102]
    assert stray_files(tmp_path) == []


def add_take(project, seed: int):
    shot = project.shots[0]
    old = shot.takes[shot.take]
    shot.takes.append(Take(seed, old.overrides, old.notes, old.chord_root, old.chord_pcs))
    shot.take = len(shot.takes) - 1
    return project


def test_saving_over_a_project_changed_since_it_was_read_is_refused(scored):
    """The app's case: it holds a project for minutes while a command saves the same file."""
    _, proj = scored
    mine, theirs = load_project(proj), load_project(proj)
    save_project(add_take(theirs, 7), proj)
    saved = proj.read_bytes()
    with pytest.raises(BgmError, match="changed by another program since it was opened") as err:
        save_project(add_take(mine, 8), proj)
    assert "\n" not in str(err.value) and proj.read_bytes() == saved
    save_project(add_take(theirs, 9), proj)  # the writer that saved last may go on saving
    assert takes(proj)[-2:] == [7, 9]


def test_save_as_then_save_again_follows_the_new_file(scored, tmp_path):
    _, proj = scored
    project = load_project(proj)
    other = tmp_path / "other.bgm.json"
    save_project(project, other)
    proj.write_text(proj.read_text() + " ")  # the first file changes: no longer this project's file
    save_project(add_take(project, 5), other)
    assert takes(other)[-1] == 5


def test_a_regenerate_waits_for_a_held_lock(scored, capsys):
    from bgm_studio.project.lock import locked

    _, proj = scored
    code = (
        "import sys, time; from bgm_studio.project.lock import locked\n"
        "with locked(sys.argv[1]):\n    print('held', flush=True); time.sleep(1.5)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(proj)],
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=os.getcwd()),
    )
    assert holder.stdout.readline().strip() == "held"
    assert main(["regenerate", str(proj), "--shot", "0", "--seed", "42"]) == 0
    assert holder.wait(timeout=30) == 0
    assert "waiting for another bgm-studio" in capsys.readouterr().err
    with locked(proj):  # free again
        assert np.isin(42, takes(proj))


def test_concurrent_regenerates_through_a_symlink_keep_every_take(scored, tmp_path):
    """One regenerate names the project, the other a link to it: both takes reach the project, the link stays."""
    video, proj = scored
    link = tmp_path / "link.bgm.json"
    link.symlink_to(proj)
    first = takes(proj)
    children = [
        run_in_child(["regenerate", str(path), "--shot", "0", "--seed", str(seed)])
        for path, seed in ((link, 201), (proj, 202))
    ]
    assert [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children] == [0, 0]
    assert link.is_symlink() and sorted(takes(proj)[len(first) :]) == [201, 202]
    assert stray_files(tmp_path) == []


def test_concurrent_exports_to_one_target_leave_one_whole_file(scored, tmp_path):
    video, proj = scored
    target = tmp_path / "same.wav"
    children = [run_in_child(["export", str(proj), "--wav", str(target)]) for _ in range(3)]
    assert [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children] == [0, 0, 0]
    check_whole(target, 4.0)
    assert stray_files(tmp_path) == []
