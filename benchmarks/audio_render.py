"""Offline render speed, as x real time, for a 3-minute POP909 piece.

Baseline in the same run: the `fluidsynth` program's own fast file render of the
same MIDI with the same soundfont (the reference for what FluidSynth can do here),
so a busy shared machine shows in both numbers. Best of REPEATS interleaved runs;
CPU seconds show the cost when other work shares the cores.

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
from typing import Callable

from bgm_studio.audio.render import RenderConfig, render
from bgm_studio.audio.soundfont import find_soundfont
from bgm_studio.audio.synth import SynthConfig
from bgm_studio.music.midi import write_midi

from .audio_common import hardware, test_piece

REPEATS = 3
TARGET_X = 100.0
BASELINE = "baseline: fluidsynth program -F (reverb)"
DEFAULT = "render(), default config"


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the baseline runs as a child)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def timed(fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one call."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    fn()
    return time.perf_counter() - wall, cpu_seconds() - cpu


def best_of_interleaved(jobs: list[tuple[str, Callable[[], object]]]) -> list[tuple[str, float, float]]:
    """Run the jobs in turn REPEATS times (so contention hits them alike); best wall time of each."""
    runs: dict[str, list[tuple[float, float]]] = {label: [] for label, _ in jobs}
    for _ in range(REPEATS):
        for label, fn in jobs:
            runs[label].append(timed(fn))
    return [(label, *min(runs[label])) for label, _ in jobs]


def fluidsynth_cli(midi: Path, wav: Path, sample_rate: int) -> None:
    subprocess.run(
        [
            "fluidsynth",
            "-ni",
            "-q",
            "-C",
            "0",
            "-R",
            "1",
            "-r",
            str(sample_rate),
            "-F",
            str(wav),
            str(find_soundfont()),
            str(midi),
        ],
        check=True,
        capture_output=True,
    )


def main() -> None:
    print(hardware())
    name, score = test_piece()
    config = RenderConfig()
    audio_s = score.duration_s() + config.tail_s
    print(
        f"piece: {name}, {audio_s:.1f} s of audio at {config.sample_rate} Hz, {len(score.notes)} notes, "
        f"soundfont {find_soundfont().name}"
    )
    jobs = []
    with tempfile.TemporaryDirectory() as tmp:
        if shutil.which("fluidsynth"):
            midi = Path(tmp) / "piece.mid"
            write_midi(score, midi)
            jobs.append((BASELINE, lambda: fluidsynth_cli(midi, Path(tmp) / "out.wav", config.sample_rate)))
        for label, synth in [
            (DEFAULT, SynthConfig()),
            ("render(), cpu_cores=1", replace(SynthConfig(), cpu_cores=1)),
            ("render(), no reverb", replace(SynthConfig(), reverb=False)),
        ]:
            jobs.append((label, lambda synth=synth: render(score, synth, config)))
        rows = best_of_interleaved(jobs)
    print(f"{'':50s} {'wall s':>7s} {'x real time':>12s} {'CPU s':>6s} {'x per CPU s':>12s}")
    for label, wall, cpu in rows:
        print(f"{label:50s} {wall:7.2f} {audio_s / wall:11.0f}x {cpu:6.2f} {audio_s / cpu:11.0f}x")
    times = {label: (wall, cpu) for label, wall, cpu in rows}
    wall, cpu = times[DEFAULT]
    if BASELINE in times:
        print(
            f"default render vs the fluidsynth program: {times[BASELINE][0] / wall:.2f}x its speed (wall), "
            f"{times[BASELINE][1] / cpu:.2f}x (CPU)"
        )
    verdict = "met" if audio_s / wall > TARGET_X else "NOT met on this (shared) run"
    print(
        f"target > {TARGET_X:.0f}x real time: {verdict} ({audio_s / wall:.0f}x wall, {audio_s / cpu:.0f}x per CPU second)"
    )


if __name__ == "__main__":
    main()
