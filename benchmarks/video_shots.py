"""Shot detection accuracy: `python -m benchmarks.video_shots [--clips 8]`.

Precision and recall of cuts within +-2 frames on synthesised clips with known
cut times (tests/video_clips.py): one set per kind of transition, shots of
random look and pace (camera pans, fast shapes, dark and washed-out scenes,
neighbouring shots of similar colour); then real clips whose cuts we labelled by
hand (benchmarks/real_clips.py), and fast montages of pieces of them, 0.4-0.8 s each
(benchmarks/real_montage.py). PySceneDetect's detectors, run on the same
files, give a point of comparison.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
import warnings
from pathlib import Path
from typing import Callable

import numpy as np

from benchmarks.audio_common import hardware
from benchmarks.real_clips import CLIPS, fetch, labelled_cuts
from benchmarks.real_montage import make_montage
from bgm_studio.video.analysis import analyze_video
from bgm_studio.video.config import AnalysisConfig
from tests.video_clips import ShotSpec, make_clip

FPS = 25.0
SIZE = (480, 270)
SETS = {  # name: (transition, transition lengths to draw from)
    "hard cuts": ("cut", [1.0]),
    "dissolves 1 s": ("dissolve", [1.0]),
    "fades 1 s": ("fade", [1.0]),
    "dissolves 0.5 s": ("dissolve", [0.5]),
    "dissolves 2 s": ("dissolve", [2.0]),
}


def random_shots(rng: np.random.Generator, n: int, min_s: float) -> list[ShotSpec]:
    """Shots of random look and pace; about one neighbour in four shares the previous shot's hue."""
    shots: list[ShotSpec] = []
    for i in range(n):
        hue = shots[-1].hue + rng.uniform(-20, 20) if shots and rng.random() < 0.25 else rng.uniform(0, 360)
        shots.append(
            ShotSpec(
                seconds=float(rng.uniform(max(1.5, min_s), 4.0)),
                look=str(rng.choice(["gradient", "texture"])),
                hue=float(hue % 360),
                brightness=float(rng.uniform(0.15, 0.8)),
                saturation=float(rng.uniform(0.15, 0.85)),
                pan=float(rng.choice([0.0, 0.0, 0.2, 0.6, 1.0])),
                motion=float(rng.choice([0.0, 0.3, 1.0, 2.0])),
                shapes=int(rng.integers(2, 9)),
                seed=int(rng.integers(1 << 30)),
            )
        )
    return shots


def make_set(folder: Path, name: str, clips: int, seed: int) -> list[tuple[Path, list[float]]]:
    kind, lengths = SETS[name]
    rng = np.random.default_rng(seed)
    out = []
    for c in range(clips):
        length = float(rng.choice(lengths))
        path = folder / f"{name.replace(' ', '_')}_{c}.mp4"
        shots = random_shots(rng, 7, min_s=length + 0.6)
        out.append((path, make_clip(path, shots, size=SIZE, fps=FPS, transition=kind, transition_s=length)))
    return out


def matches(found: list[float], truth: list[float], tolerance_s: float) -> int:
    """Detections paired one-to-one with true cuts no farther than tolerance_s."""
    free = sorted(found)
    hits = 0
    for t in truth:
        near = [f for f in free if abs(f - t) <= tolerance_s]
        if near:
            free.remove(min(near, key=lambda f: abs(f - t)))
            hits += 1
    return hits


def ours(fast_decode: bool) -> Callable[[Path], list[float]]:
    return lambda path: analyze_video(path, AnalysisConfig(fast_decode=fast_decode), use_cache=False).cut_times


def scenedetect_detector(name: str) -> Callable[[Path], list[float]]:
    def run(path: Path) -> list[float]:
        import scenedetect

        detector = getattr(scenedetect, name)()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            scenes = scenedetect.detect(str(path), detector)
            return [float(start.get_seconds()) for start, _ in scenes[1:]]

    return run


def score(clips: list[tuple[Path, list[float]]], detector: Callable[[Path], list[float]]) -> tuple[float, float, float]:
    """(precision, recall, seconds) over a set of clips."""
    tolerance = 2.0 / FPS + 1e-6
    hits = found_n = truth_n = 0
    t0 = time.perf_counter()
    for path, truth in clips:
        found = detector(path)
        hits += matches(found, truth, tolerance)
        found_n, truth_n = found_n + len(found), truth_n + len(truth)
    return hits / max(found_n, 1), hits / max(truth_n, 1), time.perf_counter() - t0


def score_real(
    clips: list[tuple[Path, list[float], list[float], float]], detector: Callable[[Path], list[float]]
) -> tuple[float, float, float]:
    """(precision, recall, seconds) on hand-labelled clips; cuts too close to leave a shot are ignored."""
    hits = found_n = truth_n = 0
    t0 = time.perf_counter()
    for path, truth, too_short, frame_s in clips:
        tolerance = 2.0 * frame_s + 1e-6
        found = [f for f in detector(path) if not any(abs(f - t) <= tolerance for t in too_short)]
        hits += matches(found, truth, tolerance)
        found_n, truth_n = found_n + len(found), truth_n + len(truth)
    return hits / max(found_n, 1), hits / max(truth_n, 1), time.perf_counter() - t0


def real_set() -> list[tuple[Path, list[float], list[float], float]]:
    """The hand-labelled real clips, fetched on first use; an empty list (with a note) if they cannot be."""
    out = []
    for clip in CLIPS:
        try:
            path = fetch(clip)
        except (OSError, subprocess.CalledProcessError, KeyError, StopIteration) as exc:
            print(f"real clip {clip.name} unavailable ({exc}); the real set is skipped")
            return []
        out.append((path, *labelled_cuts(clip, path)))
    return out


def montage_set(folder: Path, montages: int, seed: int) -> list[tuple[Path, list[float]]]:
    """Montages of 31 pieces of the real clips, 0.4-0.8 s each; an empty list if the clips cannot be fetched."""
    out = []
    for m in range(montages):
        path = folder / f"montage_{m}.mp4"
        try:
            out.append((path, make_montage(path, 31, 0.4, 0.8, seed=seed + m)))
        except (OSError, subprocess.CalledProcessError, KeyError, StopIteration) as exc:
            print(f"real clips unavailable ({exc}); the montages are skipped")
            return []
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clips", type=int, default=8, help="clips per set (7 shots each)")
    parser.add_argument("--seed", type=int, default=0, help="first random seed (the detector was tuned on 0)")
    parser.add_argument("--real-only", action="store_true", help="only the hand-labelled real clips and montages")
    parser.add_argument("--montages", type=int, default=4, help="montages of 31 pieces of the real clips")
    args = parser.parse_args()
    detectors = {
        "bgm_studio (fast decode)": ours(True),
        "bgm_studio (all frames)": ours(False),
        "PySceneDetect AdaptiveDetector": scenedetect_detector("AdaptiveDetector"),
        "PySceneDetect ContentDetector": scenedetect_detector("ContentDetector"),
    }
    print(hardware())
    print(
        f"{args.clips} clips of 7 shots per set, {SIZE[0]}x{SIZE[1]} {FPS:g} fps H.264, seed {args.seed}; "
        "a hit is within +-2 frames"
    )
    print(f"{'set':<19} {'cuts':>5} {'detector':<33} {'precision':>9} {'recall':>7} {'time':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for k, name in enumerate(() if args.real_only else SETS):
            clips = make_set(Path(tmp), name, args.clips, seed=args.seed + k)
            n = sum(len(truth) for _, truth in clips)
            for label, detector in detectors.items():
                precision, recall, seconds = score(clips, detector)
                print(f"{name:<19} {n:>5} {label:<33} {precision:>9.3f} {recall:>7.3f} {seconds:>6.1f}s", flush=True)
        montages = montage_set(Path(tmp), args.montages, args.seed)
        for label, detector in detectors.items() if montages else ():
            precision, recall, seconds = score(montages, detector)
            n = sum(len(truth) for _, truth in montages)
            print(
                f"{'real montages':<19} {n:>5} {label:<33} {precision:>9.3f} {recall:>7.3f} {seconds:>6.1f}s",
                flush=True,
            )
    real = real_set()
    if real:
        n = sum(len(truth) for _, truth, _, _ in real)
        print(f"real, hand-labelled: {', '.join(c.name for c in CLIPS)} (hard cuts only)")
        for label, detector in detectors.items():
            precision, recall, seconds = score_real(real, detector)
            print(
                f"{'real clips':<19} {n:>5} {label:<33} {precision:>9.3f} {recall:>7.3f} {seconds:>6.1f}s", flush=True
            )


if __name__ == "__main__":
    main()
