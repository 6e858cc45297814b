"""Fitting the roll critic (model.roll_critic): POP909's train bars against the bars the composer
writes for train songs' own controls with the bar critic but without a roll critic, so that it
learns where the shipped choice of figures still leans away from POP909's pianists."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..music.notes import STEPS_PER_BAR
from ..music.pop909 import Song
from ..progress import ProgressFn, no_progress
from .composer import Composer
from .critic_train import OUR_SONGS, REAL_SONGS, our_pieces
from .roll_critic import ROLL_KEYS, ROLL_PLANES, RollCritic, RollCriticConfig, RollCriticNet, piece_bar_rolls


@dataclass(frozen=True)
class RollCriticTraining:
    """Adam steps, bars a side in each batch, learning rate, weight decay, the most semitones a batch
    is moved up or down (keys vary, a bar's shape does not) and the seed of the weights and batches."""

    steps: int = 4000
    batch: int = 64
    lr: float = 1e-3
    weight_decay: float = 1e-5
    shift: int = 3
    seed: int = 0


def fit_roll_critic(
    real: np.ndarray,
    ours: np.ndarray,
    cfg: RollCriticTraining = RollCriticTraining(),
    device: str | torch.device = "cpu",
    progress: ProgressFn = no_progress,
) -> RollCritic:
    """A RollCriticNet trained to tell POP909's bar rolls (real) from ours, each (bars, ROLL_PLANES,
    STEPS_PER_BAR, ROLL_KEYS), by batches of as many bars from each side."""
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    net = RollCriticNet(RollCriticConfig()).to(device)
    opt = torch.optim.Adam(net.parameters(), cfg.lr, weight_decay=cfg.weight_decay)
    target = torch.cat([torch.ones(cfg.batch), torch.zeros(cfg.batch)]).to(device)
    for step in range(cfg.steps):
        rows = np.concatenate(
            [real[rng.integers(len(real), size=cfg.batch)], ours[rng.integers(len(ours), size=cfg.batch)]]
        )
        x = torch.roll(torch.from_numpy(rows).float(), int(rng.integers(-cfg.shift, cfg.shift + 1)), dims=3)
        loss = nn.functional.binary_cross_entropy_with_logits(net(x.to(device)), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        progress(step + 1, cfg.steps, "fitting the roll critic")
    return RollCritic(net.cpu())


def train_roll_critic(
    composer: Composer,
    songs: list[Song],
    cfg: RollCriticTraining = RollCriticTraining(),
    device: str | torch.device = "cpu",
    progress: ProgressFn = no_progress,
) -> RollCritic:
    """The roll critic fitted on the REAL_SONGS among `songs` against pieces written for the
    OUR_SONGS by `composer` (whose pipeline has the bar critic and no roll critic)."""
    empty = np.zeros((0, ROLL_PLANES, STEPS_PER_BAR, ROLL_KEYS), np.uint8)
    real = np.concatenate([empty, *(piece_bar_rolls(s.notes) for s in songs if s.song_id in REAL_SONGS)])
    pieces = our_pieces(composer, [s for s in songs if s.song_id in OUR_SONGS], progress)
    ours = np.concatenate([empty, *(piece_bar_rolls(notes) for notes in pieces)])
    return fit_roll_critic(real, ours, cfg, device, progress)
