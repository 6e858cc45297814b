"""One readable training loop: x0-prediction with BCE, EMA weights, periodic checkpoints, resume.

Runs as one process, or as N ranks under `torchrun --nproc_per_node N` (DistributedDataParallel):
rank r takes windows r, r+N, ... of every global batch, rank 0 alone writes, bf16 autocast on GPUs.
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F

from ..atomic import atomic_path
from ..errors import BgmError
from ..music.pop909 import load_split
from ..progress import ProgressFn, no_progress
from .checkpoint import load_model, read_torch_file, save_model
from .config_io import Fraction, Seed, Songs, Steps, Threads, Windows, read_config
from .conditioning import control_features, segment_ids_from_starts
from .data import WindowSampler, song_to_roll
from .denoiser import Denoiser, ModelConfig
from .distributed import Ranks, barrier, mean_over_ranks, start_ranks, stop_ranks, wrap_model
from .schedule import DDIMScheduler, ScheduleConfig


@dataclass(frozen=True)
class TrainConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    steps: Steps = 20000  # optimiser steps
    batch_size: Windows = 32  # windows per step
    lr: Fraction = 1e-3  # peak learning rate (AdamW)
    warmup: Steps = 300  # linear warm-up steps
    weight_decay: Fraction = 0.01
    ema_decay: Fraction = 0.999  # EMA of weights, used for sampling
    checkpoint_every: Steps = 250  # steps between checkpoints
    max_songs: Songs = 0  # 0 = all training songs; >0 = first N (debug)
    seed: Seed = 0
    threads: Threads = 2  # CPU threads for torch


DEBUG_CONFIG = TrainConfig(
    model=ModelConfig(dim=32, depth=1, heads=2, mlp_ratio=2),
    steps=20,
    batch_size=4,
    checkpoint_every=10,
    max_songs=4,
    warmup=5,
)


def load_config(path: str | None) -> TrainConfig:
    """A JSON config file, the word 'debug', or the defaults."""
    return read_config(path, TrainConfig(), DEBUG_CONFIG, "training config")


def window_noise(
    seeds: torch.Tensor, shape: tuple[int, ...], train_steps: int, drop_prob: float
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Each window's noise level t, noise and control drop, from its own seed (CPU generators, so a
    window is noised the same on any rank or device)."""
    t, noise, drop = [], [], []
    for seed in seeds.tolist():
        g = torch.Generator().manual_seed(seed)
        t.append(torch.randint(0, train_steps, (1,), generator=g))
        noise.append(torch.randn(shape, generator=g))
        drop.append(torch.rand(1, generator=g) < drop_prob)
    return torch.cat(t), torch.stack(noise), torch.cat(drop)


def diffusion_loss(model: torch.nn.Module, scheduler: DDIMScheduler, batch: dict, drop_prob: float) -> torch.Tensor:
    """BCE between predicted x0 logits and the clean roll at a random noise level (batch on the model's device)."""
    x0 = batch["x0"]
    t, noise, drop = (
        a.to(x0.device)
        for a in window_noise(batch["noise_seed"], tuple(x0.shape[1:]), scheduler.config.train_steps, drop_prob)
    )
    x_t = scheduler.add_noise(x0, noise, t)
    ctrl = control_features(
        batch["density"], batch["energy"], batch["register"], batch["minor"], batch["segment_start"]
    )
    seg = segment_ids_from_starts(batch["segment_start"])
    with torch.autocast(x0.device.type, torch.bfloat16, enabled=x0.device.type == "cuda"):
        logits = model(x_t, t, batch["chords"], ctrl, seg, drop)
    return F.binary_cross_entropy_with_logits(logits.float(), (x0 > 0).float())


def train(
    cfg: TrainConfig,
    out_dir: str,
    resume: str | None = None,
    progress: ProgressFn = no_progress,
    pop909: str | None = None,
    init: str | None = None,
    device: str | None = None,
) -> Path:
    """Train on the POP909 train split; writes out_dir/state.pt (resumable) and out_dir/model.pt (EMA).

    `init` starts from the weights of a model checkpoint (same architecture) with a fresh
    optimiser, to train a published model further; its step count carries on in the meta.
    Under torchrun every rank calls this; a state from any number of ranks resumes on any other.
    """
    ranks = start_ranks(device)
    try:
        if cfg.batch_size % ranks.world:
            raise BgmError(f"batch size {cfg.batch_size} does not split over {ranks.world} processes")
        return _train(cfg, Path(out_dir), ranks, resume, progress if ranks.is_main else no_progress, pop909, init)
    finally:
        stop_ranks(ranks)


def _load_songs(cfg: TrainConfig, pop909: str | None, ranks: Ranks) -> list:
    """The training songs; rank 0 parses (and caches) them first, so ranks never write the cache at once."""
    if not ranks.is_main:
        barrier(ranks)
    songs, _ = load_split("train", pop909)
    if ranks.is_main:
        barrier(ranks)
    return songs[: cfg.max_songs] if cfg.max_songs else songs


def _train(
    cfg: TrainConfig,
    out: Path,
    ranks: Ranks,
    resume: str | None,
    progress: ProgressFn,
    pop909: str | None,
    init: str | None,
) -> Path:
    torch.set_num_threads(max(1, cfg.threads // ranks.world) if ranks.device.type == "cpu" else cfg.threads)
    torch.manual_seed(cfg.seed)
    if ranks.is_main:
        out.mkdir(parents=True, exist_ok=True)
    songs = _load_songs(cfg, pop909, ranks)
    sampler = WindowSampler([song_to_roll(s) for s in songs], cfg.model.n_beats, cfg.seed)
    model = Denoiser(cfg.model)
    ema = copy.deepcopy(model).requires_grad_(False)
    step, log, prior_steps = 0, [], 0
    if init:
        start, meta = load_model(init)
        if start.cfg != cfg.model:
            raise BgmError(f"{init}: its architecture {start.cfg} differs from the config's {cfg.model}")
        model.load_state_dict(start.state_dict())
        ema.load_state_dict(start.state_dict())
        prior_steps = int(meta.get("steps", 0))
    model.to(ranks.device)
    ema.to(ranks.device)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    if resume:
        state = read_torch_file(resume, "training state file")
        model.load_state_dict(state["model"])
        ema.load_state_dict(state["ema"])
        opt.load_state_dict(state["opt"])
        step, log, prior_steps = state["step"], state["log"], state.get("prior_steps", 0)
    net = wrap_model(model, ranks)
    scheduler = DDIMScheduler(ScheduleConfig())
    if ranks.is_main:
        with atomic_path(out / "config.json") as tmp:
            tmp.write_text(json.dumps(asdict(cfg), indent=2))
    t0 = time.perf_counter() - (log[-1]["seconds"] if log else 0.0)  # seconds carry on across resumes
    loss_avg = log[-1]["loss"] if log else None  # the smoothed loss carries on across resumes too
    while step < cfg.steps:
        for g in opt.param_groups:
            g["lr"] = cfg.lr * min(1.0, (step + 1) / cfg.warmup)
        batch = sampler.batch(step, range(ranks.rank, cfg.batch_size, ranks.world))
        batch = {k: v.to(ranks.device) if k != "noise_seed" else v for k, v in batch.items()}
        loss = diffusion_loss(net, scheduler, batch, cfg.model.cond_drop_prob)
        opt.zero_grad(set_to_none=True)
        loss.backward()  # under DDP the gradients are averaged over ranks: those of the global batch
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        decay = min(cfg.ema_decay, (1 + step) / (10 + step))  # warm-up: early EMA follows the model
        with torch.no_grad():
            for pe, pm in zip(ema.parameters(), model.parameters()):
                pe.lerp_(pm, 1 - decay)
        step += 1
        value = mean_over_ranks(loss, ranks)
        loss_avg = value if loss_avg is None else 0.98 * loss_avg + 0.02 * value
        progress(step, cfg.steps, f"train loss {loss_avg:.4f}")
        if ranks.is_main and (step % cfg.checkpoint_every == 0 or step == cfg.steps):
            log.append({"step": step, "loss": loss_avg, "seconds": time.perf_counter() - t0})
            _save_state(out / "state.pt", model, ema, opt, step, log, prior_steps)
            save_model(
                ema,
                out / "model.pt",
                {
                    "steps": prior_steps + step,
                    "loss": loss_avg,
                    "processes": ranks.world,
                    "train_songs": len(songs),
                    "seconds": log[-1]["seconds"],
                },
            )
    barrier(ranks)  # no rank leaves (and tears the group down) while rank 0 still writes
    return out / "model.pt"


def _save_state(path: Path, model, ema, opt, step: int, log: list, prior_steps: int) -> None:
    with atomic_path(path) as tmp:
        torch.save(
            {
                "model": model.state_dict(),
                "ema": ema.state_dict(),
                "opt": opt.state_dict(),
                "step": step,
                "log": log,
                "prior_steps": prior_steps,
            },
            tmp,
        )
