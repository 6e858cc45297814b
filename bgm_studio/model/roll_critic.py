"""A critic that reads an accompaniment bar's piano roll: the log-odds that a POP909 pianist played
it rather than our composer, from the bar's onsets and sounding notes beside the melody.

The bar critic (model.bar_critic) reads 48 named features. Fitted again on bars written with it, it
told them from POP909's 54% of the time, while a roll judge (benchmarks.roll_classifier) still told
the footage's 8-bar windows apart 80%. This network reads the bar itself, so it sees what the
features name and what they miss: which keys sound together, how the hands' notes are spaced, where
each voice moves within the bar. A first fit, on songs 001-700 against pieces for songs 001-180,
told held-out bars (POP909 songs 701-770 against pieces for 181-200) apart at an AUC of 0.87.

Each candidate figure for a whole bar is drawn into the bar's roll, on top of the notes held into
it and the melody sounding over it, and the network's logit joins the candidate's score
(FigureConfig.roll_critic_weight). Kept as torch weights (`models/roll_critic.pt`, 0.7 MB), fitted
with `bgm-studio train --roll-critic` (model.roll_critic_train).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..music.notes import STEPS_PER_BAR
from .bar_critic import read_bars
from .denoiser import MODEL_PITCH_LOW

ROLL_LOW = MODEL_PITCH_LOW  # C1: key 0 of the roll is the model's pitch index 0
ROLL_KEYS = 84  # C1..B7
ROLL_PLANES = 3  # accompaniment onsets, accompaniment sounding (notes held into the bar included), melody sounding


@dataclass(frozen=True)
class RollCriticConfig:
    """The network's size: channels of its two convolutions and width of its hidden layer."""

    channels: tuple[int, int] = (16, 32)
    hidden: int = 64


class RollCriticNet(nn.Module):
    """Two convolutions over (steps, keys), each pooled by 2, then a hidden layer: float (n, ROLL_PLANES,
    STEPS_PER_BAR, ROLL_KEYS) -> (n,) logits. The keys are not pooled away: a bar's register is part of it."""

    def __init__(self, cfg: RollCriticConfig = RollCriticConfig()) -> None:
        super().__init__()
        self.cfg = cfg
        c1, c2 = cfg.channels
        flat = c2 * (STEPS_PER_BAR // 4) * (ROLL_KEYS // 4)
        self.body = nn.Sequential(
            nn.Conv2d(ROLL_PLANES, c1, (3, 7), padding=(1, 3)),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, (3, 5), padding=(1, 2)),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(flat, cfg.hidden),
            nn.ReLU(),
            nn.Linear(cfg.hidden, 1),
        )

    def forward(self, rolls: torch.Tensor) -> torch.Tensor:
        return self.body(rolls).squeeze(-1)


class RollCritic:
    """The network, asked for the log-odds of a batch of bar rolls."""

    def __init__(self, net: RollCriticNet) -> None:
        self.net = net.eval()
        self.device = next(net.parameters()).device

    def log_odds(self, rolls: np.ndarray) -> np.ndarray:
        """float (n,): the log-odds that each bar roll (n, ROLL_PLANES, STEPS_PER_BAR, ROLL_KEYS) is POP909's."""
        with torch.no_grad():
            x = torch.as_tensor(rolls, dtype=torch.float32, device=self.device)
            return self.net(x).cpu().numpy().astype(np.float64)


def candidate_rolls(
    struck: np.ndarray,
    sounding: np.ndarray,
    melody: np.ndarray,
    bar: int,
    candidates: list[list[tuple[int, int, int]]],
) -> np.ndarray:
    """float32 (len(candidates), ROLL_PLANES, STEPS_PER_BAR, ROLL_KEYS): the bar starting at step `bar`
    played with each candidate's notes (step, pitch index from ROLL_LOW, length), over what the bar
    already holds: `struck` (bool (STEPS_PER_BAR, >= ROLL_KEYS): the accompaniment's onsets in it, those
    of a bar's part before a cut), `sounding` (alike: the accompaniment sounding, notes held into the
    bar included) and `melody` (alike: the melody sounding). Notes above the roll's keys are left
    out, as piece_bar_rolls leaves them."""
    base = np.zeros((ROLL_PLANES, STEPS_PER_BAR, ROLL_KEYS), np.float32)
    base[0] = struck[:, :ROLL_KEYS]
    base[1] = sounding[:, :ROLL_KEYS]
    base[2] = melody[:, :ROLL_KEYS]
    rolls = np.repeat(base[None], len(candidates), axis=0)
    for j, notes in enumerate(candidates):
        for step, pitch, length in notes:
            if 0 <= pitch < ROLL_KEYS:
                rolls[j, 0, step - bar, pitch] = 1
                rolls[j, 1, step - bar : step - bar + length, pitch] = 1
    return rolls


def piece_bar_rolls(notes: np.ndarray, fewest: int = 3) -> np.ndarray:
    """uint8 (bars, ROLL_PLANES, STEPS_PER_BAR, ROLL_KEYS): the roll of every bar of a piece (notes:
    (N, 5) columns NOTE_COLUMNS) whose accompaniment strikes at least `fewest` notes, as
    candidate_rolls draws a bar: notes sounding on from earlier bars on the sounding plane."""
    out = []
    for s0, inside, acc, melody in read_bars(notes, fewest):
        s1 = s0 + STEPS_PER_BAR
        roll = np.zeros((ROLL_PLANES, STEPS_PER_BAR, ROLL_KEYS), np.uint8)
        for plane, part in ((1, acc), (2, melody)):
            for start, pitch, length in part[(part[:, 0] < s1) & (part[:, 0] + part[:, 2] > s0), :3].tolist():
                if 0 <= pitch - ROLL_LOW < ROLL_KEYS:
                    roll[plane, max(0, start - s0) : min(STEPS_PER_BAR, start + length - s0), pitch - ROLL_LOW] = 1
        for start, pitch in inside[:, :2].tolist():
            if 0 <= pitch - ROLL_LOW < ROLL_KEYS:
                roll[0, start - s0, pitch - ROLL_LOW] = 1
        out.append(roll)
    return np.array(out, np.uint8).reshape(-1, ROLL_PLANES, STEPS_PER_BAR, ROLL_KEYS)
