"""Small synthetic clips shared by the video tests (made once per session, 320x180)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.video_clips import ShotSpec, make_clip, make_phone_clip

FPS = 25.0
# Five shots of clearly different look and pace; shot 2 moves fast, shot 0 is still.
SHOTS = [
    ShotSpec(seconds=2.4, hue=30, brightness=0.7, motion=0.0, seed=1),
    ShotSpec(seconds=2.0, look="texture", hue=210, brightness=0.45, pan=0.3, seed=2),
    ShotSpec(seconds=2.2, hue=60, brightness=0.55, motion=1.5, shapes=6, seed=3),
    ShotSpec(seconds=2.0, look="texture", hue=190, brightness=0.2, saturation=0.3, motion=0.2, seed=4),
    ShotSpec(seconds=2.4, hue=330, brightness=0.6, motion=0.5, seed=5),
]


@pytest.fixture(scope="session")
def clip_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("clips")


@pytest.fixture(scope="session")
def cut_clip(clip_dir) -> tuple[Path, list[float]]:
    path = clip_dir / "cuts.mp4"
    return path, make_clip(path, SHOTS, fps=FPS, transition="cut", audio=True)


@pytest.fixture(scope="session")
def gradual_clip(clip_dir) -> tuple[Path, list[float]]:
    path = clip_dir / "gradual.mp4"
    return path, make_clip(path, SHOTS, fps=FPS, transition=["dissolve", "fade", "dissolve", "fade"])


@pytest.fixture(scope="session")
def phone_clip(clip_dir) -> tuple[Path, list[float]]:
    path = clip_dir / "phone.mp4"
    return path, make_phone_clip(path)
