"""`bgm-studio batch --melody-program/--accompaniment-program/--bass-program`: those parts play the program chosen,
as `generate --instrument` gives them, over the preset's other parts; a rerun with another program scores again."""

from __future__ import annotations

import json
from pathlib import Path

import mido
import pytest

from bgm_studio.cli import main
from tests.batch.helpers import batch_status, run_batch


def _programs(path: Path) -> list[int]:
    """The first program of each channel in the MIDI file, by channel."""
    first: dict[int, int] = {}
    for track in mido.MidiFile(path).tracks:
        for m in track:
            if m.type == "program_change":
                first.setdefault(m.channel, m.program)
    return [first[c] for c in sorted(first)]


@pytest.mark.parametrize(
    "option, part, programs, other, then",
    [
        ("--melody-program", "melody", [40, 89, 89], "--accompaniment-program", [73, 48, 89]),
        ("--bass-program", "bass", [73, 89, 40], "--bass-program", [73, 89, 48]),
    ],
    ids=["melody", "bass"],
)
def test_batch_programs_play_the_parts_as_generate_instrument_does(
    clips, tmp_path, tiny_model_path, option, part, programs, other, then
):
    """The part chosen plays program 40, the others the preset's (ambient); another program (48) scores again."""
    out = tmp_path / "out"
    assert run_batch(clips, out, tiny_model_path, "--preset", "ambient", option, "40") == 0
    assert _programs(out / "clip.mid") == programs
    saved = json.loads((out / "clip.bgm.json").read_text())["arrangement"]
    assert (saved["preset"], saved["programs"]) == ("ambient", {part: 40})
    assert json.loads((out / "clip.manifest.json").read_text())["identity"]["settings"]["programs"] == {part: 40}
    single = tmp_path / "g.mid"
    generate = ["generate", str(clips / "clip.mp4"), "--midi", str(single), "--model", str(tiny_model_path)]
    assert main([*generate, "--preset", "ambient", "--instrument", f"{part}=40"]) == 0
    assert single.read_bytes() == (out / "clip.mid").read_bytes()
    assert run_batch(clips, out, tiny_model_path, "--preset", "ambient", option, "40") == 0
    assert batch_status(out) == "skipped"
    assert run_batch(clips, out, tiny_model_path, "--preset", "ambient", other, "48") == 0
    assert batch_status(out) == "scored"  # another program is another setting
    assert _programs(out / "clip.mid") == then


def test_batch_without_programs_plays_the_preset_and_keeps_its_manifests(clips, tmp_path, tiny_model_path):
    out = tmp_path / "out"
    assert run_batch(clips, out, tiny_model_path, "--preset", "ambient") == 0
    assert _programs(out / "clip.mid") == [73, 89, 89]
    manifest = out / "clip.manifest.json"
    # as a manifest written before the programs took effect says it (they did nothing: the preset played)
    assert json.loads(manifest.read_text())["identity"]["settings"]["programs"] == [0, 0]
    assert run_batch(clips, out, tiny_model_path, "--preset", "ambient") == 0
    assert batch_status(out) == "skipped"
    assert run_batch(clips, out, tiny_model_path, "--preset", "ambient", "--melody-program", "0") == 0
    assert batch_status(out) == "scored"  # a piano named is not the preset's flute
    assert _programs(out / "clip.mid") == [0, 89, 89]


@pytest.mark.parametrize("option", ["--melody-program", "--accompaniment-program", "--bass-program"])
def test_program_out_of_range_is_one_line_before_any_work(clips, tmp_path, tiny_model_path, capsys, option):
    with pytest.raises(SystemExit) as exit_:
        run_batch(clips, tmp_path / "out", tiny_model_path, option, "128")
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: argument {option}: GM program 128 is out of range")
    assert not (tmp_path / "out").exists()
