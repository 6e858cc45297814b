"""generate says so when the music rides over a cut (a shot too short for the tempo limit), and
marks a cut inside the final chord (issue 14: never miss silently)."""

import pytest

from bgm_studio.cli import main
from bgm_studio.music.structure import cadence_start
from bgm_studio.music.metrics import BASS_CEILING
from bgm_studio.project.measure import project_metrics
from bgm_studio.project.piece import project_score
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
    project = generated(tmp_path, 0.8, 2.4)  # 5.6 s is 9.33 beats at 100 BPM: a shot must move past 8%
    pushed = [s.index for s in project.shots if abs(s.tempo_bpm / 100 - 1) > 0.08 + 1e-9]
    assert len(project.shots) == 3 and pushed
    err = capsys.readouterr().err
    named = f"shot {pushed[0]} is" if len(pushed) == 1 else f"shots {', '.join(map(str, pushed))} are"
    assert f"note: {named} too short for whole beats within 8% of 100 BPM" in err


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


def test_a_shot_of_two_and_a_half_beats_keeps_the_tempo_and_its_cut_is_marked_on_the_eighth(env, tmp_path, capsys):
    """1.5 s at 100 BPM is 2.5 beats: whole beats moved it to 80 or 120 BPM. Its end cut now falls on
    the eighth before shot 2's first beat, generate says so, and the bass strikes on the cut."""
    project = generated(tmp_path, 1.5, 2.1)
    assert all(abs(s.tempo_bpm / 100 - 1) <= 0.08 for s in project.shots)
    assert project_metrics(project)["cut_on_grid"] == 1.0
    err = capsys.readouterr().err
    cut_s = project.shots[2].start_s
    assert f"note: the cut at {cut_s:.2f} s falls on the eighth before a beat" in err and "too short" not in err
    notes = project.notes()
    cut = project.shots[2].start_step - 2
    assert ((notes[:, 0] == cut) & (notes[:, 1] < BASS_CEILING)).any()
    score = project_score(project)  # the MIDI's cut markers: where the cuts fall in the music
    assert score.segment_starts == [project.shots[1].start_step, cut]
    assert abs(score.seconds_at(cut) - cut_s) <= 0.04
