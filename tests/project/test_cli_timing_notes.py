"""generate says so when a shot is too short for the tempo limit (issue 14: never miss silently)."""

import pytest

from bgm_studio.cli import main
from bgm_studio.model.chords import cadence_start
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


def test_a_cut_inside_the_final_chord_is_named(env, tmp_path, capsys):
    """A last shot shorter than the closing chord's ring: the chord is struck on the last downbeat
    before its cut, so the music cannot mark the cut, and says so (issue 14: never miss silently)."""
    shots = [ShotSpec(2.4, hue=30), ShotSpec(3.0, hue=210, brightness=0.3), ShotSpec(1.2, hue=120, look="texture")]
    video = tmp_path / "ending.mp4"
    make_clip(video, shots)
    proj = tmp_path / "p.bgm.json"
    assert main(["generate", str(video), "--project", str(proj), "--tempo", "100"]) == 0
    project = load_project(proj)
    last = project.shots[-1]
    assert len(project.shots) == 3 and last.start_beat > cadence_start(project.n_beats)  # 9 beats of 11, chord on 8
    err = capsys.readouterr().err
    assert f"note: the cut at {last.start_s:.2f} s falls inside the final chord" in err
