"""Defect 7: every size read from a file is bounded before allocation, every number validated."""

from __future__ import annotations

import json
import resource
import shutil

import pytest

from bgm_studio.cli import main
from bgm_studio.errors import BgmError
from bgm_studio.music.midi import read_midi
from tests.media import file_hash
from tests.robustness.bad_inputs import BAD_MIDI, GOOD_MIDI, nested, project_edits, write_json
from tests.robustness.helpers import one_line_error

MEMORY_CAP = 3 << 30  # address space a test may add: a file asking for gigabytes fails the test, not the machine


def address_space() -> int:
    """This process's address space now, in bytes (what a test run has mapped so far: torch, Qt...)."""
    for line in open("/proc/self/status"):
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


@pytest.fixture
def capped_memory():
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = address_space() + MEMORY_CAP
    resource.setrlimit(resource.RLIMIT_AS, (cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard))
    yield
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@pytest.mark.parametrize("name", sorted(BAD_MIDI))
def test_a_bad_midi_file_is_one_line(tmp_path, name):
    path = tmp_path / "bad.mid"
    path.write_bytes(BAD_MIDI[name])
    try:
        score = read_midi(path)
    except BgmError as exc:
        assert "\n" not in str(exc) and str(path) in str(exc)
    else:  # a file that reads must give a small piece
        assert score.n_steps <= 4 * 60_000 and all(s < max(score.n_steps, 1) for s in score.segment_starts)


def test_one_bad_file_does_not_stop_a_midi_dir_evaluation(tmp_path, pop909_root, capsys, capped_memory):
    folder = tmp_path / "gen"
    folder.mkdir()
    (folder / "good.mid").write_bytes(GOOD_MIDI)
    for i, data in enumerate(BAD_MIDI.values()):
        (folder / f"bad{i}.mid").write_bytes(data)
    root = tmp_path / "pop"
    shutil.copytree(pop909_root / "819", root / "819")
    out = tmp_path / "t.json"
    assert main(["eval", "--pop909", str(root), "--midi-dir", str(folder), "--json", str(out)]) == 0
    problems = json.loads(out.read_text())["problems"]
    assert len(problems) >= 5 and all("\n" not in p for p in problems)
    assert "gen" in capsys.readouterr().out


@pytest.mark.parametrize("name", sorted(project_edits()))
def test_a_project_with_bad_numbers_is_refused_in_one_line(scored, tmp_path, capsys, capped_memory, name):
    video, proj = scored
    data = json.loads(proj.read_text())
    project_edits()[name](data)
    bad = write_json(tmp_path / "bad.bgm.json", data)
    before = file_hash(bad)
    assert main(["regenerate", str(bad), "--shot", "0", "--wav", str(tmp_path / "o.wav")]) == 2
    one_line_error(capsys, str(bad))
    assert main(["export", str(bad), "--midi", str(tmp_path / "o.mid")]) == 2
    one_line_error(capsys, str(bad))
    assert file_hash(bad) == before and not (tmp_path / "o.wav").exists() and not (tmp_path / "o.mid").exists()


def test_deeply_nested_json_is_one_line(tmp_path, capsys):
    bad = tmp_path / "deep.bgm.json"
    bad.write_text(nested(100_000))
    assert main(["export", str(bad), "--midi", str(tmp_path / "o.mid")]) == 2
    one_line_error(capsys, "nested too deeply")
    cfg = tmp_path / "deep.json"
    cfg.write_text('{"model": ' + nested(100_000) + "}")
    assert main(["train", "--config", str(cfg), "--out", str(tmp_path / "run")]) == 2
    one_line_error(capsys, "nested too deeply")


@pytest.mark.parametrize(
    "config, words",
    [
        ({"model": {"n_beats": 10**9}}, "training config: model.n_beats: expected a whole number <= 1024"),
        ({"batch_size": 10**9}, "batch_size: expected a whole number <= 4096"),
        ({"threads": 10**6}, "threads: expected a whole number <= 256"),
        ({"threads": 0}, "threads: expected a whole number >= 1"),
        ({"lr": float("nan")}, "lr: expected a number >= 0.0"),
        ({"model": {"dim": 10**7}}, "model.dim: expected a whole number <= 4096"),
        ({"model": [1, 2]}, "model: expected an object, got a list"),
        ({"steps": 2.5}, "steps: expected a whole number, got a decimal number"),
        ({"model": {"heads": 3}}, "an even dim divisible by heads"),
        ({"bach_size": 8}, "unknown training config fields: bach_size"),
    ],
)
def test_training_configs_are_bounded(tmp_path, capsys, config, words):
    path = tmp_path / "c.json"
    path.write_text(json.dumps(config))
    assert main(["train", "--config", str(path), "--out", str(tmp_path / "run"), "--pop909", str(tmp_path)]) == 2
    one_line_error(capsys, words)
    assert not (tmp_path / "run").exists()
