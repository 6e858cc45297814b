"""A machine without FluidSynth's library (a render node, a GPU server) scores MIDI and projects,
from `generate` and from `batch`, and refuses sound in one line before any work."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.video_clips import ShotSpec, make_clip

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def no_fluidsynth(tmp_path_factory) -> dict[str, str]:
    """An environment where `import fluidsynth` fails as pyfluidsynth does when libfluidsynth is missing,
    and the soundfont named is not there."""
    shadow = tmp_path_factory.mktemp("shadow")
    (shadow / "fluidsynth.py").write_text('raise ImportError("Couldn\'t find the FluidSynth library.")\n')
    path = os.pathsep.join([str(shadow), str(ROOT)])
    return {**os.environ, "PYTHONPATH": path, "BGM_SOUNDFONT": str(shadow / "none.sf2")}


@pytest.fixture(scope="module")
def clip_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("clips")
    make_clip(folder / "clip.mp4", [ShotSpec(seconds=2, hue=40), ShotSpec(seconds=2, hue=200)], size=(160, 90))
    return folder


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bgm_studio.cli", *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )


def test_generate_writes_midi_and_refuses_sound_in_one_line(no_fluidsynth, clip_folder, tiny_model_path, tmp_path):
    clip, model = str(clip_folder / "clip.mp4"), str(tiny_model_path)
    midi = _cli(no_fluidsynth, "generate", clip, "--midi", str(tmp_path / "a.mid"), "--model", model)
    assert midi.returncode == 0, midi.stderr
    assert (tmp_path / "a.mid").read_bytes()[:4] == b"MThd"
    sound = _cli(no_fluidsynth, "generate", clip, "-o", str(tmp_path / "a.mp4"), "--model", model)
    assert sound.returncode == 2
    assert sound.stderr.strip().count("\n") == 0 and "libfluidsynth" in sound.stderr
    assert not (tmp_path / "a.mp4").exists()


def test_batch_scores_midi_and_projects_without_a_soundfont(no_fluidsynth, clip_folder, tiny_model_path, tmp_path):
    out, model = tmp_path / "out", str(tiny_model_path)
    args = ("batch", str(clip_folder), "--out", str(out), "--model", model, "--workers", "1")
    run = _cli(no_fluidsynth, *args, "--formats", "midi,project")
    assert run.returncode == 0, run.stderr
    assert (out / "clip.mid").is_file() and (out / "clip.bgm.json").is_file()
    assert json.loads((out / "clip.manifest.json").read_text())["identity"]["soundfont"] is None
    sound = _cli(no_fluidsynth, *args, "--formats", "mp4")
    assert sound.returncode == 2 and "libfluidsynth" in sound.stderr
    assert not (out / "clip.mp4").exists()
