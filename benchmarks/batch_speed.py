"""Batch throughput on the local process pool, 2 workers against 1 in the same run:
`python -m benchmarks.batch_speed [--clips 8] [--seconds 45] [--repeats 1]`.

Synthesised clips (tests/video_clips.py, 480x270) long enough that worker start-up (imports,
model and soundfont loading) does not dominate; each run starts from an empty analysis cache
and output folder, so every video is scored from scratch. Target: 2 workers >= 1.7 x the videos
per minute of 1 worker on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bgm_studio.batch.jobs import BatchSettings
from bgm_studio.batch.runner import run_batch

from .common import hardware
from .scoring import random_shots

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from video_clips import make_clip  # noqa: E402


def videos_per_minute(clips: Path, folder: Path, workers: int) -> tuple[float, float]:
    """(videos per minute, CPU seconds per video of the worker processes) of one batch run."""
    os.environ["BGM_CACHE"] = str(folder / "cache")  # the workers inherit it: nothing analysed yet
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    results = run_batch(str(clips), str(folder / "out"), BatchSettings(), workers)
    minutes = (time.perf_counter() - t0) / 60
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert all(r.status == "scored" for r in results), [r.reason for r in results]
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return len(results) / minutes, cpu / len(results)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clips", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=45.0)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    print(hardware())
    with tempfile.TemporaryDirectory() as tmp:
        clips = Path(tmp) / "clips"
        clips.mkdir()
        for k in range(args.clips):
            make_clip(
                clips / f"clip{k}.mp4", random_shots(np.random.default_rng(k), args.seconds, 2.0, 8.0), size=(480, 270)
            )
        rates = {1: [], 2: []}
        for r in range(args.repeats):
            for workers in (1, 2):
                rates[workers].append(videos_per_minute(clips, Path(tmp) / f"run{r}-{workers}", workers))
        (one, cpu1), (two, cpu2) = max(rates[1]), max(rates[2])
        print(
            f"batch of {args.clips} x {args.seconds:.0f}-s clips: 1 worker {one:.1f} videos/min "
            f"({cpu1:.1f} CPU s/video), 2 workers {two:.1f} videos/min ({cpu2:.1f} CPU s/video) = "
            f"{two / one:.2f} x  target >= 1.7 x (best of {args.repeats}; load average now "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
        )


if __name__ == "__main__":
    main()
