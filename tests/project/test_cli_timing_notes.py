"""generate says so when a shot is too short for the tempo limit (issue 14: never miss silently)."""

import pytest

from bgm_studio.cli import main
from bgm_studio.project.state import load_project
from tests.video_clips import ShotSpec, make_clip


@pytest.fixture
def env(monkeypatch, tiny_model):
    monkeypatch.setenv("BGM_MODEL", str(tiny_model))


def test_a_shot_pushed_past_the_tempo_limit_is_named(env, tmp_path, capsys):
    shots = [ShotSpec(2.4, hue=30), ShotSpec(0.8, hue=210, brightness=0.3), ShotSpec(2.4, hue=120, look="texture")]
    video = tmp_path / "montage.mp4"
    make_clip(video, shots)
    proj = tmp_path / "p.bgm.json"
    assert main(["generate", str(video), "--project", str(proj), "--tempo", "100"]) == 0
    project = load_project(proj)
    assert len(project.shots) == 3 and abs(project.shots[1].tempo_bpm / 100 - 1) > 0.08  # 0.8 s: 1.33 beats
    err = capsys.readouterr().err
    assert "note: shot 1 is too short for whole beats within 8% of 100 BPM" in err
