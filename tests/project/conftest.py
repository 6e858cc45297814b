import sys
from pathlib import Path

import pytest


sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from video_clips import ShotSpec, make_clip, make_phone_clip  # noqa: E402

SHOTS = [
    ShotSpec(seconds=3.0, motion=0.01, hue=30, brightness=0.7),
    ShotSpec(seconds=2.5, motion=0.4, look="texture", hue=210, brightness=0.3, seed=1),
    ShotSpec(seconds=3.5, motion=0.1, pan=0.2, seed=2),
    ShotSpec(seconds=2.0, motion=0.0, hue=120, brightness=0.5, seed=3),
]


@pytest.fixture(scope="session")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("clip") / "four_shots.mp4"
    cuts = make_clip(path, SHOTS, audio=True)
    return path, cuts


@pytest.fixture(scope="session")
def phone_clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("clip") / "phone.mp4"
    return path, make_phone_clip(path)
