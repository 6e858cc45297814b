"""Run every benchmark in turn, each in its own process: `python -m benchmarks`."""

from __future__ import annotations

import subprocess
import sys

BENCHMARKS = (
    "pop909_load",
    "model_speed",
    "scoring",
    "video_shots",
    "video_speed",
    "video_fingerprint",
    "audio_render",
    "audio_clock",
    "cutlist_speed",
    "midi_timing",
    "end_to_end",
    "batch_speed",
    "composition",
    "arrangement",
    "app_stall",
    "app_startup",
)


def main() -> int:
    failed = []
    for name in BENCHMARKS:
        print(f"\n== {name} ==", flush=True)
        if subprocess.run([sys.executable, "-m", f"benchmarks.{name}"]).returncode:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
