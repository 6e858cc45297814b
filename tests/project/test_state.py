import copy
import json

import numpy as np
import pytest

from bgm_studio.controls.video_mapping import ShotOverrides
from bgm_studio.errors import BgmError
from bgm_studio.music.arrangement import Arrangement
from bgm_studio.project.state import Project, ProjectShot, Take, from_json, load_project, save_project, to_json


def small_project() -> Project:
    notes = np.array([[0, 60, 4, 80, 0], [4, 48, 8, 70, 1]])
    pcs = np.zeros((8, 12), bool)
    pcs[:, [0, 4, 7]] = True
    take = Take(1, ShotOverrides(), notes, np.zeros(4, np.int64), pcs[:4].copy())
    shots = [
        ProjectShot(0, 0.0, 2.0, {"motion": 0.1}, 0, 4, 120.0, ShotOverrides(), [take], 0),
        ProjectShot(1, 2.0, 4.0, {"motion": 0.2}, 4, 4, 120.0, ShotOverrides(mode="minor"), [], -1),
    ]
    return Project("/v.mp4", "abc", 4.0, {}, "m@1", 120.0, 0, 3, shots, np.zeros(8, np.int64), pcs)


def test_json_round_trip():
    data = to_json(small_project())
    assert data["shots"][1]["start_s"] == 2.0 and data["notes"] == [[0, 60, 4, 80, 0], [4, 48, 8, 70, 1]]
    back = from_json(json.loads(json.dumps(data)))
    assert np.array_equal(back.notes(), small_project().notes())
    assert back.shots[1].overrides.mode == "minor"
    assert back.chord_pcs[3].tolist() == small_project().chord_pcs[3].tolist()


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda d: d.update(schema="other"), "not a BGM Studio project"),
        (lambda d: d.update(version=99), "newer BGM Studio"),
        (lambda d: d["shots"][1].update(start_s=2.5), "without gaps"),
        (lambda d: d["shots"][0].update(n_beats=0), "shots\\[0\\].n_beats: expected a whole number >= 1"),
        (
            lambda d: d["shots"][0]["takes"][0].update(notes=[[0, 200, 4, 80, 0]]),
            "notes\\[0\\]\\[1\\]: expected a whole number <= 127",
        ),
        (lambda d: d["shots"][0].update(take=3), "take 3 does not exist"),
        (lambda d: d["shots"][1]["overrides"].update(mode="lydian"), "mode"),
        (lambda d: d.update(chords=[]), "one \\[root, mask\\] pair per beat"),
        (
            lambda d: d["shots"][0]["takes"][0]["chords"].pop(),
            "shots\\[0\\].takes\\[0\\]: expected one \\[root, mask\\] pair per beat \\(4\\), not 3",
        ),
        (
            lambda d: d["shots"][0]["takes"][0]["chords"].__setitem__(1, [12, 0]),
            "chords\\[1\\]\\[0\\]: expected a whole number <= 11",
        ),
        (
            lambda d: d["shots"][0]["takes"][0].update(seed=2**32),
            "takes\\[0\\].seed: expected a whole number <= 4294967295",
        ),
        (lambda d: d["video"].pop("hash"), "video: object missing required field 'hash'"),
        (lambda d: d.update(tempo_bpm="fast"), "tempo_bpm: expected a number, got text"),
        (lambda d: d["chords"].__setitem__(0, ["a", "b"]), "chords\\[0\\]\\[0\\]: expected a whole number, got text"),
        (lambda d: d["chords"].__setitem__(0, [0, 2**80]), "chords\\[0\\]\\[1\\]: expected a whole number <= 4095"),
        (lambda d: d["shots"][0].update(tempo_bpm=0), "shots\\[0\\].tempo_bpm: expected a number >= 10.0"),
        (lambda d: d.update(tempo_bpm=1e4), ": tempo_bpm: expected a number <= 1000.0"),
        (
            lambda d: d["shots"][0]["takes"][0].update(notes=[[0, 60, 10**30, 80, 0]]),
            "notes\\[0\\]\\[2\\]: expected a whole number <= 240000",
        ),
        (
            lambda d: d["shots"][0].update(features={"motion": "fast"}),
            "shots\\[0\\].features\\[...\\]: expected a number, got text",
        ),
        (lambda d: d.update(seed=-1), ": seed: expected a whole number >= 0"),
        (
            lambda d: d["analysis_settings"].update(sample_fps="fast"),
            "bad.bgm.json: analysis settings: sample_fps: expected a number, got text",
        ),
    ],
)
def test_bad_files_give_clear_errors(tmp_path, edit, message):
    data = copy.deepcopy(to_json(small_project()))
    edit(data)
    path = tmp_path / "bad.bgm.json"
    path.write_text(json.dumps(data))
    with pytest.raises(BgmError, match=message) as info:
        load_project(path)
    assert str(path) in str(info.value)


def test_takes_keep_their_own_chords():
    project = small_project()
    project.shots[0].takes[0].chord_root[:] = 9
    project.shots[0].takes[0].chord_pcs[:] = False
    project.shots[0].takes[0].chord_pcs[:, [9, 0, 4]] = True  # A minor, while the piece holds C
    back = from_json(json.loads(json.dumps(to_json(project))))
    assert back.shots[0].takes[0].chord_root.tolist() == [9] * 4
    assert back.shots[0].takes[0].chord_pcs[0].tolist() == project.shots[0].takes[0].chord_pcs[0].tolist()
    assert back.chord_root.tolist() == [0] * 8


def test_a_version_1_file_loads_with_the_piece_chords_on_each_take():
    data = json.loads(json.dumps(to_json(small_project())))
    data["version"] = 1
    for shot in data["shots"]:
        for take in shot["takes"]:
            del take["chords"]
    data["chords"][2] = [7, 1 << 2 | 1 << 7 | 1 << 11]  # G major on beat 2 of shot 0
    take = from_json(data).shots[0].takes[0]
    assert take.chord_root.tolist() == [0, 0, 7, 0]
    assert take.chord_pcs[2].nonzero()[0].tolist() == [2, 7, 11]


def test_not_json_and_missing(tmp_path):
    path = tmp_path / "x.bgm.json"
    path.write_text("{oops")
    with pytest.raises(BgmError, match="not valid JSON"):
        load_project(path)
    with pytest.raises(BgmError, match="no such project"):
        load_project(tmp_path / "none.bgm.json")


def test_save_is_atomic_and_refuses_the_video(tmp_path):
    project = small_project()
    video = tmp_path / "v.mp4"
    video.write_bytes(b"video")
    project.video_path = str(video)
    with pytest.raises(BgmError, match="same as the input"):
        save_project(project, video)
    assert video.read_bytes() == b"video"
    save_project(project, tmp_path / "p.bgm.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.bgm.json", "v.mp4"]


def test_themes_round_trip_and_an_older_file_has_every_shot_its_own_theme():
    project = small_project()
    project.shots[1].theme = 0
    data = json.loads(json.dumps(to_json(project)))
    assert [s.theme for s in from_json(data).shots] == [0, 0]
    data["version"] = 2
    for shot in data["shots"]:
        del shot["theme"]
    assert [s.theme for s in from_json(data).shots] == [0, 1]


@pytest.mark.parametrize("themes", [[1, 1], [0, -1], [0, 2]])
def test_a_theme_must_be_the_shot_or_an_earlier_theme(themes):
    data = to_json(small_project())
    for shot, theme in zip(data["shots"], themes):
        shot["theme"] = theme
    with pytest.raises(BgmError, match="neither this shot nor an earlier shot"):
        from_json(data)


def test_arrangement_round_trips_and_an_older_file_is_solo_piano():
    project = small_project()
    project.arrangement = Arrangement("piano-strings").with_instrument("bass", 33).with_shot_preset(1, "ambient")
    data = json.loads(json.dumps(to_json(project)))
    assert from_json(data).arrangement == project.arrangement
    data["version"] = 3
    del data["arrangement"]
    assert from_json(data).arrangement == Arrangement("solo-piano")


@pytest.mark.parametrize(
    "arrangement, message",
    [
        ({"preset": "kazoo"}, "arrangement: unknown preset"),
        ({"preset": "ambient", "programs": {"bass": 300}}, "arrangement: GM program 300"),
        ({"preset": "ambient", "shots": {"5": "solo-piano"}}, "arrangement: a shot preset names a shot"),
    ],
)
def test_a_bad_arrangement_is_named(arrangement, message):
    data = to_json(small_project())
    data["arrangement"] = arrangement
    with pytest.raises(BgmError, match=message):
        from_json(data)
