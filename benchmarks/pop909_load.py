"""Loading all 909 POP909 songs: cold (parse every file, 2 worker processes) and from the cache.

`python -m benchmarks.pop909_load`. Target: under 60 s on 2 cores.
"""

from __future__ import annotations

import os
import tempfile
import time

from bgm_studio.music.pop909 import load_split

from .common import hardware, reference_seconds


def main() -> None:
    print(hardware())
    ref = reference_seconds()
    with tempfile.TemporaryDirectory() as cache:
        os.environ["BGM_CACHE"] = cache
        t0 = time.perf_counter()
        songs, problems = load_split("all", workers=2)
        cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        load_split("all", workers=2)
        warm = time.perf_counter() - t0
    notes = sum(len(s.notes) for s in songs)
    print(f"songs loaded {len(songs)}, skipped {len(problems)}, notes {notes}")
    print(f"cold load (2 workers): {cold:.1f} s  (target < 60 s)  = {cold / ref:.0f} x reference workload")
    print(f"cached load:           {warm:.2f} s  = {cold / warm:.0f} x faster than cold")


if __name__ == "__main__":
    main()
