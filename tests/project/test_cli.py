"""The command line end to end, as a user runs it (in-process, same code path as the console script)."""

import json
import shutil
import wave

import av
import mido
import pytest

from bgm_studio.cli import main
from tests.media import decoded_end_s
from tests.video_clips import make_bad_file

FRAME_S = 1 / 25


@pytest.fixture
def env(monkeypatch, tiny_model):
    monkeypatch.setenv("BGM_MODEL", str(tiny_model))


def test_generate_regenerate_export(env, clip, tmp_path, capsys):
    video = clip[0]
    mp4, mid, wav, proj = (tmp_path / n for n in ("out.mp4", "out.mid", "out.wav", "p.bgm.json"))
    assert (
        main(
            [
                "generate",
                str(video),
                "-o",
                str(mp4),
                "--midi",
                str(mid),
                "--wav",
                str(wav),
                "--project",
                str(proj),
                "--seed",
                "3",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "4 shots" in out and "BPM" in out
    for p in (mp4, mid, wav, proj):
        assert p.stat().st_size > 0
    markers = [m.text for m in mido.MidiFile(mid).tracks[0] if m.type == "marker"]
    assert len(markers) == 3
    before = json.loads(proj.read_text())
    assert main(["regenerate", str(proj), "--shot", "1", "--energy", "0.9", "--midi", str(tmp_path / "b.mid")]) == 0
    after = json.loads(proj.read_text())
    assert len(after["shots"][1]["takes"]) == 2 and after["shots"][1]["overrides"]["energy"] == 0.9
    assert after["shots"][0]["takes"] == before["shots"][0]["takes"]
    assert main(["export", str(proj), "--wav", str(tmp_path / "again.wav")]) == 0


def test_export_imports_no_torch(env, clip, tmp_path):
    """Exporting a project runs no model: importing torch to find the checkpoint's path (only to
    refuse an output over it) cost 1.3 s of a 3-minute project's 5.2-s MP4 export."""
    import subprocess
    import sys

    proj = tmp_path / "p.bgm.json"
    assert main(["generate", str(clip[0]), "--project", str(proj)]) == 0
    code = (
        "import sys\n"
        "from bgm_studio.cli import main\n"
        f"rc = main(['export', {str(proj)!r}, '--mp4', {str(tmp_path / 'out.mp4')!r}])\n"
        "print(rc, 'torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[-1] == "0 False"


def test_a_truncated_video_is_scored_and_exported_as_far_as_it_decodes(env, tmp_path, capsys):
    """Its index claims 4 s; the music must end with the picture that is really there, not with the claim."""
    video = make_bad_file(tmp_path / "cut_off.mp4", "truncated")
    mp4, wav = tmp_path / "out.mp4", tmp_path / "out.wav"
    assert main(["generate", str(video), "-o", str(mp4), "--wav", str(wav)]) == 0
    assert "decoding stopped" in capsys.readouterr().err
    picture_s = decoded_end_s(video)
    assert picture_s < 3.0
    assert decoded_end_s(mp4) == pytest.approx(picture_s, abs=1e-6)  # every frame that decodes, no more
    with av.open(str(mp4)) as c:
        music = c.streams.audio[0]
        assert c.duration / av.time_base == pytest.approx(picture_s, abs=FRAME_S)
        assert float(music.duration * music.time_base) == pytest.approx(picture_s, abs=FRAME_S)
    with wave.open(str(wav)) as w:
        assert w.getnframes() / w.getframerate() == pytest.approx(picture_s, abs=1e-4)


@pytest.mark.parametrize(
    "args, words",
    [
        (["generate", "{missing}", "-o", "{tmp}/o.mp4"], "no such file"),
        (["generate", "{clip}", "-o", "{clip}"], "same as the input"),
        (["generate", "{clip}", "-o", "{tmp}/nowhere/o.mp4"], "does not exist"),
        (["regenerate", "{tmp}/none.bgm.json", "--shot", "0"], "no such project file"),
        (["export", "{tmp}/none.bgm.json", "--wav", "{tmp}/a.wav"], "no such project file"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(env, clip, tmp_path, capsys, args, words):
    fill = {"missing": str(tmp_path / "missing.mp4"), "tmp": str(tmp_path), "clip": str(clip[0])}
    code = main([a.format(**fill) for a in args])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("error: ") and words in err and "\n" not in err
    assert not list(tmp_path.glob("*.part*"))


def test_regenerate_shot_out_of_range_and_moved_video(env, clip, tmp_path, capsys):
    video = tmp_path / "v.mp4"
    shutil.copy(clip[0], video)
    proj = tmp_path / "p.bgm.json"
    assert main(["generate", str(video), "--project", str(proj)]) == 0
    assert main(["regenerate", str(proj), "--shot", "9"]) == 2
    assert "shot 9 does not exist" in capsys.readouterr().err
    video.rename(tmp_path / "moved.mp4")
    assert main(["export", str(proj), "--mp4", str(tmp_path / "o.mp4")]) == 2
    assert "relink" in capsys.readouterr().err
    assert main(["export", str(proj), "--video", str(tmp_path / "moved.mp4"), "--mp4", str(tmp_path / "o.mp4")]) == 0


def test_eval_reference_row_and_bad_song(pop909_root, tmp_path, capsys, monkeypatch):
    for sid in ("819", "820"):
        shutil.copytree(pop909_root / sid, tmp_path / sid)
    (tmp_path / "820" / "820.mid").write_bytes(b"")
    out = tmp_path / "eval.json"
    assert main(["eval", "--pop909", str(tmp_path), "--json", str(out)]) == 0
    captured = capsys.readouterr()
    assert "pche" in captured.out and "820.mid" in captured.err
    rows = json.loads(out.read_text())["rows"]
    assert 2.0 < rows["pop909-test"]["pche"] < 3.5
    assert rows["pop909-test"]["mel_stepwise"] == pytest.approx(0.386, abs=0.002)  # song 819 alone
    assert "self_sim_8" in captured.out and "ending" in captured.out
    assert main(["eval", "--pop909", str(tmp_path / "none")]) == 2


def test_eval_measures_only_the_songs_asked(pop909_root, tmp_path, capsys):
    """`--songs` picks a range of the split (validation songs of the train split, say): the table
    measures those songs alone, as the same folder holding only them would."""
    for sid in ("819", "820"):
        shutil.copytree(pop909_root / sid, tmp_path / "pop" / sid)
    shutil.copytree(pop909_root / "820", tmp_path / "only" / "820")
    tables = {}
    for name, args in {
        "range": ["--pop909", str(tmp_path / "pop"), "--songs", "820-830"],
        "alone": ["--pop909", str(tmp_path / "only")],
    }.items():
        out = tmp_path / f"{name}.json"
        assert main(["eval", *args, "--json", str(out)]) == 0
        assert "1 songs in" in capsys.readouterr().err
        tables[name] = json.loads(out.read_text())["rows"]["pop909-test"]
    assert tables["range"] == tables["alone"]
    assert main(["eval", "--pop909", str(tmp_path / "pop"), "--songs", "819"]) == 0
    assert tables["range"]["mel_stepwise"] != pytest.approx(0.386, abs=0.002)  # 819's own figure


def test_regenerate_with_new_chords(env, clip, tmp_path, capsys):
    proj = tmp_path / "p.bgm.json"
    assert main(["generate", str(clip[0]), "--project", str(proj), "--seed", "3"]) == 0
    before = json.loads(proj.read_text())
    assert main(["regenerate", str(proj), "--shot", "1", "--new-chords", "--seed", "8"]) == 0
    assert "shot 1: take 1 (seed 8), chords " in capsys.readouterr().out
    after = json.loads(proj.read_text())
    shot = after["shots"][1]
    a, b = shot["start_beat"], shot["start_beat"] + shot["n_beats"]
    assert after["chords"][:a] == before["chords"][:a] and after["chords"][b:] == before["chords"][b:]
    assert after["chords"][a:b] != before["chords"][a:b]
    assert shot["takes"][1]["chords"] == after["chords"][a:b] and shot["takes"][0]["chords"] == before["chords"][a:b]
    others = lambda project: [s["takes"] for s in project["shots"] if s["index"] != 1]  # noqa: E731
    assert others(after) == others(before)


def test_presets_instruments_stems_and_loudness(env, clip, tmp_path, capsys):
    from bgm_studio.audio.loudness import measure
    from tests.export.test_export_wav import read_wav

    video, proj, stems = clip[0], tmp_path / "p.bgm.json", tmp_path / "stems"
    assert (
        main(
            [
                "generate",
                str(video),
                "--project",
                str(proj),
                "--preset",
                "epiano-bass",
                "--instrument",
                "melody=11",
                "--stems",
                str(stems),
                "--loudness",
                "broadcast",
            ]
        )
        == 0
    )
    assert sorted(p.name for p in stems.iterdir()) == [
        "accompaniment.wav",
        "bass.wav",
        "melody.wav",
        "mix.wav",
        "parts.mid",
        "video-sound.wav",  # the clip's own tone: stems carry the video's sound by default
    ]
    programs = {
        t.name: [m.program for m in t if m.type == "program_change"]
        for t in mido.MidiFile(stems / "parts.mid").tracks[1:]
    }
    assert programs == {"Melody": [11], "Accompaniment": [4], "Bass": [33]}
    rate, mix = 44100, read_wav(stems / "mix.wav")[1]
    assert len(mix) == round(json.loads(proj.read_text())["video"]["duration_s"] * rate)  # the video's length
    assert measure(mix, rate).lufs == pytest.approx(-23.0, abs=0.5)
    saved = json.loads(proj.read_text())["arrangement"]
    assert saved == {"preset": "epiano-bass", "programs": {"melody": 11}, "shots": {}}
    # export with another preset: this export only, the project keeps its own
    assert main(["export", str(proj), "--midi", str(tmp_path / "box.mid"), "--preset", "music-box"]) == 0
    assert json.loads(proj.read_text())["arrangement"] == saved
    box = [m.program for m in mido.MidiFile(tmp_path / "box.mid").tracks[1] if m.type == "program_change"]
    assert box == [10]
    # a shot's own preset, kept by regenerate: its programs change at that shot's cut
    assert (
        main(
            ["regenerate", str(proj), "--shot", "0", "--shot-preset", "2=ambient", "--midi", str(tmp_path / "shot.mid")]
        )
        == 0
    )
    assert json.loads(proj.read_text())["arrangement"]["shots"] == {"2": "ambient"}
    cut = [t for t, m in _absolute(mido.MidiFile(tmp_path / "shot.mid").tracks[0]) if m.type == "marker"][1]
    melody = [
        (t, m.program)
        for t, m in _absolute(mido.MidiFile(tmp_path / "shot.mid").tracks[1])
        if m.type == "program_change"
    ]
    assert melody[0] == (0, 11) and (cut, 73) in melody  # ambient's flute from shot 2 on


def _absolute(track):
    """(absolute tick, message) of a MIDI track."""
    tick = 0
    for msg in track:
        tick += msg.time
        yield tick, msg


def test_generate_shows_a_stage_while_it_waits_for_the_model(env, clip, tmp_path, monkeypatch):
    """With the analysis cached, a long video showed nothing at all for the seconds the model took to
    load and the melody to be written: now the bar names each stage as it starts."""
    from bgm_studio.project import preload
    from tests.test_progress import terminal

    started = preload.load_scorer

    class StillLoading:  # the load is still under way when the analysis ends
        def __init__(self, *args) -> None:
            self.future = started(*args)

        def done(self) -> bool:
            return False

        def result(self):
            return self.future.result()

    monkeypatch.setattr(preload, "load_scorer", StillLoading)
    tty = terminal(monkeypatch)
    assert main(["generate", str(clip[0]), "--midi", str(tmp_path / "o.mid")]) == 0
    text = tty.getvalue()
    assert 0 <= text.index("loading the model:   0%") < text.index("generating:   0%"), text


def test_regenerate_shows_a_stage_while_the_model_loads(env, clip, tmp_path, monkeypatch):
    """Regenerating a shot of a 10-minute project showed nothing for 10 s: the model loading, then the melody."""
    from tests.test_progress import terminal

    proj = tmp_path / "p.bgm.json"
    assert main(["generate", str(clip[0]), "--project", str(proj)]) == 0
    tty = terminal(monkeypatch)
    assert main(["regenerate", str(proj), "--shot", "1"]) == 0
    text = tty.getvalue()
    assert 0 <= text.index("loading the model:   0%") < text.index("regenerating shot 1:   0%"), text


def _help(capsys, *args: str) -> str:
    with pytest.raises(SystemExit):
        main([*args, "--help"])
    return " ".join(capsys.readouterr().out.split())


def test_help_says_what_each_command_makes(capsys):
    """The help promised piano music (presets play strings, pads, a flute and a music box), export's
    left out stems and timelines, and batch's offered the video's sound in stems it never writes."""
    top = _help(capsys)
    assert "piano music" not in top and "stems and/or an editor's timeline" in top
    assert "stems" not in _help(capsys, "batch")
    assert "in the MP4 (and stems)" in _help(capsys, "export")
