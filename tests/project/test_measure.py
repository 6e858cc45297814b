import pytest

from bgm_studio.cli import main
from bgm_studio.project.measure import project_metrics
from bgm_studio.project.state import load_project


@pytest.fixture
def env(monkeypatch, tiny_model):
    monkeypatch.setenv("BGM_MODEL", str(tiny_model))


def test_a_scored_clip_is_measured_on_its_own_cuts(env, clip, tmp_path):
    proj = tmp_path / "p.bgm.json"
    assert main(["generate", str(clip[0]), "--project", str(proj), "--seed", "1"]) == 0
    project = load_project(proj)
    m = project_metrics(project)
    assert len(project.shots) == 4
    assert m["cut_ms_max"] < 40.0 and m["cut_on_grid"] == 1.0  # the cuts of this clip fit the tempo limit
    assert 0.0 <= m["cut_marked"] <= 1.0 and 0.0 <= m["mel_stepwise"] <= 1.0
    assert m["end_tonic_bass"] in (0.0, 1.0)
    # moving one video cut a 16th later puts it a 16th (the most there is) off the eighth grid
    half_beat = 30.0 / project.shots[1].tempo_bpm
    project.shots[1].start_s += half_beat / 2
    moved = project_metrics(project)
    assert moved["cut_ms_max"] == pytest.approx(1000 * half_beat / 2, abs=m["cut_ms_max"] + 1)
    assert moved["cut_on_grid"] == pytest.approx(2 / 3)
