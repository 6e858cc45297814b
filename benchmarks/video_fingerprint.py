"""What the analysis cache's content key costs: `python -m benchmarks.video_fingerprint [--minutes 3]`.

The key hashes every packet analysis reads (video/cache.py content_key), so a video damaged with its
size and time kept is analysed again. It is timed against the analysis it guards, on the same
1080p video in the same run (the machine is shared: best of `--repeats` interleaved runs, and the
spread), beside the sampled `fingerprint` it replaced as the key (size and 16 blocks).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Callable

from benchmarks.audio_common import hardware
from benchmarks.video_speed import long_video
from bgm_studio.video.analysis import analyze_video
from bgm_studio.video.cache import content_key, fingerprint


def seconds(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=int, default=3, help="length of the 1080p test video")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(hardware())
    with tempfile.TemporaryDirectory() as tmp:
        path = long_video(Path(tmp), args.minutes)
        size_mb = path.stat().st_size / 1e6
        runs: dict[str, list[float]] = {"sampled fingerprint": [], "content key": [], "analysis": []}
        for _ in range(args.repeats):
            runs["sampled fingerprint"].append(seconds(lambda: fingerprint(path)))
            runs["content key"].append(seconds(lambda: content_key(path)))
            runs["analysis"].append(seconds(lambda: analyze_video(path, use_cache=False)))
    print(f"{args.minutes} min 1080p, {size_mb:.0f} MB; best of {args.repeats} (spread max/min)")
    for name, times in runs.items():
        print(f"{name:<20} {min(times):8.3f} s  (spread {max(times) / min(times):.2f}x)")
    ratio = min(runs["content key"]) / min(runs["analysis"])
    print(f"content key / analysis: {100 * ratio:.1f}% (a cached analysis now costs the content key)")


if __name__ == "__main__":
    main()
