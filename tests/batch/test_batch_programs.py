"""`bgm-studio batch --melody-program/--accompaniment-program/--bass-program`: those parts play the program chosen,
as `generate --instrument` gives them, over the preset's other parts; a rerun with another program scores again."""

from __future__ import annotations

import json
from pathlib import Path

import mido
import pytest

from bgm_studio.cli import main
from tests.video_clips import ShotSpec, make_clip


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("clips")
    make_clip(folder / "clip.mp4", [ShotSpec(seconds=2.5, hue=30), ShotSpec(seconds=2.5, hue=210)], size=(160, 90))
    return folder


def _batch(clips: Path, out: Path, model: Path, *extra: str) -> int:
    args = ["batch", str(clips), "--out", str(out), "--model", str(model), "--formats", "midi,project"]
    return main([*args, "--workers", "1", *extra])


def _status(out: Path) -> str:
    return json.loads((out / "batch_summary.json").read_text())[0]["status"]


def _programs(path: Path) -> list[int]:
    """The first program of each channel in the MIDI file, by channel."""
    first: dict[int, int] = {}
    for track in mido.MidiFile(path).tracks:
        for m in track:
            if m.type == "program_change":
                first.setdefault(m.channel, m.program)
    return [first[c] for c in sorted(first)]


def test_batch_programs_play_the_parts_as_generate_instrument_does(clips, tmp_path, tiny_model_path):
    out = tmp_path / "out"
    assert _batch(clips, out, tiny_model_path, "--preset", "ambient", "--melody-program", "40") == 0
    assert _programs(out / "clip.mid") == [40, 89, 89]  # the accompaniment and bass: ambient's own
    saved = json.loads((out / "clip.bgm.json").read_text())["arrangement"]
    assert (saved["preset"], saved["programs"]) == ("ambient", {"melody": 40})
    single = tmp_path / "g.mid"
    generate = ["generate", str(clips / "clip.mp4"), "--midi", str(single), "--model", str(tiny_model_path)]
    assert main([*generate, "--preset", "ambient", "--instrument", "melody=40"]) == 0
    assert single.read_bytes() == (out / "clip.mid").read_bytes()
    assert _batch(clips, out, tiny_model_path, "--preset", "ambient", "--melody-program", "40") == 0
    assert _status(out) == "skipped"
    assert _batch(clips, out, tiny_model_path, "--preset", "ambient", "--accompaniment-program", "48") == 0
    assert _status(out) == "scored"  # another program is another setting
    assert _programs(out / "clip.mid") == [73, 48, 89]


def test_batch_without_programs_plays_the_preset_and_keeps_its_manifests(clips, tmp_path, tiny_model_path):
    out = tmp_path / "out"
    assert _batch(clips, out, tiny_model_path, "--preset", "ambient") == 0
    assert _programs(out / "clip.mid") == [73, 89, 89]
    manifest = out / "clip.manifest.json"
    # as a manifest written before the programs took effect says it (they did nothing: the preset played)
    assert json.loads(manifest.read_text())["identity"]["settings"]["programs"] == [0, 0]
    assert _batch(clips, out, tiny_model_path, "--preset", "ambient") == 0
    assert _status(out) == "skipped"
    assert _batch(clips, out, tiny_model_path, "--preset", "ambient", "--melody-program", "0") == 0
    assert _status(out) == "scored"  # a piano named is not the preset's flute
    assert _programs(out / "clip.mid") == [0, 89, 89]


def test_batch_bass_program_plays_the_bass_as_generate_instrument_does(clips, tmp_path, tiny_model_path):
    out = tmp_path / "out"
    assert _batch(clips, out, tiny_model_path, "--preset", "ambient", "--bass-program", "33") == 0
    assert _programs(out / "clip.mid") == [73, 89, 33]  # the melody and accompaniment: ambient's own
    saved = json.loads((out / "clip.bgm.json").read_text())["arrangement"]
    assert (saved["preset"], saved["programs"]) == ("ambient", {"bass": 33})
    assert json.loads((out / "clip.manifest.json").read_text())["identity"]["settings"]["programs"] == {"bass": 33}
    single = tmp_path / "g.mid"
    generate = ["generate", str(clips / "clip.mp4"), "--midi", str(single), "--model", str(tiny_model_path)]
    assert main([*generate, "--preset", "ambient", "--instrument", "bass=33"]) == 0
    assert single.read_bytes() == (out / "clip.mid").read_bytes()
    assert _batch(clips, out, tiny_model_path, "--preset", "ambient", "--bass-program", "33") == 0
    assert _status(out) == "skipped"
    assert _batch(clips, out, tiny_model_path, "--preset", "ambient", "--bass-program", "34") == 0
    assert _status(out) == "scored"  # another program is another setting
    assert _programs(out / "clip.mid") == [73, 89, 34]


@pytest.mark.parametrize("option", ["--melody-program", "--accompaniment-program", "--bass-program"])
def test_program_out_of_range_is_one_line_before_any_work(clips, tmp_path, tiny_model_path, capsys, option):
    with pytest.raises(SystemExit) as exit_:
        _batch(clips, tmp_path / "out", tiny_model_path, option, "128")
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: argument {option}: GM program 128 is out of range")
    assert not (tmp_path / "out").exists()
