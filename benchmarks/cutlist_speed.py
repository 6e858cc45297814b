"""Scoring from an editor's cut list against detection: `python -m benchmarks.cutlist_speed`.

The video stage of scoring (decode, shots, per-shot features) on the same video, once with
shot detection and once with the shots from a cut list (.otio), which skips detection and
decodes and measures only the opening seconds of each shot (video.analysis.CUTLIST_MEASURE_S).
Best of five runs each, no cache; the target is a ratio of at least 2. Then a re-cut: a new cut
list for a video scored before, whose measures come from the cache (the editor changed the cut
and scores again).

It also times decoding every frame alone, as detection's analysis does it (same reader, same
skipped frames, no thumbnails): measuring the same frames as detection, a cut list could be at
most (decoding + detection) / decoding cheaper, however cheap the features became.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import opentimelineio as otio

from benchmarks.audio_common import hardware
from bgm_studio.video.analysis import CUTLIST_MEASURE_S, analyze_video
from bgm_studio.video.cutlist import read_cutlist
from bgm_studio.video.config import AnalysisConfig
from bgm_studio.video.decode import VideoReader, probe

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


def best_of(fns, repeats: int = 5) -> list[tuple[float, float]]:
    """(wall, CPU) seconds of each function, best of `repeats`, the functions taking turns so that
    a change in the machine's load hits them alike. CPU time counts every thread of this process."""
    best = [(float("inf"), float("inf"))] * len(fns)
    for _ in range(repeats):
        for k, fn in enumerate(fns):
            t0, c0 = time.perf_counter(), time.process_time()
            fn()
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            best[k] = (min(best[k][0], wall), min(best[k][1], cpu))
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
        (detect_s, detect_cpu), (cutlist_s, cutlist_cpu), (_, decode_cpu) = best_of(
            [lambda: analyze_video(DEMO, use_cache=False), from_cut_list, decode_only]
        )
        os.environ["BGM_CACHE"] = str(Path(tmp) / "cache")
        analyze_video(DEMO)  # scored once with detection: the video's measures are in the cache
        recut_s = min(recut(Path(tmp), detected, shift) for shift in (1, 2, 3))
    ratio = detect_cpu / cutlist_cpu
    print(
        f"{DEMO.name}: {detected.duration_s:.0f} s at {detected.info.width}x{detected.info.height}, "
        f"{len(detected.shots)} shots"
    )
    print(
        f"detection {detect_s:.2f} s wall, {detect_cpu:.2f} s CPU; cut list {cutlist_s:.2f} s wall, "
        f"{cutlist_cpu:.2f} s CPU: {ratio:.2f}x less CPU (target >= 2), {detect_s / cutlist_s:.2f}x wall"
    )
    print(
        f"decoding every frame alone {decode_cpu:.2f} s CPU (detection decodes them all; a cut list only "
        f"the first {CUTLIST_MEASURE_S:g} s of each shot, from the keyframe before it)"
    )
    print(f"re-cut (a new cut list for a video analysed before) {recut_s:.3f} s: {detect_s / recut_s:.0f}x faster")
    return 0 if ratio >= 2.0 else 1


def decode_only() -> None:
    """Every frame analysis decodes, decoded the way it does, with nothing shrunk or measured."""
    config = AnalysisConfig()
    with VideoReader(DEMO, config.fast_decode) as reader:
        for _ in reader.frames(config.frame_width, lambda t_s: False):
            pass


def recut(folder: Path, detected, shift: int) -> float:
    """Seconds to analyse with a new cut list (each cut `shift` frames later) a video in the cache."""
    cuts = [t + shift / detected.info.fps for t in detected.cut_times]
    timeline = write_cut_list(folder / f"recut{shift}.otio", cuts, detected.duration_s, detected.info.fps)
    t0 = time.perf_counter()
    info = probe(DEMO)
    analysis = analyze_video(DEMO, cuts=read_cutlist(timeline, info, info.duration_s))
    assert [round(t * detected.info.fps) for t in analysis.cut_times] == [round(t * detected.info.fps) for t in cuts]
    return time.perf_counter() - t0


if __name__ == "__main__":
    raise SystemExit(main())
