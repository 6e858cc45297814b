"""generate says so when the music rides over a cut (a shot too short for the tempo limit), and
marks a cut inside the final chord (issue 14: never miss silently)."""

import pytest

from bgm_studio.cli import main
from bgm_studio.music.structure import cadence_start
from bgm_studio.music.metrics import BASS_CEILING
from bgm_studio.project.state import Project, load_project
from tests.video_clips import ShotSpec, make_clip


@pytest.fixture
def env(monkeypatch, tiny_model):
    monkeypatch.setenv("BGM_MODEL", str(tiny_model))


def generated(tmp_path, middle: float, last: float) -> Project:
    """The project generate writes at 100 BPM for three shots: 2.4 s, `middle` and `last` seconds."""
    shots = [ShotSpec(2.4, hue=30), ShotSpec(middle, hue=210, brightness=0.3), ShotSpec(last, hue=120, look="texture")]
    video = tmp_path / "montage.mp4"
    make_clip(video, shots)
    proj = tmp_path / "p.bgm.json"
    assert main(["generate", str(video), "--project", str(proj), "--tempo", "100"]) == 0
    return load_project(proj)


def test_a_shot_pushed_past_the_tempo_limit_is_named(env, tmp_path, capsys):
    project = generated(tmp_path, 0.8, 2.4)
    assert len(project.shots) == 3 and abs(project.shots[1].tempo_bpm / 100 - 1) > 0.08  # 0.8 s: 1.33 beats
    err = capsys.readouterr().err
    assert "note: shot 1 is too short for whole beats within 8% of 100 BPM" in err


def test_a_cut_inside_the_final_chord_is_marked_by_a_bass_attack_under_the_held_ending(env, tmp_path, capsys):
    """A last shot shorter than the closing chord's ring: the chord is struck on the last downbeat
    before its cut, so neither a chord change nor the bar line marked the cut. A bass attack now
    does, while the bass struck on the bar line rings on to the end."""
    project = generated(tmp_path, 3.0, 1.2)
    last, cadence = project.shots[-1], cadence_start(project.n_beats)
    assert len(project.shots) == 3 and last.start_beat > cadence  # 9 beats of 11, the chord on 8
    notes = project.notes()
    cut, end = last.start_beat * 4, project.n_beats * 4
    assert ((notes[:, 0] == cut) & (notes[:, 1] < BASS_CEILING)).any()  # a bass attack on the cut
    ringing = notes[notes[:, 0] + notes[:, 2] >= end]
    assert ringing[ringing[:, 1].argmin(), 0] == cadence * 4  # the lowest note ringing was struck on the bar line
    assert "final chord" not in capsys.readouterr().err
