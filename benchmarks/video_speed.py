"""Speed and memory of video analysis: `python -m benchmarks.video_speed [--long-minutes 30]`.

Clips are synthesised (tests/video_clips.py) at 720p and 1080p. Speed is given
as a multiple of real time and against plain decoding of every frame measured
in the same run (the machine is shared, so absolute times drift; CPU seconds,
decoder threads included, drift less). Peak memory
is measured in a child process on a long 1080p video made by repeating a
one-minute clip with ffmpeg's concat demuxer (stream copy, no re-encoding).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import av

from benchmarks.audio_common import hardware
from bgm_studio.video.analysis import analyze_video
from bgm_studio.video.config import AnalysisConfig
from tests.video_clips import ShotSpec, make_clip

SHOTS = [
    ShotSpec(seconds=4.0, hue=30, brightness=0.7, motion=0.1, seed=1),
    ShotSpec(seconds=4.0, look="texture", hue=210, brightness=0.5, pan=0.4, seed=2),
    ShotSpec(seconds=3.0, hue=60, brightness=0.6, motion=1.5, shapes=8, seed=3),
    ShotSpec(seconds=4.0, look="texture", hue=120, brightness=0.25, motion=0.3, seed=4),
    ShotSpec(seconds=3.0, hue=330, brightness=0.6, motion=0.6, seed=5),
    ShotSpec(seconds=4.0, look="texture", hue=20, brightness=0.55, pan=0.8, motion=0.8, seed=6),
    ShotSpec(seconds=4.0, hue=250, brightness=0.4, motion=0.2, seed=7),
    ShotSpec(seconds=4.0, look="texture", hue=90, brightness=0.65, pan=0.2, seed=8),
]  # 30 s


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process and its threads) of one call."""
    cpu0, t0 = time.process_time(), time.perf_counter()
    fn()
    return time.perf_counter() - t0, time.process_time() - cpu0


def decode_all(path: Path) -> None:
    """Decode every frame with PyAV's threaded decoder, converting nothing (the baseline)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for _ in container.decode(stream):
            pass


def speed_rows(folder: Path, repeats: int = 3) -> list[str]:
    """Best of `repeats` interleaved runs of: plain decoding, analysis, analysis decoding every frame."""
    rows = [
        f"{'clip':<16} {'decode wall/cpu':>16} {'analyse wall/cpu':>17} {'x real time':>11} "
        f"{'vs decode':>9} {'all frames':>10} {'x real time':>11}"
    ]
    for name, size in [("720p", (1280, 720)), ("1080p", (1920, 1080))]:
        path = folder / f"clip_{name}.mp4"
        make_clip(path, SHOTS, size=size, fps=25, transition=["cut", "dissolve"] * 3 + ["fade"])
        duration = sum(s.seconds for s in SHOTS)
        runs = {"decode": [], "fast": [], "full": []}
        for _ in range(repeats):
            runs["decode"].append(timed(lambda: decode_all(path)))
            runs["fast"].append(timed(lambda: analyze_video(path, AnalysisConfig(), use_cache=False)))
            runs["full"].append(timed(lambda: analyze_video(path, AnalysisConfig(fast_decode=False), use_cache=False)))
        (dw, dc), (fw, fc), (uw, _) = (min(r) for r in runs.values())
        rows.append(
            f"{name + ' 30s':<16} {dw:>8.2f}s/{dc:>5.2f}s {fw:>9.2f}s/{fc:>5.2f}s {duration / fw:>10.1f}x "
            f"{fw / dw:>8.2f}x {uw:>9.2f}s {duration / uw:>10.1f}x"
        )
    return rows


def long_video(folder: Path, minutes: int) -> Path:
    """A 1080p video of `minutes` minutes: a one-minute clip repeated without re-encoding."""
    one = folder / "minute_1080p.mp4"
    make_clip(one, SHOTS * 2, size=(1920, 1080), fps=25, transition="cut")
    listing = folder / "list.txt"
    listing.write_text("".join(f"file '{one}'\n" for _ in range(minutes)))
    out = folder / f"long_{minutes}min_1080p.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            str(listing),
            "-c",
            "copy",
            str(out),
        ],
        check=True,
    )
    return out


_CHILD = """
import sys, time
from bgm_studio.video.analysis import analyze_video

def peak_mb():  # VmHWM: this process's own peak; ru_maxrss would include the parent's pages from fork
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM")) / 1024

base = peak_mb()
t0 = time.perf_counter()
a = analyze_video(sys.argv[1], use_cache=False)
print(base, peak_mb(), time.perf_counter() - t0, a.duration_s, len(a.shots), len(a.series.t_s))
"""


def memory_row(path: Path) -> str:
    """Analyse in a child process and read its peak resident memory."""
    out = subprocess.run([sys.executable, "-c", _CHILD, str(path)], check=True, capture_output=True, text=True)
    base, peak, seconds, duration, shots, samples = (float(x) for x in out.stdout.split())
    return (
        f"{duration / 60:.1f} min 1080p: peak RSS {peak:.0f} MB (after imports {base:.0f} MB), "
        f"{seconds:.0f} s = {duration / seconds:.1f}x real time, {shots:.0f} shots, {samples:.0f} samples"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--long-minutes", type=int, default=30, help="length of the memory test video (0: skip)")
    args = parser.parse_args()
    print(hardware())
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for row in speed_rows(folder):
            print(row, flush=True)
        if args.long_minutes:
            print(memory_row(long_video(folder, args.long_minutes)))


if __name__ == "__main__":
    main()
