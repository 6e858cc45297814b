"""Offline render speed, as x real time, for a 3-minute POP909 piece.

Baseline in the same run: the `fluidsynth` program's own fast file render of the
same MIDI with the same soundfont (the reference for what FluidSynth can do here),
so a busy shared machine shows in both numbers. Best of REPEATS runs each.

    .venv/bin/python -m benchmarks.audio_render
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bgm_studio.audio.render import RenderConfig, render
from bgm_studio.audio.soundfont import find_soundfont
from bgm_studio.audio.synth import SynthConfig
from bgm_studio.music.midi import write_midi

from .audio_common import hardware, test_piece

REPEATS = 3
TARGET_X = 100.0


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the baseline runs as a child)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def best_of(fn) -> tuple[float, float]:
    """(best wall seconds, CPU seconds of that run) over REPEATS calls."""
    runs = []
    for _ in range(REPEATS):
        wall, cpu = time.perf_counter(), cpu_seconds()
        fn()
        runs.append((time.perf_counter() - wall, cpu_seconds() - cpu))
    return min(runs)


def fluidsynth_cli(midi: Path, wav: Path, sample_rate: int) -> None:
    subprocess.run(["fluidsynth", "-ni", "-q", "-C", "0", "-R", "1", "-r", str(sample_rate), "-F", str(wav),
                    str(find_soundfont()), str(midi)], check=True, capture_output=True)


def main() -> None:
    print(hardware())
    name, score = test_piece()
    config = RenderConfig()
    audio_s = score.duration_s() + config.tail_s
    print(f"piece: {name}, {audio_s:.1f} s of audio at {config.sample_rate} Hz, {len(score.notes)} notes, "
          f"soundfont {find_soundfont().name}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        if shutil.which("fluidsynth"):
            midi = Path(tmp) / "piece.mid"
            write_midi(score, midi)
            rows.append(("baseline: fluidsynth program -F (1 core, reverb)", *best_of(
                lambda: fluidsynth_cli(midi, Path(tmp) / "out.wav", config.sample_rate))))
        for label, synth in [("render(), default config", SynthConfig()),
                             ("render(), cpu_cores=1", replace(SynthConfig(), cpu_cores=1)),
                             ("render(), no reverb", replace(SynthConfig(), reverb=False))]:
            rows.append((label, *best_of(lambda: render(score, synth, config))))
    print(f"{'':52s} {'wall s':>7s} {'x real time':>12s} {'CPU s':>7s}")
    for label, wall, cpu in rows:
        print(f"{label:52s} {wall:7.2f} {audio_s / wall:11.0f}x {cpu:7.2f}")
    ours = rows[-3][1]
    if rows[0][0].startswith("baseline"):
        print(f"default render vs fluidsynth program: {rows[0][1] / ours:.2f}x the baseline's speed")
    print(f"target > {TARGET_X:.0f}x real time: {'met' if audio_s / ours > TARGET_X else 'NOT met'} "
          f"({audio_s / ours:.0f}x)")


if __name__ == "__main__":
    main()
