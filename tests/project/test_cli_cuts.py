"""`generate --cuts`: an editor's cut list gives the project's shots; a mismatch writes nothing."""

import json

import pytest

otio = pytest.importorskip("opentimelineio")

from bgm_studio.cli import main  # noqa: E402

RT, TR = otio.opentime.RationalTime, otio.opentime.TimeRange


@pytest.fixture
def env(monkeypatch, tiny_model):
    monkeypatch.setenv("BGM_MODEL", str(tiny_model))


def _cut_list(path, frames: list[int], rate: float = 25.0):
    track = otio.schema.Track("V1", kind=otio.schema.TrackKind.Video)
    for i, n in enumerate(frames):
        track.append(otio.schema.Clip(f"c{i}", source_range=TR(RT(0, rate), RT(n, rate))))
    tl = otio.schema.Timeline("edit", global_start_time=RT(25 * 3600, rate))
    tl.tracks.append(track)
    otio.adapters.write_to_file(tl, str(path))
    return path


def test_generate_takes_the_shots_from_the_cut_list(env, clip, tmp_path, capsys):
    """The clip has four shots; the editor's timeline cuts it in five other places, which the project keeps."""
    cuts = _cut_list(tmp_path / "edit.otio", [50, 60, 40, 75, 50])  # 275 frames = the clip's 11 s
    proj = tmp_path / "p.bgm.json"
    assert main(["generate", str(clip[0]), "--cuts", str(cuts), "--project", str(proj)]) == 0
    captured = capsys.readouterr()
    assert "5 shots" in captured.out and "timecode 01:00:00:00" in captured.err
    shots = json.loads(proj.read_text())["shots"]
    assert [s["start_s"] for s in shots] == [0.0, 2.0, 4.4, 6.0, 9.0]
    assert shots[-1]["end_s"] == pytest.approx(11.0, abs=0.04)


@pytest.mark.parametrize(
    "frames, rate, words",
    [
        ([50, 60, 40, 75, 100], 25.0, "lasts 13.00 s but the video only"),
        ([48, 60], 24.0, "runs at 24.000 fps but the video at 25.000 fps"),
    ],
)
def test_a_mismatched_cut_list_is_one_line_and_writes_nothing(env, clip, tmp_path, capsys, frames, rate, words):
    cuts = _cut_list(tmp_path / "edit.otio", frames, rate)
    out = tmp_path / "out"
    assert (
        main(
            [
                "generate",
                str(clip[0]),
                "--cuts",
                str(cuts),
                "-o",
                f"{out}.mp4",
                "--midi",
                f"{out}.mid",
                "--project",
                f"{out}.bgm.json",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err.strip()
    assert words in err and len(err.splitlines()) == 1 and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["edit.otio"]


def test_export_writes_the_music_and_a_timeline_with_a_marker_per_shot(env, clip, tmp_path, capsys):
    proj = tmp_path / "p.bgm.json"
    assert main(["generate", str(clip[0]), "--project", str(proj)]) == 0
    project = json.loads(proj.read_text())
    out = tmp_path / "score.otio"
    assert main(["export", str(proj), "--otio", str(out), "--xml", str(tmp_path / "score.xml")]) == 0
    assert (tmp_path / "score.wav").stat().st_size > 0 and (tmp_path / "score.xml").stat().st_size > 0
    timeline = otio.adapters.read_from_file(str(out))
    (music,) = timeline.audio_tracks()[0].find_clips()
    assert music.media_reference.target_url == (tmp_path / "score.wav").as_uri()
    assert music.source_range.duration.to_frames() == round(project["video"]["duration_s"] * 25)
    frames = [m.marked_range.start_time.to_frames() for m in music.markers]
    assert frames == [round(s["start_s"] * 25) for s in project["shots"]]
    names = [m.name for m in music.markers]
    assert all(n.startswith(f"shot {k}: ") and "(phrase " in n for k, n in enumerate(names))
    assert names[0].split(": ")[1].split()[0][0] in "ABCDEFG"  # a chord name
    (video,) = timeline.video_tracks()[0].find_clips()
    assert video.media_reference.target_url == clip[0].absolute().as_uri()


def test_export_to_an_unknown_timeline_format_writes_nothing(env, clip, tmp_path, capsys):
    proj = tmp_path / "p.bgm.json"
    assert main(["generate", str(clip[0]), "--project", str(proj)]) == 0
    assert main(["export", str(proj), "--otio", str(tmp_path / "score.aaf")]) == 2
    assert "written as .otio" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.bgm.json"]


@pytest.mark.parametrize("flag", ["--project", "--midi", "--wav"])
def test_an_output_over_the_cut_list_is_refused_and_the_cut_list_kept(env, clip, tmp_path, capsys, flag):
    """The video was guarded but the cut list it reads was not: `--project edit.otio` replaced the
    editor's timeline with the project's JSON."""
    cuts = _cut_list(tmp_path / "edit.otio", [50, 60, 40, 75, 50])
    before = cuts.read_bytes()
    assert main(["generate", str(clip[0]), "--cuts", str(cuts), flag, str(cuts)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "input" in err
    assert cuts.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["edit.otio"]


def test_the_exported_score_given_back_as_the_cut_list_keeps_the_shots(env, clip, tmp_path, capsys):
    """A score this app exported holds the video as one clip and the shots as markers on the music: given
    back as --cuts it gave one shot. Now its markers are the cuts, the project's own shots to the frame."""
    first = tmp_path / "p.bgm.json"
    assert main(["generate", str(clip[0]), "--project", str(first)]) == 0
    assert main(["export", str(first), "--fcpxml", str(tmp_path / "score.fcpxml")]) == 0
    again = tmp_path / "again.bgm.json"
    capsys.readouterr()
    assert main(["generate", str(clip[0]), "--cuts", str(tmp_path / "score.fcpxml"), "--project", str(again)]) == 0
    assert "the markers on clip 'music' give the cuts" in capsys.readouterr().err
    shots = [round(s["start_s"] * 25) for s in json.loads(first.read_text())["shots"]]
    assert len(shots) > 1 and [round(s["start_s"] * 25, 6) for s in json.loads(again.read_text())["shots"]] == shots


PHONE_EDL = """TITLE: phone edit
FCM: NON-DROP FRAME

001  AX       V     C        00:00:00:00 00:00:02:00 00:00:00:00 00:00:02:00
002  AX       V     C        00:00:00:00 00:00:01:15 00:00:02:00 00:00:03:15
003  AX       V     C        00:00:00:00 00:00:02:15 00:00:03:15 00:00:06:00
"""


def test_a_phones_variable_rate_clip_is_cut_at_its_nominal_rate(env, phone_clip, tmp_path):
    """The clip states 30 fps and averages 28 (one frame in 15 dropped), as a phone records: its 30 fps EDL
    was read at 28 fps, which timecode cannot count, and refused."""
    edl = tmp_path / "edit.edl"
    edl.write_text(PHONE_EDL)
    proj = tmp_path / "p.bgm.json"
    assert main(["generate", str(phone_clip[0]), "--cuts", str(edl), "--project", str(proj)]) == 0
    assert [s["start_s"] for s in json.loads(proj.read_text())["shots"]] == [0.0, *phone_clip[1]] == [0.0, 2.0, 3.5]


def test_a_phones_variable_rate_clip_is_exported_at_its_nominal_rate(env, phone_clip, tmp_path):
    """The same clip's timelines came out at 28 fps (OTIO) or not at all (EDL, FCP 7 and FCP X XML)."""
    proj = tmp_path / "p.bgm.json"
    assert main(["generate", str(phone_clip[0]), "--project", str(proj)]) == 0
    frames = [round(s["start_s"] * 30) for s in json.loads(proj.read_text())["shots"]]
    outs = {suffix: tmp_path / f"score.{suffix}" for suffix in ("otio", "edl", "xml", "fcpxml")}
    assert main(["export", str(proj), *(arg for s, path in outs.items() for arg in (f"--{s}", str(path)))]) == 0
    (music,) = otio.adapters.read_from_file(str(outs["otio"])).audio_tracks()[0].find_clips()
    assert music.source_range.duration == RT(180, 30) and len(frames) == 3
    assert [m.marked_range.start_time for m in music.markers] == [RT(f, 30) for f in frames]
    assert "FCM: NON-DROP FRAME" in outs["edl"].read_text() and "<timebase>30</timebase>" in outs["xml"].read_text()
    assert 'frameDuration="100/3000s"' in outs["fcpxml"].read_text()
