"""Sampling speed and memory of the scoring model, on the CPU or a GPU.

`python -m benchmarks.model_speed [--model PATH] [--threads N] [--device cpu|cuda]`. Targets (2 cores):
8 bars <= 1 s, a 3-minute piece <= 10 s, peak RSS while sampling <= 1.5 GB. On a GPU it also
prints the peak GPU memory the sampling took. The piece's own controls come
from POP909 test song 820 (2:51); speed is also given as x real time of the music.
"""

from __future__ import annotations

import argparse
import time

import torch

from bgm_studio.model.checkpoint import load_model
from bgm_studio.model.evaluate import song_controls
from bgm_studio.model.pipeline import SampleConfig, ScorePipeline
from bgm_studio.music.pop909 import default_root, load_song

from .common import hardware, peak_rss_mb, reference_seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0 = the pipeline's default)")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda or auto")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(hardware(), f"torch threads {torch.get_num_threads()}")
    ref = reference_seconds()
    model, meta = load_model(args.model, args.device)
    device = next(model.parameters()).device
    print(f"device {device}" + (f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else ""))
    pipe = ScorePipeline(model, SampleConfig())
    song = load_song(default_root() / "820")
    controls = song_controls(song, seed=0)
    sec_per_beat = 60.0 / song.tempo_bpm
    pipe.generate(controls.slice(0, 32), seed=0)  # warm-up
    rows = []
    for label, n_beats in (("8 bars", 32), ("3-minute piece", min(controls.n_beats, int(180 / sec_per_beat)))):
        best = float("inf")
        for seed in range(3 if n_beats == 32 else 1):
            t0 = time.perf_counter()
            pipe.generate(controls.slice(0, n_beats), seed=seed)
            best = min(best, time.perf_counter() - t0)
        music_s = n_beats * sec_per_beat
        rows.append((label, n_beats, best, music_s))
    print(f"model: {meta}")
    for label, n_beats, sec, music_s in rows:
        print(
            f"{label:>15}: {sec:6.2f} s for {n_beats} beats ({music_s:.0f} s of music) = "
            f"{music_s / sec:.1f} x real time = {sec / ref:.1f} x reference workload"
        )
    print(f"peak RSS: {peak_rss_mb():.0f} MB (target <= 1500 MB)")
    if device.type == "cuda":
        print(f"peak GPU memory: {torch.cuda.max_memory_allocated(device) / 2**20:.0f} MB")


if __name__ == "__main__":
    main()
