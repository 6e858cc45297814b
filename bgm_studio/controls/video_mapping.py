"""Video features -> music controls, by matching distributions.

Each shot feature becomes a percentile in [0, 1]: half from where it lies on a fixed
reference curve for videos in general (so a calm video stays calm), half from its rank
among the video's own shots (so shots contrast). The percentile then reads off the
distribution of the matching control over the bars of POP909's training songs
(quantile mapping), kept within the 5th-95th percentile so controls stay where the model
was trained. The mapping:
- density (onsets per bar) <- motion 80%, cut density 20%  (dynamic features steer rhythm)
- energy (velocity)        <- motion 50%, cut density 30%, contrast 20%
- register (mean pitch)    <- brightness 60%, warmth 20%, colourfulness 20%  (the look steers melody)
- mode                     <- minor where dark, cool and grey (mood score > 0.55)
- tempo pace               <- motion 50%, cut density 50% (see timing.pace_tempo)
A user's per-shot overrides (energy 0..1, density in onsets per bar, mode) win.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

import numpy as np

from ..atomic import atomic_path
from ..errors import BgmError
from .music_controls import measured_bar_controls

if TYPE_CHECKING:
    from ..music.pop909 import Song

DEFAULT_QUANTILES = Path(__file__).resolve().parents[2] / "models" / "control_quantiles.json"
CONTROL_NAMES = ("density", "energy", "register")
PERCENTILE_RANGE = (0.05, 0.95)


@dataclass(frozen=True)
class ShotOverrides:
    """What a user has set for one shot; None leaves the mapped value."""

    energy: float | None = None  # 0..1
    density: float | None = None  # onsets per bar
    mode: str | None = None  # "major" or "minor"
    locked: bool = False  # a locked shot is never re-sampled

    def __post_init__(self) -> None:
        if self.mode not in (None, "major", "minor"):
            raise BgmError(f"mode must be 'major' or 'minor', not {self.mode!r}")
        if self.energy is not None and not 0.0 <= self.energy <= 1.0:
            raise BgmError(f"energy must be between 0 and 1, not {self.energy}")
        if self.density is not None and not 0.0 < self.density <= 128:
            raise BgmError(f"density must be between 0 and 128 onsets per bar, not {self.density}")


@dataclass(frozen=True)
class ShotControls:
    """Controls for one shot (constant over its beats)."""

    density: float
    energy: float
    register: float
    minor: bool


@dataclass(frozen=True)
class ControlQuantiles:
    """101 quantiles (0%, 1%, ..., 100%) of each control over POP909 training bars."""

    table: dict[str, list[float]]

    @classmethod
    def fit(cls, songs: Iterable[Song]) -> "ControlQuantiles":
        values: dict[str, list[np.ndarray]] = {k: [] for k in CONTROL_NAMES}
        for song in songs:
            bars = measured_bar_controls(song.notes, song.n_steps // 16)
            busy = bars["density"] > 0
            for k in CONTROL_NAMES:
                values[k].append(bars[k][busy])
        q = np.linspace(0, 1, 101)
        return cls({k: np.quantile(np.concatenate(v), q).round(4).tolist() for k, v in values.items()})

    def value(self, name: str, percentile: float) -> float:
        lo, hi = PERCENTILE_RANGE
        return self.quantile(name, lo + float(np.clip(percentile, 0, 1)) * (hi - lo))

    def quantile(self, name: str, q: float) -> float:
        """The control's q-quantile over the train split's bars (not squeezed into PERCENTILE_RANGE as `value` is)."""
        return float(np.interp(q, np.linspace(0, 1, 101), self.table[name]))

    def save(self, path: str | os.PathLike[str]) -> None:
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps({"version": 1, "quantiles": self.table}))

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> "ControlQuantiles":
        path = Path(path or DEFAULT_QUANTILES)
        try:
            return cls(json.loads(path.read_text())["quantiles"])
        except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
            raise BgmError(f"{path}: cannot read control quantiles ({exc})") from exc


def _logistic(x: np.ndarray) -> np.ndarray:
    y: np.ndarray = 1.0 / (1.0 + np.exp(-x))
    return y


# Reference curves: feature value -> share of typical footage below it.
REFERENCE: dict[str, Callable[[Any], np.ndarray]] = {
    "motion": lambda v: _logistic((np.log(np.maximum(v, 0) + 1e-3) - np.log(0.03)) / 1.0),
    "cut_density": lambda v: _logistic((v - 12.0) / 6.0),
    "contrast": lambda v: np.clip(v / 0.3, 0, 1),
    "brightness": lambda v: np.clip((v - 0.15) / 0.6, 0, 1),
    "warmth": lambda v: np.clip((v + 1) / 2, 0, 1),
    "colourfulness": lambda v: np.clip(v / 80.0, 0, 1),
}


def feature_percentiles(shots: list[dict[str, float]]) -> dict[str, np.ndarray]:
    """Per feature, the percentile of each shot: mean of reference curve and within-video rank."""
    out = {}
    n = len(shots)
    for name, curve in REFERENCE.items():
        if any(name not in s for s in shots):
            raise BgmError(f"shot features lack {name!r}; analyse the video again (generate a new project)")
        v = np.array([float(s[name]) for s in shots])
        rank = np.argsort(np.argsort(v, kind="stable"), kind="stable") / (n - 1) if n > 1 else np.full(n, 0.5)
        out[name] = 0.5 * curve(v) + 0.5 * rank
    return out


def video_pace(shots: list[dict[str, float]]) -> float:
    """Pace of the whole video in [0, 1], from motion and cut density on the reference curves."""
    durations = np.array([s["end_s"] - s["start_s"] for s in shots])
    w = durations / durations.sum()
    motion = float((REFERENCE["motion"](np.array([s["motion"] for s in shots])) * w).sum())
    cuts = float(REFERENCE["cut_density"](len(shots) / max(durations.sum(), 1e-3) * 60.0))
    return 0.5 * motion + 0.5 * cuts


def map_shots(
    shots: list[dict[str, float]], quantiles: ControlQuantiles, overrides: list[ShotOverrides] | None = None
) -> list[ShotControls]:
    """Controls for every shot from its features (dicts as in `analyze --json`), overrides applied."""
    if not shots:
        raise BgmError("no shots to score")
    pct = feature_percentiles(shots)
    overrides = overrides or [ShotOverrides()] * len(shots)
    out = []
    for i, ov in enumerate(overrides):
        density = quantiles.value("density", 0.8 * pct["motion"][i] + 0.2 * pct["cut_density"][i])
        energy_p = 0.5 * pct["motion"][i] + 0.3 * pct["cut_density"][i] + 0.2 * pct["contrast"][i]
        energy = quantiles.value("energy", energy_p)
        register = quantiles.value(
            "register", 0.6 * pct["brightness"][i] + 0.2 * pct["warmth"][i] + 0.2 * pct["colourfulness"][i]
        )
        mood = 0.5 * (1 - pct["brightness"][i]) + 0.3 * (1 - pct["warmth"][i]) + 0.2 * (1 - pct["colourfulness"][i])
        minor = mood > 0.55
        out.append(
            ShotControls(
                density=ov.density if ov.density is not None else density,
                energy=ov.energy if ov.energy is not None else energy,
                register=register,
                minor=(ov.mode == "minor") if ov.mode is not None else bool(minor),
            )
        )
    return out
