"""Defect 6: a cache that cannot be written costs one warning line, never the command, and leaves no .part."""

from __future__ import annotations

import errno
import shutil

import numpy as np
import pytest

from bgm_studio.cli import main
from bgm_studio.music import song_cache
from tests.robustness.helpers import stray_files


@pytest.fixture
def small_pop909(pop909_root, tmp_path):
    root = tmp_path / "pop"
    for sid in ("819", "820"):
        shutil.copytree(pop909_root / sid, root / sid)
    return root


def warned_once(capsys) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("warning: cache not written")]
    assert len(lines) == 1, err
    return lines[0]


def test_eval_with_a_cache_path_that_is_a_file(small_pop909, tmp_path, monkeypatch, capsys):
    (tmp_path / "cachefile").write_text("x")
    monkeypatch.setenv("BGM_CACHE", str(tmp_path / "cachefile"))
    assert main(["eval", "--pop909", str(small_pop909)]) == 0
    assert "a file stands where the cache folder should be" in warned_once(capsys)


def test_eval_on_a_full_disk_leaves_no_part_file(small_pop909, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BGM_CACHE", str(tmp_path / "cache"))

    def fill_then_fail(f, **arrays):
        f.write(bytes(1 << 20))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez", fill_then_fail)
    assert main(["eval", "--pop909", str(small_pop909)]) == 0
    assert "No space left on device" in warned_once(capsys)
    assert stray_files(tmp_path / "cache") == [] and list((tmp_path / "cache").iterdir()) == []


def test_analysis_with_a_cache_path_that_is_a_file(video, tmp_path, monkeypatch, capsys):
    (tmp_path / "cachefile").write_text("x")
    monkeypatch.setenv("BGM_CACHE", str(tmp_path / "cachefile"))
    assert main(["analyze", str(video)]) == 0
    assert "a file stands where the cache folder should be" in warned_once(capsys)


def test_the_song_cache_round_trips_no_songs(tmp_path):
    song_cache.write(tmp_path / "c.npz", [], ["819: bad"])
    assert song_cache.read(tmp_path / "c.npz", object) == ([], ["819: bad"])
