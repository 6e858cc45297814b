"""`bgm-studio batch --preset`: every video's music on the preset's instruments, as `generate --preset`
gives it, refused in one line when unknown, and a rerun with another preset scores again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bgm_studio.cli import main
from tests.video_clips import ShotSpec, make_clip


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("clips")
    make_clip(folder / "clip.mp4", [ShotSpec(seconds=2.5, hue=30), ShotSpec(seconds=2.5, hue=210)], size=(160, 90))
    return folder


def _batch(clips: Path, out: Path, model: Path, *extra: str) -> int:
    args = [
        "batch",
        str(clips),
        "--out",
        str(out),
        "--model",
        str(model),
        "--formats",
        "midi,project",
        "--workers",
        "1",
    ]
    return main([*args, *extra])


def _status(out: Path) -> str:
    return json.loads((out / "batch_summary.json").read_text())[0]["status"]


def test_batch_preset_scores_every_video_as_generate_does(clips, tmp_path, tiny_model_path):
    out = tmp_path / "out"
    assert _batch(clips, out, tiny_model_path, "--preset", "ambient") == 0
    assert json.loads((out / "clip.bgm.json").read_text())["arrangement"]["preset"] == "ambient"
    single = tmp_path / "g.mid"
    generate = ["generate", str(clips / "clip.mp4"), "--midi", str(single), "--model", str(tiny_model_path)]
    assert main([*generate, "--preset", "ambient"]) == 0
    assert single.read_bytes() == (out / "clip.mid").read_bytes()
    assert _batch(clips, out, tiny_model_path, "--preset", "ambient") == 0
    assert _status(out) == "skipped"
    assert _batch(clips, out, tiny_model_path, "--preset", "music-box") == 0
    assert _status(out) == "scored"  # another preset is another setting
    assert json.loads((out / "clip.bgm.json").read_text())["arrangement"]["preset"] == "music-box"


def test_batch_without_preset_is_solo_piano_and_keeps_its_manifests(clips, tmp_path, tiny_model_path):
    out = tmp_path / "out"
    assert _batch(clips, out, tiny_model_path) == 0
    assert json.loads((out / "clip.bgm.json").read_text())["arrangement"]["preset"] == "solo-piano"
    assert "preset" not in json.loads((out / "clip.manifest.json").read_text())["identity"]["settings"]
    assert _batch(clips, out, tiny_model_path, "--preset", "solo-piano") == 0
    assert _status(out) == "skipped"  # the default named is the same music


def test_unknown_preset_is_one_line_before_any_work(clips, tmp_path, tiny_model_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        _batch(clips, tmp_path / "out", tiny_model_path, "--preset", "kazoo")
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: argument --preset: invalid choice: 'kazoo'")
    assert not (tmp_path / "out").exists()
