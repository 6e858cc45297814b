"""The app takes its semantic encoder from the environment, and a project's from the project."""

from __future__ import annotations

import pytest

from bgm_studio.app import jobs
from bgm_studio.errors import BgmError
from bgm_studio.project.state import load_project, save_project
from bgm_studio.video.config import AnalysisConfig


def quiet(done: float, total: float, label: str) -> None:
    pass


def test_opening_a_video_honours_the_environment(clip, monkeypatch, tmp_path):
    monkeypatch.setenv("BGM_ENCODER", "clip")
    with pytest.raises(BgmError, match="no weights configured"):
        jobs.open_file(clip, quiet)
    monkeypatch.setenv("BGM_CLIP_WEIGHTS", str(tmp_path / "missing.pt"))
    with pytest.raises(BgmError, match="missing.pt: no such CLIP weights file"):
        jobs.open_file(clip, quiet)


def test_a_project_reopens_with_its_own_settings(clip, tiny_model, monkeypatch, tmp_path):
    opened = jobs.open_file(clip, quiet)
    project = jobs.generate(jobs.LazyScorer(tiny_model).get(), opened.analysis, 0, quiet)
    assert project.analysis_settings == AnalysisConfig().key()
    save_project(project, tmp_path / "p.bgm.json")
    monkeypatch.setenv("BGM_ENCODER", "clip")  # set after scoring: the project keeps the descriptor
    again = jobs.open_file(str(tmp_path / "p.bgm.json"), quiet)
    assert again.analysis.encoder == opened.analysis.encoder == "descriptor-v1"
    assert load_project(tmp_path / "p.bgm.json").analysis_settings["encoder"] == "descriptor"
