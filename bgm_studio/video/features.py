"""Dynamics and look of a video: a time series sampled at sample_fps, and per-shot summaries.

Units are chosen so that features compare across videos of any size and frame rate:
motion in frame widths per second, luma and saturation on 0..1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

import cv2
import numpy as np

from .config import AnalysisConfig
from .decode import Frame
from .encoders import SemanticEncoder
from .shots import Shot

_WARM_HUE = 30.0  # degrees: orange is the warmest hue, azure (210) the coolest
# Warmth of each 8-bit OpenCV hue (degrees / 2): a lookup instead of a cosine per pixel, the same float32 values.
_WARMTH_OF_HUE = np.cos(np.radians(np.arange(256, dtype=np.float32) * 2.0 - _WARM_HUE))


@dataclass(frozen=True, eq=False)
class FeatureSeries:
    """Features per analysis sample; every array has shape (n,)."""

    t_s: np.ndarray  # sample times in seconds (times of the decoded frames nearest the sample grid)
    motion: np.ndarray  # mean optical-flow speed, frame widths per second
    frame_diff: np.ndarray  # mean absolute luma change per second (luma on 0..1)
    brightness: np.ndarray  # mean luma 0..1
    contrast: np.ndarray  # luma standard deviation 0..1
    saturation: np.ndarray  # mean HSV saturation 0..1
    colourfulness: np.ndarray  # Hasler-Suesstrunk M: 0 grey, ~33 moderately, ~59 quite, ~82+ highly colourful
    warmth: np.ndarray  # -1 cool (blue, cyan) .. +1 warm (red, orange, yellow); 0 for grey
    cut_density: np.ndarray  # shot changes per minute within cut_window_s around t

    @staticmethod
    def names() -> tuple[str, ...]:
        """Feature names, without t_s."""
        return tuple(f.name for f in fields(FeatureSeries) if f.name != "t_s")

    def at(self, t_s: np.ndarray) -> dict[str, np.ndarray]:
        """Every feature linearly interpolated at the given times (e.g. beat times)."""
        return {name: np.interp(t_s, self.t_s, getattr(self, name)) for name in self.names()}

    def mean_between(self, start_s: float, end_s: float) -> dict[str, float]:
        """Every feature averaged over samples in [start_s, end_s) (the nearest sample if none falls inside)."""
        inside = _inside(self.t_s, start_s, end_s)
        return {name: float(getattr(self, name)[inside].mean()) for name in self.names()}


@dataclass(frozen=True, eq=False)
class ShotFeatures:
    """The summary of one shot: means over its samples, and a semantic embedding."""

    index: int
    start_s: float
    end_s: float
    transition: str  # how the shot begins: "start", "cut", "dissolve" or "fade"
    motion: float  # mean, frame widths per second
    motion_var: float  # standard deviation of motion over the shot
    frame_diff: float
    brightness: float
    contrast: float
    saturation: float
    colourfulness: float
    warmth: float
    cut_density: float
    embedding: np.ndarray  # shape=(dim,), unit length


@dataclass(frozen=True, eq=False)
class Keyframes:
    """Embeddings of the frames the semantic encoder saw."""

    t_s: np.ndarray  # shape=(k,)
    vectors: np.ndarray  # shape=(k, dim)


class FeatureTracker:
    """Measures look and motion on frames at sample_fps, and embeds one frame every embed_every_s."""

    def __init__(self, config: AnalysisConfig, encoder: SemanticEncoder) -> None:
        self._config, self._encoder = config, encoder
        self._next_t = 0.0
        self._next_embed_t = 0.0
        self._previous: tuple[float, np.ndarray, np.ndarray] | None = None  # time, flow frame, luma
        self._rows: list[tuple[float, ...]] = []
        self._key_t: list[float] = []
        self._key_vectors: list[np.ndarray] = []

    def wants(self, t_s: float) -> bool:
        """Whether a frame at t_s is a sample (the others are skipped by `add`)."""
        return t_s >= self._next_t - 0.25 / self._config.sample_fps

    def add(self, frame: Frame) -> None:
        period = 1.0 / self._config.sample_fps
        if not self.wants(frame.t_s):
            return
        self._next_t = (math.floor(frame.t_s / period + 0.5) + 1) * period
        rgb = cv2.cvtColor(frame.ycrcb, cv2.COLOR_YCrCb2RGB)
        luma = frame.ycrcb[..., 0]
        small = _flow_frame(luma, self._config.flow_width)
        motion, diff = self._dynamics(frame.t_s, small, luma)
        self._previous = (frame.t_s, small, luma)
        self._rows.append((frame.t_s, motion, diff, *_look(rgb, luma), 0.0))
        if frame.t_s >= self._next_embed_t - 0.25 * period:
            self._next_embed_t = frame.t_s + self._config.embed_every_s
            self._key_t.append(frame.t_s)
            self._key_vectors.append(self._encoder.encode([rgb])[0])

    def _dynamics(self, t: float, small: np.ndarray, luma: np.ndarray) -> tuple[float, float]:
        """Optical-flow speed and luma change per second since the previous sample (NaN for the first)."""
        if self._previous is None:
            return math.nan, math.nan
        t0, small0, luma0 = self._previous
        dt = max(t - t0, 1e-3)
        # OpenCV takes None for an output array it should allocate; its stubs before 5.1 do not say so.
        flow = cv2.calcOpticalFlowFarneback(small0, small, None, 0.5, 3, 9, 2, 5, 1.1, 0)  # type: ignore[call-overload, unused-ignore]
        squared = flow * flow  # the vector lengths as np.linalg.norm(flow, axis=2) computes them, without its overhead
        speed = float(np.sqrt(squared[..., 0] + squared[..., 1]).mean()) / small.shape[1] / dt
        diff = float(cv2.absdiff(luma0, luma).mean()) / 255.0 / dt
        return speed, diff

    def result(self) -> tuple[FeatureSeries, Keyframes]:
        """The raw series (cut density still zero, motion not yet cleaned at cuts) and the keyframes."""
        rows = np.array(self._rows, dtype=np.float64).reshape(-1, 9)
        series = FeatureSeries(*(rows[:, c] for c in range(9)))
        vectors = np.array(self._key_vectors, dtype=np.float32).reshape(-1, self._encoder.dim)
        return series, Keyframes(np.array(self._key_t), vectors)


def _flow_frame(luma: np.ndarray, width: int) -> np.ndarray:
    h, w = luma.shape
    size = (min(width, w), max(2, round(min(width, w) * h / w)))
    return cv2.resize(luma, size, interpolation=cv2.INTER_AREA)


def _look(rgb: np.ndarray, luma: np.ndarray) -> tuple[float, float, float, float, float]:
    """Brightness, contrast, saturation, colourfulness and warmth of one RGB frame."""
    y = luma.astype(np.float32) / 255.0
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    sat, val = hsv[..., 1].astype(np.float32) / 255.0, hsv[..., 2].astype(np.float32) / 255.0
    r, g, b = (rgb[..., c].astype(np.float32) for c in range(3))
    rg, yb = r - g, 0.5 * (r + g) - b
    colourful = math.hypot(rg.std(), yb.std()) + 0.3 * math.hypot(rg.mean(), yb.mean())
    chroma = sat * val
    warm = _WARMTH_OF_HUE.take(hsv[..., 0])
    warmth = float((chroma * warm).mean()) / max(float(chroma.mean()), 0.1)
    return float(y.mean()), float(y.std()), float(sat.mean()), colourful, warmth


def finish_series(series: FeatureSeries, shots: list[Shot], config: AnalysisConfig) -> FeatureSeries:
    """Clean motion across shot changes (flow between two shots means nothing) and add cut density."""
    motion, diff = series.motion.copy(), series.frame_diff.copy()
    t = series.t_s
    starts = np.array([s.start_s for s in shots[1:]])
    crossing = np.zeros(len(t), dtype=bool)
    crossing[0] = True
    if len(t) > 1 and len(starts):
        crossing[1:] = np.searchsorted(starts, t[1:], side="right") > np.searchsorted(starts, t[:-1], side="right")
    for values in (motion, diff):
        good = ~crossing & np.isfinite(values)
        values[:] = np.interp(t, t[good], values[good]) if good.any() else 0.0
    return replace(
        series,
        motion=motion,
        frame_diff=diff,
        cut_density=cut_density(t, starts, shots[-1].end_s if shots else 0.0, config.cut_window_s),
    )


def cut_density(t_s: np.ndarray, cuts_s: np.ndarray, duration_s: float, window_s: float) -> np.ndarray:
    """Cuts per minute in a window of window_s around each time (shortened at the ends of the video)."""
    lo, hi = np.maximum(t_s - window_s / 2, 0.0), np.minimum(t_s + window_s / 2, max(duration_s, 1e-3))
    count = np.searchsorted(cuts_s, hi, side="right") - np.searchsorted(cuts_s, lo, side="left")
    return count * 60.0 / np.maximum(hi - lo, 1e-3)


def shot_features(
    series: FeatureSeries, keyframes: Keyframes, shots: list[Shot], kinds: list[str]
) -> list[ShotFeatures]:
    """Per-shot means of a finished series; `kinds` says how each shot begins."""
    out = []
    for shot, kind in zip(shots, kinds):
        inside = _inside(series.t_s, shot.start_s, shot.end_s)
        means = {name: float(getattr(series, name)[inside].mean()) for name in series.names()}
        motion = series.motion[inside]
        out.append(
            ShotFeatures(
                index=shot.index,
                start_s=shot.start_s,
                end_s=shot.end_s,
                transition=kind,
                motion_var=float(motion.std()),
                embedding=_shot_embedding(keyframes, shot),
                **means,
            )
        )
    return out


def _shot_embedding(keyframes: Keyframes, shot: Shot) -> np.ndarray:
    inside = _inside(keyframes.t_s, shot.start_s, shot.end_s)
    mean = keyframes.vectors[inside].mean(axis=0)
    return (mean / (np.linalg.norm(mean) + 1e-9)).astype(np.float32)


def _inside(t_s: np.ndarray, start_s: float, end_s: float) -> np.ndarray:
    """Boolean mask of times in [start_s, end_s); the nearest time alone when none is inside."""
    mask = (t_s >= start_s) & (t_s < end_s)
    if not mask.any() and len(t_s):
        mask[int(np.argmin(np.abs(t_s - 0.5 * (start_s + end_s))))] = True
    return mask
