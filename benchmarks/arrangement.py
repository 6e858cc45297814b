"""Arrangement speed: three instruments rendered as stems, and stems for a 3-minute video.

Baseline in the same run: the piano alone, every part on one synth (`render`, the quick
path without stems), so a busy shared machine shows in both numbers. Best of REPEATS
interleaved runs. Targets: three instruments >= 100x real time on 2 cores; the stems
(render, loudness, WAVs and MIDI) of a 3-minute video within 10 s.

    .venv/bin/python -m benchmarks.arrangement
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from bgm_studio.audio.ducking import detect_speech
from bgm_studio.audio.render import RenderConfig, render, render_stems
from bgm_studio.export.mixdown import mixdown
from bgm_studio.export.stems import write_stems
from bgm_studio.music.arrangement import Arrangement, arrange

from .audio_common import hardware, test_piece
from .audio_render import best_of_interleaved, cpu_seconds

RENDER_TARGET_X = 100.0
STEMS_TARGET_S = 10.0
VIDEO_S = 180.0
PIANO = "piano alone, one synth (render)"


def main() -> None:
    print(hardware())
    name, score = test_piece()
    config = RenderConfig()
    audio_s = score.duration_s() + config.tail_s
    print(f"piece: {name}, {audio_s:.1f} s of audio, {len(score.notes)} notes")
    jobs = [(PIANO, lambda: render(arrange(score, Arrangement()), config=config))]
    for preset in ("solo-piano", "piano-strings", "epiano-bass", "ambient"):
        arranged = arrange(score, Arrangement(preset))
        jobs.append((f"{preset}: 3 parts as stems (render_stems)", lambda a=arranged: render_stems(a, config=config)))
    rows = best_of_interleaved(jobs)
    piano_wall = dict((label, wall) for label, wall, _ in rows)[PIANO]
    print(f"{'':50s} {'wall s':>7s} {'x real time':>12s} {'CPU s':>6s} {'vs piano':>9s}")
    for label, wall, cpu in rows:
        print(f"{label:50s} {wall:7.2f} {audio_s / wall:11.0f}x {cpu:6.2f} {piano_wall / wall:8.2f}x")
    three = min(wall for label, wall, _ in rows if label.startswith(("piano-strings", "epiano-bass", "ambient")))
    slowest = max(wall for label, wall, _ in rows if label.startswith(("piano-strings", "epiano-bass", "ambient")))
    verdict = "met" if audio_s / slowest >= RENDER_TARGET_X else "NOT met on this (shared) run"
    print(
        f"three instruments: {audio_s / slowest:.0f}-{audio_s / three:.0f}x real time, "
        f"target >= {RENDER_TARGET_X:.0f}x: {verdict}"
    )

    arranged = arrange(score, Arrangement("piano-strings"))
    with tempfile.TemporaryDirectory() as tmp:
        t0, cpu0 = time.perf_counter(), cpu_seconds()
        sound = mixdown(arranged, VIDEO_S, config=config)
        t1 = time.perf_counter()
        write_stems(sound, arranged, Path(tmp) / "stems")
        t2, cpu = time.perf_counter(), cpu_seconds() - cpu0
    verdict = "met" if t2 - t0 <= STEMS_TARGET_S else "NOT met on this (shared) run"
    print(
        f"stems of a {VIDEO_S:.0f}-s video: {t2 - t0:.2f} s, {cpu:.2f} CPU s ({t1 - t0:.2f} s render + loudness, "
        f"{t2 - t1:.2f} s writing 4 WAVs and the MIDI); target <= {STEMS_TARGET_S:.0f} s: {verdict}; "
        f"mix {sound.loudness.describe()}"
    )
    noise = np.random.default_rng(0).normal(0, 0.01, (int(VIDEO_S * config.sample_rate), 2)).astype(np.float32)
    t0 = time.perf_counter()
    detect_speech(noise, config.sample_rate)
    print(f"speech detection over {VIDEO_S:.0f} s of a video's sound: {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
