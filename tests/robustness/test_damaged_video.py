"""Defect 4: a video damaged in place is analysed again, and an export stops at damage instead of muxing it."""

from __future__ import annotations

import os
import shutil

import pytest

from bgm_studio.errors import BgmError
from bgm_studio.export.mp4 import export_mp4
from bgm_studio.music.notes import Note, Score
from bgm_studio.video import cache
from bgm_studio.video.analysis import analyze_video
from tests.media import ffmpeg
from tests.robustness.helpers import stray_files

BLOCK, BLOCKS = 1 << 16, 16


def damage_between_sampled_blocks(path) -> None:
    """Zero 16 KiB that the fingerprint's 16 sampled blocks do not cover; the size stays the same."""
    size = os.path.getsize(path)
    starts = [(size - BLOCK) * k // (BLOCKS - 1) for k in range(BLOCKS)]
    gap = max(range(BLOCKS - 1), key=lambda k: starts[k + 1] - starts[k] - BLOCK)
    at = starts[gap] + BLOCK + 1024
    assert starts[gap + 1] - at >= 1 << 14
    with open(path, "r+b") as f:
        f.seek(at)
        f.write(bytes(1 << 14))
    assert os.path.getsize(path) == size


def noisy_video(path):
    """2 s of lossless noise: large enough (over 16 blocks) that `fingerprint` samples it."""
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "nullsrc=s=256x144:r=25:d=2,geq=random(1)*255:128:128",
        "-c:v",
        "libx264",
        "-qp",
        "0",
        "-g",
        "25",
        str(path),
    )
    assert os.path.getsize(path) > BLOCK * BLOCKS
    return path


def entries() -> int:
    return len(list(cache.cache_dir().glob("*.json")))


def test_a_video_damaged_in_place_is_not_answered_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("BGM_CACHE", str(tmp_path / "cache"))  # a cache of this test's own: its entries are counted
    video = noisy_video(tmp_path / "big.mp4")
    analyze_video(video)
    before = cache.fingerprint(video)
    damage_between_sampled_blocks(video)
    assert cache.fingerprint(video) == before  # the sampled content alone cannot tell
    analyze_video(video)
    assert entries() == 2  # analysed again, under a key of its own


def test_a_damaged_copy_of_the_same_size_and_time_is_not_answered_from_the_cache(tmp_path, monkeypatch):
    """A copy kept with its time (cp -p, rsync -a) then damaged: size, time and sampled blocks all agree."""
    monkeypatch.setenv("BGM_CACHE", str(tmp_path / "cache"))
    video, copy = noisy_video(tmp_path / "big.mp4"), tmp_path / "copy.mp4"
    shutil.copy2(video, copy)
    first = analyze_video(video)
    assert analyze_video(copy).series.motion == pytest.approx(first.series.motion, abs=1e-5) and entries() == 1
    damage_between_sampled_blocks(copy)
    stat = os.stat(video)
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert cache.fingerprint(copy) == cache.fingerprint(video) and os.stat(copy).st_mtime_ns == stat.st_mtime_ns
    analyze_video(copy)
    assert entries() == 2  # analysed again, under a key of its own
    assert analyze_video(video).series.motion == pytest.approx(first.series.motion, abs=1e-5) and entries() == 2


def test_export_stops_at_damage_in_the_middle_of_the_stream(tmp_path):
    video = tmp_path / "v.ts"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=6", "-c:v", "libx264", "-g", "12", str(video))
    with open(video, "r+b") as f:
        f.seek(os.path.getsize(video) // 2)
        f.write(bytes(3000))
    score = Score([Note(0, 60, 4, 80, 0)], 16 * 6, 120.0)
    out = tmp_path / "out.mp4"
    with pytest.raises(BgmError, match=r"damaged at \d+\.\d s; the export stopped") as err:
        export_mp4(score, video, out)
    assert "\n" not in str(err.value) and not out.exists() and stray_files(tmp_path) == []
