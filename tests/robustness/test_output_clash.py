"""Defect 1: no output of a command may replace any of its inputs, however the path is spelled."""

from __future__ import annotations

import os
import shutil

import pytest

from bgm_studio.audio.soundfont import find_soundfont
from bgm_studio.cli import main
from tests.media import file_hash
from tests.robustness.helpers import one_line_error


def spellings(path, tmp_path):
    """The same file by its path, a relative path through `..`, a symlink and a hardlink."""
    link, hard = tmp_path / "link.out", tmp_path / "hard.out"
    link.symlink_to(path)
    os.link(path, hard)
    return {
        "plain": str(path),
        "relative": os.path.relpath(path.parent / ".." / path.parent.name / path.name),
        "symlink": str(link),
        "hardlink": str(hard),
    }


@pytest.mark.parametrize("spelling", ["plain", "relative", "symlink", "hardlink"])
def test_generate_refuses_to_write_over_its_checkpoint(video, tiny_model, tmp_path, capsys, spelling, monkeypatch):
    model = tmp_path / "m.pt"
    shutil.copy(tiny_model, model)
    before = file_hash(model)
    target = spellings(model, tmp_path)[spelling]
    assert main(["generate", str(video), "--model", str(model), "--midi", target]) == 2
    one_line_error(capsys, "same as the input")
    assert file_hash(model) == before


def test_generate_refuses_to_write_over_the_model_named_by_the_environment(video, tiny_model, capsys):
    before = file_hash(tiny_model)
    assert main(["generate", str(video), "--project", str(tiny_model)]) == 2
    one_line_error(capsys, "same as the input")
    assert file_hash(tiny_model) == before


@pytest.mark.parametrize("flag", ["--wav", "-o"])
def test_an_output_may_not_replace_the_soundfont(video, tmp_path, capsys, flag):
    font = tmp_path / "font.sf2"
    shutil.copy(find_soundfont(), font)
    before = file_hash(font)
    target = font if flag == "--wav" else tmp_path / "font.mp4"
    if flag == "-o":
        os.symlink(font, target)
    assert main(["generate", str(video), "--soundfont", str(font), flag, str(target)]) == 2
    one_line_error(capsys, "same as the input")
    assert file_hash(font) == before


def fake_pop909(tmp_path):
    root = tmp_path / "pop"
    for sid in ("819", "820"):
        (root / sid).mkdir(parents=True)
        (root / sid / f"{sid}.mid").write_bytes(b"MThd")
    return root


def test_eval_midi_out_may_not_point_into_pop909(env, tmp_path, capsys):
    root = fake_pop909(tmp_path)
    before = file_hash(root / "819" / "819.mid")
    (tmp_path / "alias").symlink_to(root / "819")
    for out in (root / "819", root / "820" / ".." / "819", tmp_path / "alias"):
        assert main(["eval", "--pop909", str(root), "--generate", "--limit", "1", "--midi-out", str(out)]) == 2
        one_line_error(capsys, "a file of the input folder")
    assert file_hash(root / "819" / "819.mid") == before


def test_eval_json_may_not_replace_a_midi_input_or_a_pop909_file(env, tmp_path, capsys):
    root = fake_pop909(tmp_path)
    folder = tmp_path / "gen"
    folder.mkdir()
    (folder / "x.mid").write_bytes(b"MThd")
    hard = tmp_path / "hard.json"
    os.link(root / "820" / "820.mid", hard)
    for target in (folder / "x.mid", root / "820" / "820.mid", hard):
        assert main(["eval", "--pop909", str(root), "--midi-dir", str(folder), "--json", str(target)]) == 2
        one_line_error(capsys, "a file of the input folder")
    assert (folder / "x.mid").read_bytes() == b"MThd" and (root / "820" / "820.mid").read_bytes() == b"MThd"


def test_eval_generate_may_not_write_over_its_checkpoint(env, tiny_model, tmp_path, capsys):
    root = fake_pop909(tmp_path)
    model = tmp_path / "out" / "819.mid"
    model.parent.mkdir()
    shutil.copy(tiny_model, model)
    before = file_hash(model)
    assert (
        main(["eval", "--pop909", str(root), "--generate", "--model", str(model), "--midi-out", str(model.parent)]) == 2
    )
    one_line_error(capsys, "same as the input")
    assert file_hash(model) == before


def test_train_may_not_write_over_pop909_or_its_init_checkpoint(tmp_path, tiny_model, capsys):
    root = fake_pop909(tmp_path)
    (root / "819" / "model.pt").write_bytes(b"MThd")
    assert main(["train", "--config", "debug", "--pop909", str(root), "--out", str(root / "819")]) == 2
    one_line_error(capsys, "a file of the input folder")
    run = tmp_path / "run"
    run.mkdir()
    shutil.copy(tiny_model, run / "model.pt")
    before = file_hash(run / "model.pt")
    assert (
        main(["train", "--config", "debug", "--pop909", str(root), "--out", str(run), "--init", str(run / "model.pt")])
        == 2
    )
    one_line_error(capsys, "same as the input")
    assert file_hash(run / "model.pt") == before and not (tmp_path / "pop" / "run").exists()


def test_the_usual_outputs_still_work(scored, tmp_path):
    video, proj = scored
    assert main(["export", str(proj), "--midi", str(tmp_path / "a.mid"), "--wav", str(tmp_path / "a.wav")]) == 0
    assert (tmp_path / "a.mid").stat().st_size > 0 and (tmp_path / "a.wav").stat().st_size > 44
