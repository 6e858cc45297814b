"""Synthesised test clips with known cut times, and damaged files for error handling.

Import as `from tests.video_clips import ShotSpec, make_clip` (run pytest as
`python -m pytest` from the repository root). Clips are written with PyAV
(libx264, or another encoder), so timestamps, rotation and audio are exact.

    cuts = make_clip(path, [ShotSpec(seconds=2), ShotSpec(look="texture", pan=0.5)])

Ground truth: a hard cut is at the time of the first frame of the new shot; a
dissolve or a fade through black is at the middle of the transition.
"""

from __future__ import annotations

import functools
import math
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Callable, Sequence

import av
import cv2
import numpy as np

TIME_BASE = Fraction(1, 30000)  # exact for 25, 30, 29.97 and 50 fps, and accepted by MPEG-4 part 2


@dataclass(frozen=True)
class ShotSpec:
    """How one synthetic shot looks and moves."""

    seconds: float = 2.0  # length of the shot on the timeline
    look: str = "gradient"  # "gradient" (smooth colour ramp) or "texture" (busy detail)
    hue: float = 30.0  # base hue in degrees (30 warm orange, 210 cool blue)
    brightness: float = 0.6  # mean level 0..1
    saturation: float = 0.6  # colour strength 0..1
    pan: float = 0.0  # camera pan speed, frame widths per second
    motion: float = 0.0  # speed of the moving shapes, frame widths per second
    shapes: int = 4  # number of moving shapes
    seed: int = 0
    grain: float = 0.0  # standard deviation of fresh noise in every frame, 0..1 (film grain, a dark camera)


class _Scene:
    """Renders one ShotSpec at any local time (negative times are fine, for dissolves)."""

    def __init__(self, spec: ShotSpec, size: tuple[int, int]) -> None:
        w, h = size
        rng = np.random.default_rng(spec.seed)
        self.spec, self.w, self.h = spec, w, h
        self.background = _background(spec, 3 * w, h, rng)  # wide, so a pan never runs out
        self.shapes = [
            (rng.random(2), rng.uniform(-1, 1, 2), rng.uniform(0.06, 0.14) * h, _colour(spec, rng))
            for _ in range(spec.shapes)
        ]

    def frame(self, t: float) -> np.ndarray:
        """RGB image (h, w, 3) uint8 at local time t seconds."""
        w, h, spec = self.w, self.h, self.spec
        x0 = int(_bounce(spec.pan * t / 2.0) * 2 * w)  # pan back and forth over the wide background
        img = self.background[:, x0 : x0 + w].copy()
        for start, direction, radius, colour in self.shapes:
            d = direction / (np.linalg.norm(direction) + 1e-9)
            pos = start + d * spec.motion * t * w / np.array([w, h])
            cx, cy = int(_bounce(pos[0]) * w), int(_bounce(pos[1]) * h)
            cv2.circle(img, (cx, cy), int(radius), colour, -1, lineType=cv2.LINE_AA)
        if spec.grain:
            noise = np.random.default_rng([spec.seed, int(round(t * 1e4)) % 2**32]).normal(
                0, spec.grain * 255, img.shape
            )
            img = np.clip(img + noise, 0, 255).astype(np.uint8)
        return img


def _bounce(x: float) -> float:
    """Triangle wave in [0, 1]: a position that reflects at the frame edges."""
    x = abs(x) % 2.0
    return 2.0 - x if x > 1.0 else x


def _hsv_to_rgb(h: np.ndarray, s: np.ndarray, v: np.ndarray) -> np.ndarray:
    hsv = np.stack([h / 2.0, s * 255, v * 255], axis=-1).astype(np.uint8)  # OpenCV hue is 0..180
    return cv2.cvtColor(hsv.reshape(-1, 1, 3), cv2.COLOR_HSV2RGB).reshape(hsv.shape)


def _colour(spec: ShotSpec, rng: np.random.Generator) -> tuple[int, int, int]:
    hue = (spec.hue + rng.uniform(-60, 60)) % 360
    v = min(1.0, spec.brightness * 1.4 + 0.1)
    rgb = _hsv_to_rgb(np.array(hue), np.array(min(1.0, spec.saturation + 0.2)), np.array(v))
    return tuple(int(c) for c in rgb)


def _background(spec: ShotSpec, w: int, h: int, rng: np.random.Generator) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    ramp = 0.5 + 0.5 * np.sin(xx / w * 6 * math.pi + yy / h * 1.5)
    hue = (spec.hue + 25 * ramp) % 360
    value = np.clip(spec.brightness * (0.75 + 0.5 * ramp), 0, 1)
    if spec.look == "texture":
        noise = cv2.GaussianBlur(rng.random((h, w)).astype(np.float32), (0, 0), 2.0)
        stripes = (np.sin(xx / 7.0 + 3 * np.sin(yy / 23.0)) > 0.3).astype(np.float32)
        value = np.clip(value * (0.55 + 0.6 * (noise - noise.mean()) * 4 + 0.35 * stripes), 0, 1)
    return _hsv_to_rgb(hue, np.full_like(hue, spec.saturation), value)


def frame_times(seconds: float, fps: float, vfr: bool = False, drop_every: int = 0) -> np.ndarray:
    """Presentation times of the frames; with vfr, intervals alternate between 0.5 and 1.5 frames;
    with drop_every = n, the middle frame of every n is missing, as a phone drops frames."""
    if not vfr:
        times = np.arange(int(round(seconds * fps))) / fps
        return np.delete(times, np.arange(drop_every // 2, len(times), drop_every)) if drop_every else times
    steps = np.tile([0.5 / fps, 1.5 / fps, 1.0 / fps, 1.0 / fps], int(seconds * fps) + 4)
    times = np.concatenate([[0.0], np.cumsum(steps)])
    return times[times < seconds - 1e-9]


def _transitions(transition: str | Sequence[str], n_cuts: int) -> list[str]:
    kinds = [transition] * n_cuts if isinstance(transition, str) else list(transition)
    if len(kinds) != n_cuts or not set(kinds) <= {"cut", "dissolve", "fade"}:
        raise ValueError(f"need {n_cuts} transitions from cut/dissolve/fade, got {kinds}")
    return kinds


def _mix(scene: Callable[[int], _Scene], starts: np.ndarray, kinds: list[str], half: float, t: float) -> np.ndarray:
    """The picture at time t: the current shot, blended with its neighbour inside a transition."""
    k = int(np.searchsorted(starts, t, side="right")) - 1
    img = scene(k).frame(t - starts[k]).astype(np.float32)
    if k + 1 < len(starts) - 1 and kinds[k] != "cut" and t >= starts[k + 1] - half:  # before the next boundary
        nxt, kind, a = k + 1, kinds[k], (t - starts[k + 1] + half) / (2 * half)
    elif k > 0 and kinds[k - 1] != "cut" and t < starts[k] + half:  # after the previous boundary
        nxt, kind, a = k - 1, kinds[k - 1], (starts[k] + half - t) / (2 * half)
    else:
        return img.astype(np.uint8)
    other = scene(nxt).frame(t - starts[nxt]).astype(np.float32)
    if kind == "fade":
        return (img * abs(1 - 2 * a)).astype(np.uint8)
    return (img * (1 - a) + other * a).astype(np.uint8)


def make_clip(
    path: str | Path,
    shots: Sequence[ShotSpec],
    size: tuple[int, int] = (320, 180),
    fps: float = 25.0,
    transition: str | Sequence[str] = "cut",
    transition_s: float = 1.0,
    rotation: int = 0,
    vfr: bool = False,
    drop_every: int = 0,
    audio: bool = False,
    codec: str = "libx264",
    pix_fmt: str = "yuv420p",
    flashes: dict[float, Sequence[float]] | None = None,
) -> list[float]:
    """Write a clip of `shots` (size = (width, height) as stored) and return the ground-truth cut times.

    transition: one kind for every cut or one per cut ("cut", "dissolve", "fade");
    rotation: display rotation in degrees counter-clockwise, written to the container;
    vfr: irregular frame intervals; drop_every: drop one frame in so many, keeping the stated rate
    (a phone's variable-rate clip: 30 fps dropping one in 15 averages 28); audio: add a quiet 440 Hz AAC track;
    flashes: {time_s: whiteness 0..1 of each frame from the one at time_s on}, e.g. a camera flash dying away.
    """
    starts = np.concatenate([[0.0], np.cumsum([s.seconds for s in shots])])
    kinds = _transitions(transition, len(shots) - 1)
    scene = functools.lru_cache(maxsize=3)(lambda k: _Scene(shots[k], size))  # built when first needed
    times = frame_times(float(starts[-1]), fps, vfr, drop_every)
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=Fraction(fps).limit_denominator(1001))
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], pix_fmt
        time_base = TIME_BASE if vfr else 1 / stream.codec_context.framerate  # AVI needs one tick per frame
        stream.codec_context.time_base = time_base
        if codec == "libx264":
            stream.options = {"crf": "20", "preset": "veryfast"}
        if rotation:
            stream.set_display_rotation(rotation)
        sound = _add_audio(container) if audio else None
        lit = _lit_frames(times, flashes or {})
        for t, white in zip(times, lit):
            picture = _mix(scene, starts, kinds, transition_s / 2, t)
            picture = (picture * (1 - white) + 255 * white).astype(np.uint8) if white else picture
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts, frame.time_base = int(round(t / time_base)), time_base
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
        if sound is not None:
            _write_tone(container, sound, float(starts[-1]))
    return [_cut_time(times, b, kind) for b, kind in zip(starts[1:-1], kinds)]


def make_phone_clip(path: str | Path) -> list[float]:
    """A phone's variable-rate clip: 6 s at a stated 30 fps with one frame in 15 dropped (28 on average),
    three shots cut at 2.0 and 3.5 s (frames 60 and 105 at 30 fps); returns those cut times."""
    shots = [ShotSpec(2.0, seed=1), ShotSpec(1.5, "texture", hue=210, seed=2), ShotSpec(2.5, hue=60, seed=3)]
    return make_clip(path, shots, fps=30.0, drop_every=15)


def _lit_frames(times: np.ndarray, flashes: dict[float, Sequence[float]]) -> np.ndarray:
    """Whiteness per frame: each flash lights the frames from the first at or after its time."""
    white = np.zeros(len(times))
    for t, levels in flashes.items():
        first = int(np.searchsorted(times, t - 1e-9))
        white[first : first + len(levels)] = np.asarray(levels)[: len(times) - first]
    return white


def _cut_time(times: np.ndarray, boundary: float, kind: str) -> float:
    if kind == "cut":
        return float(times[np.searchsorted(times, boundary - 1e-9)])
    return float(boundary)


def _add_audio(container: av.container.OutputContainer) -> av.audio.stream.AudioStream:
    return container.add_stream("aac", rate=48000, layout="mono")


def _write_tone(container: av.container.OutputContainer, stream: av.audio.stream.AudioStream, seconds: float) -> None:
    n = int(seconds * 48000)
    samples = (0.1 * np.sin(2 * np.pi * 440 * np.arange(n) / 48000)).astype(np.float32)
    for i in range(0, n, 1024):
        frame = av.AudioFrame.from_ndarray(samples[None, i : i + 1024], format="flt", layout="mono")
        frame.sample_rate, frame.pts = 48000, i
        container.mux(stream.encode(frame))
    container.mux(stream.encode())


def make_bad_file(path: str | Path, kind: str) -> Path:
    """Write a broken or unusual input: "empty", "text", "truncated", "audio_only", "one_frame", "bad_codec".

    "truncated" keeps the first 60% of a 4 s clip whose index sits at the start (faststart);
    "bad_codec" is an AVI whose codec tag was overwritten with one no decoder knows.
    """
    path = Path(path)
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("this is not a video\n" * 50)
    elif kind == "truncated":
        _ffmpeg(
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=320x180:r=25:d=4",
            "-c:v",
            "libx264",
            "-g",
            "25",
            "-movflags",
            "+faststart",
            str(path),
        )
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * 0.6)])
    elif kind == "audio_only":
        _ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:a", "aac", str(path))
    elif kind == "one_frame":
        make_clip(path, [ShotSpec(seconds=0.04)])
    elif kind == "bad_codec":
        _ffmpeg("-f", "lavfi", "-i", "testsrc2=s=160x90:r=10:d=1", "-c:v", "mjpeg", "-f", "avi", str(path))
        path.write_bytes(path.read_bytes().replace(b"MJPG", b"QQQQ"))
    else:
        raise ValueError(f"unknown bad file kind {kind!r}")
    return path


def make_pattern_clip(path: str | Path, seconds: float, x264_params: str = "keyint=100", keep: float = 1.0) -> Path:
    """A moving test pattern at 160x90, 25 fps, encoded by x264 with `x264_params` (e.g. "open-gop=1",
    "intra-refresh=1"), its index at the start; keep < 1 cuts the file off after that share of its bytes."""
    path = Path(path)
    _ffmpeg(
        "-f", "lavfi", "-i", f"testsrc2=s=160x90:r=25:d={seconds}", "-c:v", "libx264",
        "-x264-params", x264_params, "-movflags", "+faststart", str(path),
    )  # fmt: skip
    if keep < 1.0:
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * keep)])
    return path


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def make_slideshow(path: str | Path, seconds: Sequence[float], x264_params: str = "") -> list[float]:
    """Stills of clearly different looks at 320x180, one frame each held for its `seconds` (a photo
    slideshow exported at a low or variable frame rate), encoded by FFmpeg's x264 with `x264_params`
    (e.g. "bframes=2:b-adapt=0:b-pyramid=none": frames no other depends on, which PyAV's x264 does not
    write); returns the cut times."""
    path = Path(path)
    looks = [("gradient", 30.0, 0.7), ("texture", 210.0, 0.45), ("gradient", 120.0, 0.5), ("texture", 300.0, 0.6)]
    lines = []
    for k, held in enumerate(seconds):
        look, hue, brightness = looks[k % len(looks)]
        spec = ShotSpec(look=look, hue=hue + 17 * k, brightness=brightness, seed=k)
        still = path.with_name(f"{path.stem}_still{k}.png")
        cv2.imwrite(str(still), cv2.cvtColor(_Scene(spec, (320, 180)).frame(0.0), cv2.COLOR_RGB2BGR))
        lines += [f"file '{still.name}'", f"duration {held}"]
    listing = path.with_name(f"{path.stem}_stills.txt")
    listing.write_text("\n".join(lines + [lines[-2]]) + "\n")  # the concat demuxer holds the last still only so
    params = ["-x264-params", x264_params] if x264_params else []
    _ffmpeg(
        "-f", "concat", "-i", str(listing), "-c:v", "libx264", *params, "-pix_fmt", "yuv420p",
        "-fps_mode", "vfr", str(path),
    )  # fmt: skip
    return [float(t) for t in np.cumsum(seconds)[:-1]]


def make_held_clip(
    path: str | Path, shots: Sequence[ShotSpec], moving_s: float = 1.0, fps: float = 30.0
) -> list[float]:
    """A variable-rate screen recording: each shot moves for moving_s at `fps`, then holds still for the
    rest of its `seconds` with no frames, as a recorder writes only frames that change; returns the cut times."""
    starts = np.concatenate([[0.0], np.cumsum([s.seconds for s in shots])])
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        stream.width, stream.height, stream.pix_fmt = 320, 180, "yuv420p"
        stream.codec_context.time_base = TIME_BASE
        stream.options = {"crf": "20", "preset": "veryfast"}
        for spec, start in zip(shots, starts):
            scene = _Scene(spec, (320, 180))
            for t in np.arange(round(moving_s * fps)) / fps:
                frame = av.VideoFrame.from_ndarray(scene.frame(t), format="rgb24")
                frame.pts, frame.time_base = int(round((start + t) / TIME_BASE)), TIME_BASE
                container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return [float(t) for t in starts[1:-1]]
