"""A batch's own start and order: the parent process checks and hashes its inputs without torch, and
workers take the biggest videos first."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import mido
import pytest

from bgm_studio.batch.jobs import biggest_first, make_tasks
from bgm_studio.cli import main
from bgm_studio.errors import BgmError
from bgm_studio.model.device import check_device
from tests.video_clips import ShotSpec, make_clip

PARENT = """
import sys
from bgm_studio.batch.jobs import BatchSettings
from bgm_studio.batch.runner import input_identity
ident = input_identity(BatchSettings(model=sys.argv[1], device="cpu"))
print(ident["model_id"], "torch" in sys.modules)
"""


def test_the_parent_hashes_its_inputs_without_importing_torch(tiny_model_path):
    out = subprocess.run([sys.executable, "-c", PARENT, str(tiny_model_path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    model_id, torch_imported = out.stdout.split()
    names = [part.split("@")[0] for part in model_id.split("+")]
    assert names == [
        "tiny.pt",
        "melody.pt",
        "textures.npz",
        "chords.json",
        "critic.json",
        "control_quantiles.json",
        "dynamics.json",
        "form.json",
        "phrasing.json",
        "roll_critic.pt",
    ]
    assert torch_imported == "False"  # it cost every batch a second before any worker started


def test_a_new_melody_model_or_figure_library_is_a_new_identity(tiny_model_path, tmp_path, monkeypatch):
    """A batch resumes only where the identity matches: it held the diffusion checkpoint alone, so a
    rerun after a new melody model skipped every video whose music it would now write otherwise."""
    from bgm_studio.batch.jobs import BatchSettings
    from bgm_studio.batch.runner import input_identity
    from bgm_studio.model.locate import DEFAULT_MELODY_CHECKPOINT

    settings = BatchSettings(model=str(tiny_model_path), device="cpu")
    before = input_identity(settings)["model_id"]
    other = tmp_path / "melody.pt"
    other.write_bytes(DEFAULT_MELODY_CHECKPOINT.read_bytes() + b"\0")
    monkeypatch.setenv("BGM_MELODY_MODEL", str(other))
    assert input_identity(settings)["model_id"] != before
    monkeypatch.setenv("BGM_MELODY_MODEL", str(tmp_path / "gone.pt"))
    with pytest.raises(BgmError, match="gone.pt: model file not found"):
        input_identity(settings)


def test_check_device_refuses_what_resolve_device_refuses(monkeypatch):
    import torch

    monkeypatch.delenv("BGM_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    for usable in ("auto", "cpu", " CPU ", None):
        check_device(usable)
    with pytest.raises(BgmError, match="choose auto, cpu or cuda"):
        check_device("tpu")
    with pytest.raises(BgmError, match="no CUDA GPU"):
        check_device("cuda:1")
    monkeypatch.setenv("BGM_DEVICE", "cuda")
    with pytest.raises(BgmError, match="no CUDA GPU"):
        check_device(None)


def test_biggest_first_orders_by_file_size_missing_last(tmp_path):
    for name, size in (("a.mp4", 10), ("b.mp4", 30), ("c.mp4", 20)):
        (tmp_path / name).write_bytes(b"x" * size)
    tasks = make_tasks([tmp_path / n for n in ("gone.mp4", "a.mp4", "b.mp4", "c.mp4")], tmp_path / "out")
    assert [t.name for t in biggest_first(tasks)] == ["b", "c", "a", "gone"]


def test_one_worker_scores_the_biggest_video_first(tmp_path, tiny_model_path):
    clips = tmp_path / "clips"
    clips.mkdir()
    make_clip(clips / "a_short.mp4", [ShotSpec(seconds=1.5, hue=120)], size=(160, 90))
    make_clip(clips / "b_long.mp4", [ShotSpec(seconds=4, hue=30), ShotSpec(seconds=4, hue=210)], size=(160, 90))
    out = tmp_path / "out"
    args = ["batch", str(clips), "--out", str(out), "--model", str(tiny_model_path), "--formats", "midi"]
    assert main([*args, "--workers", "1"]) == 0
    written = {p.name: p.stat().st_mtime_ns for p in out.glob("*.manifest.json")}
    assert written["b_long.manifest.json"] < written["a_short.manifest.json"]  # listed second, scored first
    rows = json.loads((out / "batch_summary.json").read_text())
    assert [r["name"] for r in rows] == ["a_short", "b_long"]  # the summary keeps the input order


def _batch_of_two_clips(tmp_path, model, workers: int) -> list[str]:
    """The command line of `python -m bgm_studio.cli batch` over a folder of two new 2-s clips, to MIDI."""
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a", "b"):
        make_clip(folder / f"{name}.mp4", [ShotSpec(seconds=2.0, hue=60)], size=(160, 90))
    return [sys.executable, "-m", "bgm_studio.cli", "batch", str(folder), "--out", str(tmp_path / "out"),
            "--model", str(model), "--formats", "midi", "--workers", str(workers)]  # fmt: skip


def _env(tmp_path) -> dict[str, str]:
    return {**os.environ, "BGM_CACHE": str(tmp_path / "cache")}


def test_a_batch_run_as_python_m_prints_no_warning_from_its_workers(tiny_model_path, tmp_path):
    """Each pool process runs its parent's main module again; with `python -m bgm_studio.cli` that
    module was preloaded in the fork server, and every worker printed runpy's RuntimeWarning."""
    out = subprocess.run(
        _batch_of_two_clips(tmp_path, tiny_model_path, workers=2), capture_output=True, text=True, env=_env(tmp_path)
    )
    assert out.returncode == 0, out.stderr
    assert "Warning" not in out.stderr, out.stderr
    assert sorted(p.name for p in (tmp_path / "out").glob("*.mid")) == ["a.mid", "b.mid"]


def test_a_batch_whose_reader_goes_stops_quietly_leaving_whole_files(tiny_model_path, tmp_path):
    """`bgm-studio batch ... | head -2`: the pipe closes before the batch prints; it ended in a
    BrokenPipeError traceback. Now it stops as a process SIGPIPE ends would (status 141), in silence,
    and every file it leaves is whole."""
    command = _batch_of_two_clips(tmp_path, tiny_model_path, workers=1)
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(tmp_path))
    assert proc.stdout is not None
    proc.stdout.close()  # the reader goes before the first line
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 141, err
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    left = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert all(name.endswith((".mid", ".json", ".csv")) for name in left), left  # no temporary file
    for midi in (tmp_path / "out").glob("*.mid"):
        mido.MidiFile(midi)
