"""Fast montages of real footage: pieces of the hand-labelled real clips' shots, cut together.

A piece is 0.4-0.8 s (or as asked) of one shot of a clip of benchmarks/real_clips.py, never
of the shot before it; its frames are taken at 25 fps (a slower clip's frames repeat, as an
editor's timeline does). Every join is a hard cut at a known frame.

    cuts = make_montage(path, n_pieces=31, shortest_s=0.4, longest_s=0.8, seed=0)
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from benchmarks.real_clips import CLIPS, fetch

FPS = 25
SIZE = (480, 270)


def clip_shots() -> list[tuple[Path, int, int, float]]:
    """(path, first frame, end frame, fps) of every labelled shot of the real clips (fetched on first use)."""
    shots = []
    for clip in CLIPS:
        path = fetch(clip)
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            n, fps = sum(1 for _ in container.decode(stream)), float(stream.average_rate or FPS)
        bounds = [0, *sorted(clip.cut_frames + clip.too_short), n]
        shots += [(path, a, b, fps) for a, b in zip(bounds, bounds[1:]) if b - a > fps * 0.9]
    return shots


def make_montage(path: Path, n_pieces: int, shortest_s: float, longest_s: float, seed: int) -> list[float]:
    """Write a montage of n_pieces pieces and return its cut times in seconds."""
    rng = np.random.default_rng(seed)
    shots = clip_shots()
    pieces: list[tuple[int, list[int]]] = []  # (shot, source frame of every montage frame)
    for _ in range(n_pieces):
        frames = int(round(rng.uniform(shortest_s, longest_s) * FPS))
        choices = [k for k, s in enumerate(shots) if (s[2] - s[1]) / s[3] > frames / FPS + 0.1]
        k = int(rng.choice([c for c in choices if not pieces or c != pieces[-1][0]]))
        source, first, end, fps = shots[k]
        start = rng.uniform(first, end - frames * fps / FPS - 1)
        pieces.append((k, [int(start + j * fps / FPS) for j in range(frames)]))
    pictures = _pictures({(shots[k][0], i) for k, frames in pieces for i in frames})
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = SIZE[0], SIZE[1], "yuv420p"
        stream.options = {"crf": "20", "preset": "veryfast"}
        stream.codec_context.time_base = Fraction(1, FPS)
        for k, frames in pieces:
            for i in frames:
                container.mux(stream.encode(av.VideoFrame.from_ndarray(pictures[shots[k][0], i], format="rgb24")))
        container.mux(stream.encode())
    lengths = np.cumsum([len(frames) for _, frames in pieces])[:-1]
    return [float(n / FPS) for n in lengths]


def _pictures(wanted: set[tuple[Path, int]]) -> dict[tuple[Path, int], np.ndarray]:
    """The wanted (clip, frame index) pictures as RGB arrays of SIZE."""
    out = {}
    for source in {p for p, _ in wanted}:
        with av.open(str(source)) as container:
            for i, frame in enumerate(container.decode(container.streams.video[0])):
                if (source, i) in wanted:
                    out[source, i] = cv2.resize(frame.to_ndarray(format="rgb24"), SIZE, interpolation=cv2.INTER_AREA)
    return out
