"""The denoiser: an axial transformer over (beat, pitch-band) tokens of the piano roll.

Input x_t: (B, 4, T, P) with channels melody onset/sustain, accompaniment onset/sustain,
values in [-1, 1], T = 4 * n_beats steps, P = 96 pitches (C1..B8, eight octaves).
Two pitch-aligned chord channels (chord tones and bass pitch class, tiled over octaves)
join the input, so harmony is seen where the notes are. Each token is one beat x one
pitch band (two octaves); blocks alternate attention along time (within a band), along
pitch (within a beat), and segment-masked cross-attention to per-beat control tokens.
Output: x0 logits (B, 4, T, P). Classifier-free guidance replaces every control token
by a learned null token with probability cond_drop_prob during training.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated

import torch
import torch.nn.functional as F
from msgspec import Meta
from torch import nn

from .config_io import Fraction
from .conditioning import N_CONTROL_FEATURES, segment_attention_mask

STEPS_PER_TOKEN = 4  # one beat of 16th steps
N_ROLL_CHANNELS = 4
N_CHORD_CHANNELS = 2
MODEL_PITCH_LOW = 24  # C1
MODEL_PITCHES = 96  # C1..B8


@dataclass(frozen=True)
class ModelConfig:
    n_beats: Annotated[int, Meta(ge=8, le=1024)] = 32  # window length in beats (8 bars)
    band: Annotated[int, Meta(ge=1, le=MODEL_PITCHES)] = 24  # pitches per token (two octaves)
    dim: Annotated[int, Meta(ge=2, le=4096)] = 160  # token width
    depth: Annotated[int, Meta(ge=1, le=64)] = 4  # number of blocks
    heads: Annotated[int, Meta(ge=1, le=64)] = 4  # attention heads
    mlp_ratio: Annotated[int, Meta(ge=1, le=16)] = 3  # MLP hidden = dim * mlp_ratio
    cond_drop_prob: Fraction = 0.15  # probability of dropping all controls (for guidance)

    @property
    def n_bands(self) -> int:
        return MODEL_PITCHES // self.band


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding of diffusion timesteps (B,) -> (B, dim)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([args.sin(), args.cos()], dim=-1)


class Attention(nn.Module):
    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(dim, dim)
        self.kv = nn.Linear(dim, 2 * dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor, context: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        b, n, d = x.shape
        h = self.heads
        q = self.q(x).view(b, n, h, d // h).transpose(1, 2)  # (B, h, N, d/h)
        k, v = self.kv(context).view(b, context.shape[1], 2, h, d // h).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=None if mask is None else mask[:, None])
        return self.out(y.transpose(1, 2).reshape(b, n, d))


class Block(nn.Module):
    """Time attention, pitch-band attention, segment-masked control cross-attention, MLP."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        d = cfg.dim
        self.norms = nn.ModuleList([nn.LayerNorm(d) for _ in range(4)])
        self.time_attn = Attention(d, cfg.heads)
        self.band_attn = Attention(d, cfg.heads)
        self.cross_attn = Attention(d, cfg.heads)
        self.mlp = nn.Sequential(nn.Linear(d, d * cfg.mlp_ratio), nn.GELU(), nn.Linear(d * cfg.mlp_ratio, d))
        self.t_shift = nn.Linear(d, d)

    def forward(
        self, x: torch.Tensor, t_emb: torch.Tensor, context: torch.Tensor, token_mask: torch.Tensor
    ) -> torch.Tensor:
        """x (B, beats, bands, D); t_emb, context and token_mask have a batch of copies*B (copies >= 1):
        the self-attention, which never sees the controls, runs on the B samples once, then each copy
        reads its own controls (guidance: copy 0 conditioned, copy 1 not). Returns (copies*B, beats, bands, D)."""
        copies = len(context) // len(x)
        mixed = self.mix(x, self.t_shift(t_emb)[: len(x)])
        return self.attend(mixed.repeat(copies, 1, 1, 1), context, token_mask)

    def mix(self, x: torch.Tensor, t_shift: torch.Tensor) -> torch.Tensor:
        """The half that never sees the controls: attention along time, then along pitch.
        x (B, beats, bands, D), t_shift (B, D) -> (B, beats, bands, D)."""
        b, nb, nk, d = x.shape
        x = x + t_shift[:, None, None]
        xt = x.permute(0, 2, 1, 3).reshape(b * nk, nb, d)  # along time within a band
        h = self.norms[0](xt)
        xt = xt + self.time_attn(h, h)
        x = xt.view(b, nk, nb, d).permute(0, 2, 1, 3)
        xp = x.reshape(b * nb, nk, d)  # along pitch within a beat
        h = self.norms[1](xp)
        xp = xp + self.band_attn(h, h)
        return xp.view(b, nb, nk, d)

    def attend(self, x: torch.Tensor, context: torch.Tensor, token_mask: torch.Tensor) -> torch.Tensor:
        """Each token reads the controls of its own segment (token_mask (B, beats*bands, 1+beats)), then the MLP."""
        b, nb, nk, d = x.shape
        xc = x.reshape(b, nb * nk, d)
        xc = xc + self.cross_attn(self.norms[2](xc), context, token_mask)
        xc = xc + self.mlp(self.norms[3](xc))
        return xc.view(b, nb, nk, d)


@dataclass(frozen=True)
class Condition:
    """What the controls give every denoising step of a window alike: made once per window, not per step."""

    controls: torch.Tensor  # (B, beats, D) control tokens, the null token where dropped
    token_mask: torch.Tensor  # bool (B, beats*bands, 1+beats): the context keys each token may attend to


class Denoiser(nn.Module):
    """Predicts x0 logits of the piano roll from x_t, timestep, chords and segment-aware controls."""

    def __init__(self, cfg: ModelConfig = ModelConfig()) -> None:
        super().__init__()
        self.cfg = cfg
        d = cfg.dim
        patch = (N_ROLL_CHANNELS + N_CHORD_CHANNELS) * STEPS_PER_TOKEN * cfg.band
        self.embed = nn.Linear(patch, d)
        self.beat_pos = nn.Parameter(torch.zeros(cfg.n_beats, d))
        self.band_pos = nn.Parameter(torch.zeros(cfg.n_bands, d))
        self.bar_pos = nn.Parameter(torch.zeros(4, d))  # beat within the bar
        self.t_mlp = nn.Sequential(nn.Linear(d, d), nn.SiLU(), nn.Linear(d, d))
        self.control_in = nn.Linear(N_CONTROL_FEATURES, d)
        self.control_pos = nn.Parameter(torch.zeros(cfg.n_beats, d))
        self.null_control = nn.Parameter(torch.zeros(d))
        self.global_token = nn.Parameter(torch.zeros(d))
        self.blocks = nn.ModuleList([Block(cfg) for _ in range(cfg.depth)])
        self.norm_out = nn.LayerNorm(d)
        self.out = nn.Linear(d, N_ROLL_CHANNELS * STEPS_PER_TOKEN * cfg.band)
        for p in (self.beat_pos, self.band_pos, self.bar_pos, self.control_pos):
            nn.init.normal_(p, std=0.02)

    def patchify(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, T, P) -> (B, beats, bands, C * 4 * band)."""
        b, c, t, p = x.shape
        x = x.view(b, c, t // STEPS_PER_TOKEN, STEPS_PER_TOKEN, p // self.cfg.band, self.cfg.band)
        return x.permute(0, 2, 4, 1, 3, 5).reshape(b, t // STEPS_PER_TOKEN, p // self.cfg.band, -1)

    def unpatchify(self, y: torch.Tensor) -> torch.Tensor:
        """(B, beats, bands, 4 * 4 * band) -> (B, 4, T, P)."""
        b, nb, nk, _ = y.shape
        y = y.view(b, nb, nk, N_ROLL_CHANNELS, STEPS_PER_TOKEN, self.cfg.band)
        return y.permute(0, 3, 1, 4, 2, 5).reshape(b, N_ROLL_CHANNELS, nb * STEPS_PER_TOKEN, nk * self.cfg.band)

    def forward(
        self,
        x_t: torch.Tensor,
        t: torch.Tensor,
        chord_roll: torch.Tensor,
        controls: torch.Tensor,
        segment_ids: torch.Tensor,
        drop_controls: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """x_t (B,4,T,P), t (B,), chord_roll (B,2,T,P), controls (B,beats,6), segment_ids (B,beats).

        drop_controls (B,) bool replaces that sample's controls by the null token (guidance).
        """
        return self.denoise(x_t, t, chord_roll, self.condition(controls, segment_ids, drop_controls))

    def condition(
        self, controls: torch.Tensor, segment_ids: torch.Tensor, drop_controls: torch.Tensor | None = None
    ) -> Condition:
        """Control tokens and attention mask from controls (B,beats,6) and segment_ids (B,beats)."""
        nb = controls.shape[1]
        ctrl = self.control_in(controls) + self.control_pos[:nb][None]  # (B, beats, D)
        if drop_controls is not None:
            ctrl = torch.where(drop_controls[:, None, None], self.null_control.expand_as(ctrl), ctrl)
        # A beat's mask, shared by its bands.
        return Condition(ctrl, segment_attention_mask(segment_ids).repeat_interleave(self.cfg.n_bands, dim=1))

    def guided_condition(self, controls: torch.Tensor, segment_ids: torch.Tensor, cond_scale: float) -> Condition:
        """The condition of `guided` at cond_scale: the samples' own controls, and unless the scale is
        1, then the same samples with the null token (batch 2B, for `denoise(..., copies=2)`)."""
        if cond_scale == 1.0:
            return self.condition(controls, segment_ids)
        b = controls.shape[0]
        return self.condition(
            torch.cat([controls, controls]),
            torch.cat([segment_ids, segment_ids]),
            torch.arange(2 * b, device=controls.device) >= b,
        )

    def denoise(
        self, x_t: torch.Tensor, t: torch.Tensor, chord_roll: torch.Tensor, condition: Condition, copies: int = 1
    ) -> torch.Tensor:
        """x0 logits (copies*B,4,T,P) of x_t (B,4,T,P) under a condition of batch copies*B, sample i of
        copy c under condition c*B+i. The embedding and the first block's self-attention never see the
        controls, so the copies share them: they run on the B samples once."""
        nb = x_t.shape[2] // STEPS_PER_TOKEN
        tokens = self.embed(self.patchify(torch.cat([x_t, chord_roll], dim=1)))  # (B, beats, bands, D)
        bar_beat = torch.arange(nb, device=x_t.device) % 4
        tokens = tokens + (self.beat_pos[:nb] + self.bar_pos[bar_beat])[None, :, None] + self.band_pos[None, None]
        t_emb = self.t_mlp(timestep_embedding(t.repeat(copies), self.cfg.dim))  # (copies*B, D)
        context = torch.cat([(self.global_token + t_emb)[:, None], condition.controls], dim=1)  # (copies*B, 1+beats, D)
        for block in self.blocks:  # the first block makes the copies
            tokens = block(tokens, t_emb, context, condition.token_mask)
        return self.unpatchify(self.out(self.norm_out(tokens)))

    def guided(
        self, x_t: torch.Tensor, t: torch.Tensor, chord_roll: torch.Tensor, condition: Condition, cond_scale: float
    ) -> torch.Tensor:
        """Classifier-free guided logits, uncond + scale * (cond - uncond), under the `guided_condition`
        of the same scale (at 1, the conditioned logits alone)."""
        if cond_scale == 1.0:
            return self.denoise(x_t, t, chord_roll, condition)
        b = x_t.shape[0]
        both = self.denoise(x_t, t, chord_roll, condition, copies=2)
        cond, uncond = both[:b], both[b:]
        return uncond + cond_scale * (cond - uncond)

    def forward_with_cond_scale(self, x_t, t, chord_roll, controls, segment_ids, cond_scale: float = 1.0):
        """Classifier-free guided logits: uncond + scale * (cond - uncond)."""
        return self.guided(x_t, t, chord_roll, self.guided_condition(controls, segment_ids, cond_scale), cond_scale)
