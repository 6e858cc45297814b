"""`bgm-studio batch --preset`: every video's music on the preset's instruments, as `generate --preset`
gives it, refused in one line when unknown, and a rerun with another preset scores again."""

from __future__ import annotations

import json

import pytest

from bgm_studio.cli import main
from tests.batch.helpers import batch_status, run_batch


def test_batch_preset_scores_every_video_as_generate_does(clips, tmp_path, tiny_model_path):
    out = tmp_path / "out"
    assert run_batch(clips, out, tiny_model_path, "--preset", "ambient") == 0
    assert json.loads((out / "clip.bgm.json").read_text())["arrangement"]["preset"] == "ambient"
    single = tmp_path / "g.mid"
    generate = ["generate", str(clips / "clip.mp4"), "--midi", str(single), "--model", str(tiny_model_path)]
    assert main([*generate, "--preset", "ambient"]) == 0
    assert single.read_bytes() == (out / "clip.mid").read_bytes()
    assert run_batch(clips, out, tiny_model_path, "--preset", "ambient") == 0
    assert batch_status(out) == "skipped"
    assert run_batch(clips, out, tiny_model_path, "--preset", "music-box") == 0
    assert batch_status(out) == "scored"  # another preset is another setting
    assert json.loads((out / "clip.bgm.json").read_text())["arrangement"]["preset"] == "music-box"


def test_batch_without_preset_is_solo_piano_and_keeps_its_manifests(clips, tmp_path, tiny_model_path):
    out = tmp_path / "out"
    assert run_batch(clips, out, tiny_model_path) == 0
    assert json.loads((out / "clip.bgm.json").read_text())["arrangement"]["preset"] == "solo-piano"
    assert "preset" not in json.loads((out / "clip.manifest.json").read_text())["identity"]["settings"]
    assert run_batch(clips, out, tiny_model_path, "--preset", "solo-piano") == 0
    assert batch_status(out) == "skipped"  # the default named is the same music


def test_unknown_preset_is_one_line_before_any_work(clips, tmp_path, tiny_model_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        run_batch(clips, tmp_path / "out", tiny_model_path, "--preset", "kazoo")
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: argument --preset: invalid choice: 'kazoo'")
    assert not (tmp_path / "out").exists()
