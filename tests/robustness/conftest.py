"""Fixtures of the robustness tests: a short two-shot clip, a tiny checkpoint, a scored project."""

from __future__ import annotations

import shutil

import pytest

from bgm_studio.cli import main
from tests.video_clips import ShotSpec, make_clip


@pytest.fixture(scope="session")
def short_clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("clip") / "two_shots.mp4"
    make_clip(
        path,
        [ShotSpec(seconds=2.0, hue=30), ShotSpec(seconds=2.0, motion=0.3, hue=200, seed=1)],
        size=(160, 90),
        audio=True,
    )
    return path


@pytest.fixture
def env(monkeypatch, tiny_model, tmp_path):
    monkeypatch.setenv("BGM_MODEL", str(tiny_model))
    monkeypatch.setenv("BGM_CACHE", str(tmp_path / "cache"))


@pytest.fixture
def video(env, short_clip, tmp_path):
    path = tmp_path / "v.mp4"
    shutil.copy(short_clip, path)
    return path


@pytest.fixture
def scored(video, tmp_path):
    """A copy of the clip and a project scored for it."""
    proj = tmp_path / "p.bgm.json"
    assert main(["generate", str(video), "--project", str(proj)]) == 0
    return video, proj
