"""generate's summary line counts what it made, for the shortest clips too."""

import pytest

from bgm_studio.cli import main
from bgm_studio.project.state import load_project
from tests.video_clips import ShotSpec, make_clip


@pytest.fixture
def env(monkeypatch, tiny_model):
    monkeypatch.setenv("BGM_MODEL", str(tiny_model))


def test_a_one_second_clip_is_one_shot_of_a_half_bar(env, tmp_path, capsys):
    # Found scoring a 1-s clip: "1 shots, 120.0 BPM, 0 bars".
    video = tmp_path / "one.mp4"
    make_clip(video, [ShotSpec(1.0)])
    proj = tmp_path / "p.bgm.json"
    assert main(["generate", str(video), "--project", str(proj), "--tempo", "120"]) == 0
    assert load_project(proj).n_beats == 2
    assert capsys.readouterr().out.startswith("1 shot, 120.0 BPM, 0.5 bars, 1.0 s of video")
