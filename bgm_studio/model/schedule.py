"""Noise schedule and samplers (no network code), after diffusers' scheduler split.

DDPM forward process with a cosine schedule for training; a deterministic DDIM sampler
of a few tens of steps for inference, with RePaint-style inpainting: cells where
`known_mask` is set are replaced at every step by the known music, noised to that step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch


@dataclass(frozen=True)
class ScheduleConfig:
    train_steps: int = 1000  # DDPM steps the network is trained on
    cosine_s: float = 0.008  # offset of the cosine schedule (Nichol & Dhariwal 2021)


class DDIMScheduler:
    """Cosine alpha-bar schedule with add_noise (training) and DDIM steps (sampling)."""

    def __init__(self, config: ScheduleConfig = ScheduleConfig()) -> None:
        self.config = config
        n = config.train_steps
        t = torch.arange(n + 1, dtype=torch.float64) / n
        f = torch.cos((t + config.cosine_s) / (1 + config.cosine_s) * math.pi / 2) ** 2
        alpha_bar = (f / f[0]).clamp(1e-5, 1.0)
        self.alpha_bar = alpha_bar[1:].float()  # alpha_bar[t] for t = 0..n-1
        self.timesteps = torch.arange(n - 1, -1, -1)

    def add_noise(self, x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """q(x_t | x_0) for a batch of timesteps t (B,)."""
        ab = self.alpha_bar.to(x0.device)[t].view(-1, *([1] * (x0.dim() - 1)))
        return ab.sqrt() * x0 + (1 - ab).sqrt() * noise

    def set_timesteps(self, n_steps: int) -> None:
        """Evenly spaced timesteps for an n-step sampler, from noisiest to cleanest."""
        n = self.config.train_steps
        self.timesteps = torch.linspace(n - 1, 0, n_steps).round().long()

    def step(self, x0_pred: torch.Tensor, t: int, t_prev: int, x_t: torch.Tensor) -> torch.Tensor:
        """One deterministic DDIM step (eta = 0) from t to t_prev given the predicted x0."""
        ab = self.alpha_bar[t]
        eps = (x_t - ab.sqrt() * x0_pred) / (1 - ab).sqrt()
        if t_prev < 0:
            return x0_pred
        ab_prev = self.alpha_bar[t_prev]
        return ab_prev.sqrt() * x0_pred + (1 - ab_prev).sqrt() * eps

    def sample(
        self,
        predict_x0: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
        shape: tuple[int, ...],
        n_steps: int,
        generator: torch.Generator,
        known: torch.Tensor | None = None,
        known_mask: torch.Tensor | None = None,
        guide: torch.Tensor | None = None,
        guide_mask: torch.Tensor | None = None,
        guide_steps: int = 0,
        device: torch.device | str = "cpu",
    ) -> torch.Tensor:
        """Run the sampler; `predict_x0(x_t, t_batch)` returns x0 in [-1, 1].

        With `known` and `known_mask` (broadcastable to `shape`), masked cells are held to the
        known music: before each step they are set to known noised to the current level, and
        the final sample takes them verbatim. With `guide` and `guide_mask`, masked cells are
        held the same way to the guide for the first `guide_steps` steps only, then left free:
        the sample becomes a variation of the guide (SDEdit-like), the later the freer.
        Every tensor is made on `device`; the noise is drawn on the CPU from `generator` and moved
        there, so a seed gives the same noise on every device.
        """
        self.set_timesteps(n_steps)
        noise = lambda: torch.randn(shape, generator=generator).to(device)  # noqa: E731
        x = noise()
        steps = self.timesteps.tolist()
        for i, t in enumerate(steps):
            t_batch = torch.full((shape[0],), t, dtype=torch.long, device=device)
            if known is not None:
                assert known_mask is not None, "known needs known_mask"
                x = torch.where(known_mask, self.add_noise(known, noise(), t_batch), x)
            if guide is not None and i < guide_steps:
                assert guide_mask is not None, "guide needs guide_mask"
                x = torch.where(guide_mask, self.add_noise(guide, noise(), t_batch), x)
            x0 = predict_x0(x, t_batch)
            x = self.step(x0, t, steps[i + 1] if i + 1 < len(steps) else -1, x)
        if known is not None and known_mask is not None:
            x = torch.where(known_mask, known, x)
        return x
