"""A critic of accompaniment bars: the log-odds that a bar is one a POP909 pianist played rather
than one of ours, read from its notes' lengths, places, spread and the notes held into it.

Every term of a figure's score (model.figure_choice) leant the same way: the diffusion model's
log-probabilities, the rhythm likeness to earlier bars, the register prior and the downbeat bass
each favoured a candidate on the beats, so that the pianist's figures, whose onsets lie as POP909's
do, were chosen on the beats. In bars of 4-10 notes scored for real footage the candidates struck
0.084 of their onsets on odd 16ths and the chosen ones 0.041; of their notes 4.8% were bass
quarter notes on a beat, POP909's 1.5%. No one term does it (models/HISTORY.md, stops 42-75), so a
critic that has learnt how our bars differ from POP909's is asked of every candidate, and its
log-odds join the score (FigureConfig.critic_weight).

The critic is a logistic regression over `FEATURE_NAMES`, standardized, fitted by Newton steps with
an L2 penalty on POP909 train bars (songs 001-770) against the bars the composer, without a critic,
wrote for train songs 001-200 on their own controls (`fit_critic`, `bgm-studio train --critic`).
It is kept as plain JSON (`models/critic.json`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ..atomic import atomic_path
from ..errors import BgmError
from ..input_file import absent_reason
from ..music.metrics import BASS_CEILING
from ..music.notes import MELODY, STEPS_PER_BAR, STEPS_PER_BEAT
from .locate import resolve_critic

LENGTH_BINS = ((1, 1), (2, 2), (3, 3), (4, 4), (5, 7), (8, 8), (9, 15), (16, 10**6))  # 16ths, inclusive
FEATURE_NAMES = (
    "notes",
    "onset steps",
    "notes per onset",
    "pitch sd",
    "mean pitch",
    "lowest pitch",
    "highest pitch",
    "bass notes",
    "pitch classes",
    "silent steps",
    "most sounding",
    "held in",
    "ringing out",
    "ending on a beat",
    "ending on an off-beat 8th",
    "melody over mean pitch",
    "bass sounding on the downbeat",
    "mean length",
    "length sd",
    "16th apart",
    "8th apart",
    "beat apart",
    "bass quarters on a beat",
    "on odd 16ths",
    *(f"onsets at step {s}" for s in range(STEPS_PER_BAR)),
    *(f"length {a}-{b}" for a, b in LENGTH_BINS),
)
NO_MELODY_GAP = 12.0  # the melody-over-mean-pitch feature of a bar without melody onsets
LONGEST_BIN = LENGTH_BINS[-1][0]  # lengths of this many 16ths or more share the last bin


def bar_features(
    steps: np.ndarray, pitches: np.ndarray, lengths: np.ndarray, held_in: np.ndarray, melody: np.ndarray
) -> np.ndarray:
    """float (len(FEATURE_NAMES),) of one bar's accompaniment: its notes' steps in the bar, MIDI
    pitches and lengths (16ths; a note may ring past the bar), the MIDI pitches of the earlier notes
    sounding on into it, and those of the melody's onsets in it. At least one note. A bass held into
    the bar sounds on its downbeat as one struck there does (the bass-on-the-downbeat target counts
    both): counted only where struck, the critic steered a 3-minute single shot's bars off it.
    Counted with bincounts rather than a mean of a mask each: asked of every candidate of every bar,
    it took 0.57 ms a call, 1.4 s of scoring a 3-minute video; the same numbers in half the time."""
    steps, pitches, lengths = (np.asarray(x, np.int64) for x in (steps, pitches, lengths))
    n = len(steps)
    at_step = np.bincount(steps, minlength=STEPS_PER_BAR)
    apart = np.diff(np.flatnonzero(at_step))
    ends = steps + lengths
    inside = steps < STEPS_PER_BAR
    change = np.bincount(steps[inside], minlength=STEPS_PER_BAR + 1) - np.bincount(
        np.minimum(np.maximum(ends, steps), STEPS_PER_BAR)[inside], minlength=STEPS_PER_BAR + 1
    )
    sounding = np.cumsum(change[:STEPS_PER_BAR])
    bass = pitches < BASS_CEILING
    gap = float(int(np.sum(melody)) / len(melody) - int(pitches.sum()) / n) if len(melody) else NO_MELODY_GAP
    on_beat_ends = np.count_nonzero(ends % STEPS_PER_BEAT == 0) / n
    apart_k = np.bincount(apart, minlength=STEPS_PER_BEAT + 1) if len(apart) else None
    by_length = np.cumsum(np.bincount(np.clip(lengths, 0, LONGEST_BIN), minlength=LONGEST_BIN + 1))
    return np.array(
        [
            n,
            len(apart) + 1,
            n / (len(apart) + 1),
            pitches.std(),
            int(pitches.sum()) / n,
            pitches.min(),
            pitches.max(),
            np.count_nonzero(bass),
            np.count_nonzero(np.bincount(pitches % 12, minlength=12)),
            np.count_nonzero(sounding == 0) / STEPS_PER_BAR,
            sounding.max(),
            len(held_in),
            np.count_nonzero(ends > STEPS_PER_BAR) / n,
            on_beat_ends,
            np.count_nonzero(ends % 2 == 0) / n - on_beat_ends,
            gap,
            float(bool((bass & (steps == 0)).any()) or bool((np.asarray(held_in) < BASS_CEILING).any())),
            int(lengths.sum()) / n,
            lengths.std(),
            *((apart_k[k] / len(apart) if apart_k is not None else 0.0) for k in (1, 2, STEPS_PER_BEAT)),
            np.count_nonzero(bass & (steps % STEPS_PER_BEAT == 0) & (lengths == STEPS_PER_BEAT)) / n,
            np.count_nonzero(steps % 2 == 1) / n,
            *(at_step[:STEPS_PER_BAR] / n),
            *((by_length[min(b, LONGEST_BIN)] - by_length[a - 1]) / n for a, b in LENGTH_BINS),
        ],
        np.float64,
    )


def read_bars(notes: np.ndarray, fewest: int = 3) -> Iterator[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
    """(first step, its accompaniment notes, the whole accompaniment, the melody) of every bar of a
    piece (notes: (N, 5) columns NOTE_COLUMNS) whose accompaniment strikes at least `fewest` notes:
    the bars a critic is fitted on."""
    acc = notes[notes[:, 4] != MELODY]  # the accompaniment, its bass part included
    melody = notes[notes[:, 4] == MELODY]
    for bar in range(int(acc[:, 0].max()) // STEPS_PER_BAR + 1 if len(acc) else 0):
        s0 = bar * STEPS_PER_BAR
        inside = acc[(acc[:, 0] >= s0) & (acc[:, 0] < s0 + STEPS_PER_BAR)]
        if len(inside) >= fewest:
            yield s0, inside, acc, melody


def piece_bar_features(notes: np.ndarray, fewest: int = 3) -> np.ndarray:
    """float (bars, features): bar_features of every bar of a piece (notes: (N, 5) columns
    NOTE_COLUMNS) whose accompaniment strikes at least `fewest` notes."""
    rows = []
    for s0, inside, acc, melody in read_bars(notes, fewest):
        held_in = acc[(acc[:, 0] < s0) & (acc[:, 0] + acc[:, 2] > s0), 1]
        sung = melody[(melody[:, 0] >= s0) & (melody[:, 0] < s0 + STEPS_PER_BAR), 1]
        rows.append(bar_features(inside[:, 0] - s0, inside[:, 1], inside[:, 2], held_in, sung))
    return np.array(rows, np.float64).reshape(-1, len(FEATURE_NAMES))


@dataclass(frozen=True)
class BarCritic:
    """Standardizing means and scales, coefficients (one per feature) and bias of the logistic regression."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    bias: float

    def log_odds(self, features: np.ndarray) -> float:
        """The log-odds that a bar with these features (bar_features) is POP909's."""
        return float(((features - self.mean) / self.scale) @ self.coef + self.bias)

    def save(self, path: str | os.PathLike) -> None:
        """Write the critic as JSON (atomically)."""
        data = {
            "version": 1,
            "features": list(FEATURE_NAMES),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "coef": self.coef.tolist(),
            "bias": self.bias,
        }
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(data))

    @classmethod
    def load(cls, path: str | os.PathLike | None = None) -> BarCritic:
        """Read a critic written by save; one-line errors for a missing, damaged or older file."""
        path = resolve_critic(path)
        if not path.is_file():
            raise BgmError(f"{path}: {absent_reason(path, 'bar critic')} (fit one with `bgm-studio train --critic`)")
        try:
            data = json.loads(Path(path).read_text())
            mean, scale, coef = (np.asarray(data[k], np.float64) for k in ("mean", "scale", "coef"))
            bias = float(data["bias"])
            features = tuple(data["features"])
        except (OSError, ValueError, KeyError, TypeError, RecursionError) as e:
            raise BgmError(f"{path}: not a bar critic ({e.__class__.__name__})") from None
        if features != FEATURE_NAMES or any(a.shape != (len(FEATURE_NAMES),) for a in (mean, scale, coef)):
            raise BgmError(f"{path}: bar critic of another format (fit it again with `bgm-studio train --critic`)")
        return cls(mean, scale, coef, bias)


def fit_critic(real: np.ndarray, ours: np.ndarray, penalty: float = 1e-4, steps: int = 50) -> BarCritic:
    """Logistic regression telling POP909's bars (real) from ours, each (bars, features): features
    standardized, both sides weighed alike, `penalty` x the squared coefficients added to the mean
    log-loss, fitted by Newton steps."""
    x = np.concatenate([real, ours])
    y = np.r_[np.ones(len(real)), np.zeros(len(ours))]
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    design = np.c_[(x - mean) / scale, np.ones(len(x))]
    weight = np.where(y == 1, 0.5 / len(real), 0.5 / len(ours))
    ridge = np.full(design.shape[1], 2 * penalty)
    ridge[-1] = 0.0  # the bias is not penalized
    beta = np.zeros(design.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-design @ beta))
        gradient = design.T @ (weight * (p - y)) + ridge * beta
        hessian = (design * (weight * p * (1 - p))[:, None]).T @ design + np.diag(ridge)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-9:
            break
    return BarCritic(mean, scale, beta[:-1], float(beta[-1]))
