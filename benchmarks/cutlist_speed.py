"""Scoring from an editor's cut list against detection: `python -m benchmarks.cutlist_speed`.

The video stage of scoring (decode, shots, per-shot features) on the same video, once with
shot detection and once with the shots from a cut list (.otio), which skips detection and
shrinks and measures only the feature samples. Best of three runs each, no cache; the target
is a ratio of at least 2.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import opentimelineio as otio

from benchmarks.audio_common import hardware
from bgm_studio.video.analysis import analyze_video
from bgm_studio.video.cutlist import read_cutlist
from bgm_studio.video.decode import probe

DEMO = Path(__file__).resolve().parents[1] / "resources" / "demo" / "demo_clip.mp4"


def write_cut_list(path: Path, cuts_s: list[float], duration_s: float, fps: float) -> Path:
    """An .otio timeline with one clip per shot, as an editor would export it."""
    rt, tr = otio.opentime.RationalTime, otio.opentime.TimeRange
    frames = [round(t * fps) for t in [0.0, *cuts_s, duration_s]]
    track = otio.schema.Track("V1", kind=otio.schema.TrackKind.Video)
    for i, (a, b) in enumerate(zip(frames, frames[1:])):
        track.append(otio.schema.Clip(f"shot {i}", source_range=tr(rt(0, fps), rt(b - a, fps))))
    timeline = otio.schema.Timeline("edit")
    timeline.tracks.append(track)
    otio.adapters.write_to_file(timeline, str(path))
    return path


def best_of(fn, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> int:
    print(hardware())
    detected = analyze_video(DEMO, use_cache=False)
    with tempfile.TemporaryDirectory() as tmp:
        timeline = write_cut_list(Path(tmp) / "edit.otio", detected.cut_times, detected.duration_s, detected.info.fps)

        def from_cut_list():
            info = probe(DEMO)
            return analyze_video(DEMO, use_cache=False, cuts=read_cutlist(timeline, info, info.duration_s))

        assert len(from_cut_list().shots) == len(detected.shots)
        detect_s = best_of(lambda: analyze_video(DEMO, use_cache=False))
        cutlist_s = best_of(from_cut_list)
    ratio = detect_s / cutlist_s
    print(f"{DEMO.name}: {detected.duration_s:.0f} s at {detected.info.width}x{detected.info.height}, "
          f"{len(detected.shots)} shots")
    print(f"detection {detect_s:.2f} s, cut list {cutlist_s:.2f} s: {ratio:.2f}x faster (target >= 2)")
    return 0 if ratio >= 2.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
