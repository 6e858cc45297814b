"""Bad input at the command line: one line, exit code 2, and the video and project left as they were."""

import json
import shutil

import pytest

from bgm_studio.cli import main
from tests.media import file_hash
from tests.video_clips import ShotSpec, make_clip


@pytest.fixture
def env(monkeypatch, tiny_model, tmp_path):
    monkeypatch.setenv("BGM_MODEL", str(tiny_model))
    monkeypatch.setenv("BGM_CACHE", str(tmp_path / "cache"))


@pytest.fixture
def scored(env, clip, tmp_path):
    """A copy of the clip and a project scored for it."""
    video, proj = tmp_path / "v.mp4", tmp_path / "p.bgm.json"
    shutil.copy(clip[0], video)
    assert main(["generate", str(video), "--project", str(proj)]) == 0
    return video, proj


def one_line_error(capsys, words: str) -> None:
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and words in err and "\n" not in err, err


@pytest.mark.parametrize("command", ["export", "regenerate"])
@pytest.mark.parametrize("flag", ["--midi", "--wav"])
@pytest.mark.parametrize("target", ["video", "project"])
def test_no_output_may_replace_the_video_or_the_project(scored, capsys, command, flag, target):
    video, proj = scored
    hashes = file_hash(video), file_hash(proj)
    args = [command, str(proj), flag, str(video if target == "video" else proj)]
    assert main(args + (["--shot", "0"] if command == "regenerate" else [])) == 2
    one_line_error(capsys, "same as the input")
    assert (file_hash(video), file_hash(proj)) == hashes


def test_a_failed_regenerate_leaves_the_project_as_it_was(scored, tmp_path, capsys):
    video, proj = scored
    before = proj.read_text()
    video.rename(tmp_path / "moved.mp4")
    assert main(["regenerate", str(proj), "--shot", "0", "--wav", str(tmp_path / "a.wav")]) == 2
    one_line_error(capsys, "relink")
    assert proj.read_text() == before and not (tmp_path / "a.wav").exists()
    assert main(["regenerate", str(proj), "--shot", "0", "--video", str(tmp_path / "moved.mp4")]) == 0
    assert main(["export", str(proj), "--wav", str(tmp_path / "a.wav")]) == 0  # the relink was saved


def test_a_project_finds_its_video_from_another_folder(env, clip, tmp_path, monkeypatch):
    (tmp_path / "work").mkdir()
    shutil.copy(clip[0], tmp_path / "work" / "v.mp4")
    monkeypatch.chdir(tmp_path)
    assert main(["generate", "work/v.mp4", "--project", "work/p.bgm.json"]) == 0
    monkeypatch.chdir(tmp_path / "work")
    assert main(["export", "p.bgm.json", "--wav", "a.wav"]) == 0


@pytest.mark.parametrize(
    "extra, words",
    [
        (["--seed", "-1"], "seed -1 is out of range"),
        (["--seed", str(2**70)], "out of range"),
        (["-o", "{tmp}/o.mp4", "--original-gain", "nan"], "original gain nan dB"),
        (["-o", "{tmp}/o.mp4", "--original-gain", "1000"], "original gain"),
        (["-o", "{tmp}/o.avi"], "unknown video type .avi"),
        (["-o", "{tmp}/o.mid"], "(a .mid file is written with --midi)"),
        (["--wav", "{tmp}/o.mp3"], "o.mp3: --wav writes a WAV file; name it .wav"),
        (["--wav", "{tmp}/o.mid"], "name it .wav (a .mid file is written with --midi)"),
        (["--midi", "{tmp}/o.wav"], "--midi writes a MIDI file; name it .mid (a .wav file is written with --wav)"),
        (["--project", "{tmp}/p.mp4"], "p.mp4: --project writes a project file; name it .bgm.json"),
        (["--project", "{tmp}/p.mid"], "name it .bgm.json (a .mid file is written with --midi)"),
        ([], "nothing to write: give -o OUT.mp4, --midi, --wav, --stems or --project"),
        (["-o", "{tmp}/o.mp4", "--wav", "{tmp}/o.mp4"], "given for two outputs"),
        (["--wav", "{tmp}/o.wav", "--soundfont", "{tmp}/none.sf2"], "soundfont not found"),
        (["--midi", "{tmp}"], "is a folder"),
        (["--midi", "{tmp}/o.mid/"], "names a folder (it ends in /)"),
        (["--tempo", "300"], "tempo 300.0 BPM is out of range (35-280)"),
        (["--tempo", "nan"], "tempo nan BPM is out of range"),
        (["--instrument", "drums=1"], "unknown part 'drums'"),
        (["--instrument", "bass=200"], "GM program 200 is out of range"),
        (["--duck-depth", "5"], "ducking depth 5.0 dB is out of range"),
        (["--duck-release", "-1"], "ducking release -1.0 ms is out of range"),
        (["--stems", "{tmp}/missing/stems"], "does not exist"),
        (["--shot-preset", "1=kazoo"], "unknown preset 'kazoo'"),
        (["--shot-preset", "one=ambient"], "write SHOT=PRESET"),
    ],
)
def test_bad_generate_options_fail_first_and_leave_nothing(env, clip, tmp_path, capsys, extra, words):
    assert main(["generate", str(clip[0])] + [a.format(tmp=tmp_path) for a in extra]) == 2
    one_line_error(capsys, words)
    assert not any(tmp_path.iterdir())  # not even an analysis in the cache: refused before any work


@pytest.mark.parametrize(
    "name, encoder, pix_fmt", [("src.mov", "prores_ks", "yuv422p10le"), ("src.gif", "gif", "rgb8")]
)
def test_a_codec_the_container_cannot_hold_is_re_encoded_as_h264(env, tmp_path, capsys, name, encoder, pix_fmt):
    """...and the command says so, as the app does: the picture is no longer copied bit for bit."""
    import av

    video, proj = tmp_path / name, tmp_path / "p.bgm.json"
    make_clip(video, [ShotSpec(seconds=1.0)], size=(160, 90), codec=encoder, pix_fmt=pix_fmt)
    hashes = file_hash(video)
    assert main(["generate", str(video), "--project", str(proj), "-o", str(tmp_path / "out.mp4")]) == 0
    assert f"note: {tmp_path / 'out.mp4'}: the video was re-encoded as H.264 (" in capsys.readouterr().out
    with av.open(str(tmp_path / "out.mp4")) as out:
        assert out.streams.video[0].codec_context.name == "h264" and out.streams.audio
    assert file_hash(video) == hashes


def test_regenerate_refuses_a_bad_seed(scored, capsys):
    _, proj = scored
    assert main(["regenerate", str(proj), "--shot", "0", "--seed", "-1"]) == 2
    one_line_error(capsys, "seed -1")


def test_a_damaged_analysis_cache_entry_is_analysed_again(env, clip, tmp_path, capsys):
    assert main(["analyze", str(clip[0])]) == 0
    for entry in (tmp_path / "cache" / "video").glob("*.json"):
        entry.write_text(json.dumps({"shots": 5}))
    assert main(["analyze", str(clip[0])]) == 0
    assert "4 shots" in capsys.readouterr().out


def test_eval_of_a_folder_without_readable_songs(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("BGM_CACHE", str(tmp_path / "cache"))
    (tmp_path / "pop" / "819").mkdir(parents=True)
    (tmp_path / "pop" / "819" / "819.mid").write_text("not midi")
    assert main(["eval", "--pop909", str(tmp_path / "pop")]) == 2
    assert "none of the test songs could be read" in capsys.readouterr().err
    assert main(["eval", "--midi-dir", str(tmp_path / "none")]) == 2
    one_line_error(capsys, "no such folder")
    assert main(["eval", "--limit", "-1"]) == 2
    one_line_error(capsys, "--limit -1")


def test_eval_on_phrases_without_phrase_labels(env, pop909_root, tmp_path, capsys, monkeypatch):
    shutil.copytree(pop909_root / "819", tmp_path / "pop" / "819")
    monkeypatch.setenv("BGM_POP909_STRUCTURE", str(tmp_path / "no-labels"))
    assert main(["eval", "--pop909", str(tmp_path / "pop"), "--generate", "--form", "labels"]) == 2
    one_line_error(capsys, "no phrase label file")


@pytest.mark.parametrize(
    "config, words",
    [
        ('"just a string"', "training config: expected an object, got text"),
        ('{"steps": 0}', "training config: steps: expected a whole number >= 1"),
        ('{"steps": "many"}', "steps: expected a whole number, got text"),
        ('{"model": {"dim": 7}}', "even dim divisible by heads"),
        (b"\xff\xfe", "cannot read training config"),
    ],
)
def test_train_refuses_bad_configs_before_loading_data(tmp_path, capsys, config, words):
    path = tmp_path / "c.json"
    path.write_bytes(config if isinstance(config, bytes) else config.encode())
    assert main(["train", "--config", str(path), "--out", str(tmp_path / "run"), "--pop909", str(tmp_path)]) == 2
    one_line_error(capsys, words)
    assert not (tmp_path / "run").exists()


def test_train_refuses_a_bad_out_folder_and_resume_file(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    assert main(["train", "--config", "debug", "--out", str(tmp_path / "file")]) == 2
    one_line_error(capsys, "cannot create this folder")
    assert main(["train", "--config", "debug", "--out", str(tmp_path / "run"), "--resume", str(tmp_path / "file")]) == 2
    one_line_error(capsys, "not a training state file")


def test_new_chords_are_refused_where_none_can_be_drawn(env, tmp_path, capsys):
    """A last shot of two beats lies wholly on the final chord, which is always the home chord."""
    video, proj = tmp_path / "v.mp4", tmp_path / "p.bgm.json"
    make_clip(video, [ShotSpec(seconds=4.0, motion=0.05, hue=30), ShotSpec(seconds=1.0, motion=0.4, hue=200, seed=1)])
    assert main(["generate", str(video), "--project", str(proj), "--tempo", "120"]) == 0
    before = proj.read_text()
    assert [s["n_beats"] for s in json.loads(before)["shots"]] == [8, 2]
    assert main(["regenerate", str(proj), "--shot", "1", "--new-chords"]) == 2
    one_line_error(capsys, "shot 1 lies in the closing bar")
    assert proj.read_text() == before


def test_a_video_given_where_a_project_belongs_is_named_as_such(env, clip, tmp_path, capsys):
    assert main(["export", str(clip[0]), "--wav", str(tmp_path / "o.wav")]) == 2
    one_line_error(capsys, "not a BGM Studio project (not UTF-8 text at byte")
    assert not any(tmp_path.iterdir())


def _full_disk_after(monkeypatch, files: int) -> None:
    """Make the disk fill up after `files` stem WAVs: the next write fails as a full disk fails it."""
    import errno
    import os

    from bgm_studio.atomic import atomic_path
    from bgm_studio.export import stems

    written, real = [], stems.write_wav

    def write_wav(audio, rate, path, *args, **kwargs):
        if len(written) == files:
            with atomic_path(path):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written.append(path)
        real(audio, rate, path, *args, **kwargs)

    monkeypatch.setattr(stems, "write_wav", write_wav)


@pytest.mark.parametrize("files", [0, 2])
def test_stems_on_a_full_disk_leave_no_folder_behind(scored, tmp_path, capsys, monkeypatch, files):
    _, proj = scored
    _full_disk_after(monkeypatch, files)
    assert main(["export", str(proj), "--stems", str(tmp_path / "stems")]) == 2
    one_line_error(capsys, "No space left on device")
    assert not (tmp_path / "stems").exists()


def test_stems_on_a_full_disk_leave_an_existing_folder(scored, tmp_path, capsys, monkeypatch):
    _, proj = scored
    (tmp_path / "stems").mkdir()
    (tmp_path / "stems" / "notes.txt").write_text("mine")
    _full_disk_after(monkeypatch, 0)
    assert main(["export", str(proj), "--stems", str(tmp_path / "stems")]) == 2
    one_line_error(capsys, "No space left on device")
    assert [p.name for p in (tmp_path / "stems").iterdir()] == ["notes.txt"]


@pytest.mark.parametrize(
    "stop, status, words",
    [
        (KeyboardInterrupt(), 130, "error: cancelled"),  # Ctrl-C while the WAV renders
        (OSError(28, "No space left on device"), 2, "could not write (No space left on device)"),
    ],
)
def test_generate_stopped_part_way_names_what_it_already_wrote(
    env, clip, tmp_path, capsys, monkeypatch, stop, status, words
):
    """The project and the MIDI, written before the WAV, stay; the one error line says they are there."""
    from bgm_studio.atomic import atomic_path
    from bgm_studio.project import outputs

    def write_wav(audio, rate, path, *args, **kwargs):
        with atomic_path(path):
            raise stop

    monkeypatch.setattr(outputs, "write_wav", write_wav)
    proj, midi, wav = tmp_path / "p.bgm.json", tmp_path / "m.mid", tmp_path / "w.wav"
    outs = ["--project", str(proj), "--midi", str(midi), "--wav", str(wav)]
    assert main(["generate", str(clip[0]), *outs]) == status
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err, err
    assert words in err and err.endswith(f" (already written: {proj}, {midi})"), err
    assert proj.is_file() and midi.is_file() and not wav.exists()
