"""The project file format (project/file_format.py): files written before it still open and save unchanged,
and any project saves, loads and saves again to the same data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bgm_studio.controls.video_mapping import ShotOverrides
from bgm_studio.music.arrangement import PRESETS, Arrangement
from bgm_studio.music.notes import BEATS_PER_BAR, STEPS_PER_BEAT
from bgm_studio.music.parts import PARTS
from bgm_studio.music.structure import Phrase
from bgm_studio.project.state import Project, ProjectShot, Take, load_project, save_project, to_json

# Written by `generate` then `regenerate --shot 1` before the format was declared with msgspec
# (commit d1016ab), with an arrangement, a form and a second take with overrides.
FORMAT_5 = Path(__file__).parent / "fixtures" / "format5.bgm.json"


def test_a_project_written_before_the_schema_opens_with_every_field(tmp_path):
    project = load_project(FORMAT_5)
    assert [len(s.takes) for s in project.shots] == [1, 2] and [s.take for s in project.shots] == [0, 1]
    assert project.shots[1].overrides == ShotOverrides(energy=0.8, mode="minor")
    assert project.shots[1].takes[1].seed == 7 and project.shots[1].takes[1].overrides.energy == 0.8
    assert project.arrangement == Arrangement("piano-strings").with_instrument("bass", 33).with_shot_preset(
        1, "ambient"
    )
    assert project.phrases == [Phrase("A", 0, 1), Phrase("B", 1, 1)]
    assert project.duration_s == 4.0 and project.n_beats == 8 and project.shots[1].theme == 1
    assert project.notes().tolist() == json.loads(FORMAT_5.read_text())["notes"]


def test_a_project_written_before_the_schema_saves_to_the_same_bytes(tmp_path):
    out = tmp_path / "again.bgm.json"
    save_project(load_project(FORMAT_5), out)
    assert out.read_bytes() == FORMAT_5.read_bytes()


FINITE = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
OVERRIDES = st.builds(
    ShotOverrides,
    energy=st.none() | st.floats(0.0, 1.0),
    density=st.none() | st.floats(0.01, 128.0),
    mode=st.sampled_from([None, "major", "minor"]),
    locked=st.booleans(),
)


@st.composite
def chords(draw, n_beats: int) -> tuple[np.ndarray, np.ndarray]:
    roots = np.array(draw(st.lists(st.integers(-1, 11), min_size=n_beats, max_size=n_beats)), np.int64)
    masks = draw(st.lists(st.integers(0, 4095), min_size=n_beats, max_size=n_beats))
    return roots, np.array([[(m >> k) & 1 for k in range(12)] for m in masks], bool).reshape(-1, 12)


@st.composite
def takes(draw, n_beats: int) -> Take:
    n_steps = n_beats * STEPS_PER_BEAT
    note = st.tuples(
        st.integers(0, n_steps - 1), st.integers(0, 127), st.integers(1, 64), st.integers(1, 127), st.integers(0, 1)
    )
    notes = np.array(draw(st.lists(note, max_size=6)), np.int64).reshape(-1, 5)
    return Take(draw(st.integers(0, 2**32 - 1)), draw(OVERRIDES), notes, *draw(chords(n_beats)), draw(st.booleans()))


@st.composite
def projects(draw) -> Project:
    n_shots = draw(st.integers(1, 4))
    shots: list[ProjectShot] = []
    start_s, start_beat = 0.0, 0
    for i in range(n_shots):
        n_beats = draw(st.integers(1, 9))
        tempo = draw(st.floats(10.0, 1000.0))
        end_s = start_s + n_beats * 60.0 / tempo  # the beats fill the shot, as the planner makes them
        shot_takes = draw(st.lists(takes(n_beats), max_size=3))
        themes = [s.index for s in shots if s.theme == s.index] + [i]
        shots.append(
            ProjectShot(
                i,
                start_s,
                end_s,
                draw(st.dictionaries(st.sampled_from(["motion", "brightness", "warmth"]), FINITE)),
                start_beat,
                n_beats,
                tempo,
                draw(OVERRIDES),
                shot_takes,
                draw(st.integers(0, len(shot_takes) - 1)) if shot_takes else -1,
                draw(st.sampled_from(themes)),
            )
        )
        start_s, start_beat = end_s, start_beat + n_beats
    n_bars = -(-start_beat // BEATS_PER_BAR)
    cuts = sorted(draw(st.sets(st.integers(1, n_bars - 1), max_size=3))) if n_bars > 1 else []
    bounds = [0, *cuts, n_bars]
    form = [Phrase(draw(st.sampled_from("ABC")), a, b - a) for a, b in zip(bounds, bounds[1:])]
    arrangement = Arrangement(draw(st.sampled_from(sorted(PRESETS))))
    for part in draw(st.sets(st.sampled_from(PARTS))):
        arrangement = arrangement.with_instrument(part, draw(st.integers(0, 127)))
    for shot in draw(st.sets(st.integers(0, n_shots - 1))):
        arrangement = arrangement.with_shot_preset(shot, draw(st.sampled_from(sorted(PRESETS))))
    return Project(
        "/videos/v.mp4",
        "ab" * 32,
        start_s,
        {"sample_fps": draw(st.floats(1.0, 60.0))},
        "model@1",
        draw(st.floats(10.0, 1000.0)),
        draw(st.integers(0, 11)),
        draw(st.integers(0, 2**32 - 1)),
        shots,
        *draw(chords(start_beat)),
        phrases=form if draw(st.booleans()) else [],
        arrangement=arrangement,
    )


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(project=projects())
def test_any_project_saves_and_loads_back_equal(tmp_path, project):
    path = tmp_path / "p.bgm.json"
    save_project(project, path)
    written = path.read_bytes()
    back = load_project(path)
    assert to_json(back) == to_json(project)
    assert np.array_equal(back.notes(), project.notes()) and np.array_equal(back.chord_pcs, project.chord_pcs)
    for a, b in zip(back.shots, project.shots):
        assert (a.overrides, a.theme, a.take, a.features) == (b.overrides, b.theme, b.take, b.features)
        for ta, tb in zip(a.takes, b.takes, strict=True):
            assert np.array_equal(ta.notes, tb.notes) and np.array_equal(ta.chord_root, tb.chord_root)
            assert (ta.seed, ta.overrides, ta.edited) == (tb.seed, tb.overrides, tb.edited)
    assert (back.arrangement, back.phrases, back.tempo_bpm) == (project.arrangement, project.phrases, project.tempo_bpm)
    back.origin = None
    save_project(back, path)
    assert path.read_bytes() == written
