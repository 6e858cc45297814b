"""One readable training loop: x0-prediction with BCE, EMA weights, periodic checkpoints, resume."""
from __future__ import annotations

import copy
import json
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import torch
import torch.nn.functional as F

from ..atomic import atomic_path
from ..errors import BgmError
from ..music.pop909 import load_split
from ..progress import ProgressFn, no_progress
from .checkpoint import load_model, read_torch_file, save_model
from .conditioning import control_features, segment_ids_from_starts
from .data import WindowSampler, song_to_roll
from .denoiser import Denoiser, ModelConfig
from .schedule import DDIMScheduler, ScheduleConfig


@dataclass(frozen=True)
class TrainConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    steps: int = 20000  # optimiser steps
    batch_size: int = 32  # windows per step
    lr: float = 1e-3  # peak learning rate (AdamW)
    warmup: int = 300  # linear warm-up steps
    weight_decay: float = 0.01
    ema_decay: float = 0.999  # EMA of weights, used for sampling
    checkpoint_every: int = 250  # steps between checkpoints
    max_songs: int = 0  # 0 = all training songs; >0 = first N (debug)
    seed: int = 0
    threads: int = 2  # CPU threads for torch

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        d = dict(d)
        model = ModelConfig(**d.pop("model", {}))
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise BgmError(f"unknown training config fields: {', '.join(sorted(unknown))}")
        return cls(model=model, **d)


DEBUG_CONFIG = TrainConfig(model=ModelConfig(dim=32, depth=1, heads=2, mlp_ratio=2), steps=20, batch_size=4,
                           checkpoint_every=10, max_songs=4, warmup=5)


def load_config(path: str | None) -> TrainConfig:
    """A JSON config file, the word 'debug', or the defaults."""
    if path is None:
        return TrainConfig()
    if path == "debug":
        return DEBUG_CONFIG
    try:
        return TrainConfig.from_dict(json.loads(Path(path).read_text()))
    except (OSError, json.JSONDecodeError, TypeError) as exc:
        raise BgmError(f"{path}: cannot read training config ({exc})") from exc
    except RecursionError:
        raise BgmError(f"{path}: cannot read training config (JSON nested too deeply)") from None


def diffusion_loss(model: Denoiser, scheduler: DDIMScheduler, batch: dict, drop_prob: float) -> torch.Tensor:
    """BCE between predicted x0 logits and the clean roll at a random noise level."""
    x0 = batch["x0"]
    b = x0.shape[0]
    t = torch.randint(0, scheduler.config.train_steps, (b,))
    x_t = scheduler.add_noise(x0, torch.randn_like(x0), t)
    ctrl = control_features(batch["density"], batch["energy"], batch["register"], batch["minor"], batch["segment_start"])
    seg = segment_ids_from_starts(batch["segment_start"])
    drop = torch.rand(b) < drop_prob
    logits = model(x_t, t, batch["chords"], ctrl, seg, drop)
    return F.binary_cross_entropy_with_logits(logits, (x0 > 0).float())


def train(cfg: TrainConfig, out_dir: str, resume: str | None = None, progress: ProgressFn = no_progress,
          pop909: str | None = None, init: str | None = None) -> Path:
    """Train on the POP909 train split; writes out_dir/state.pt (resumable) and out_dir/model.pt (EMA).

    `init` starts from the weights of a model checkpoint (same architecture) with a fresh
    optimiser, to train a published model further; its step count carries on in the meta.
    """
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    songs, _ = load_split("train", pop909)
    if cfg.max_songs:
        songs = songs[: cfg.max_songs]
    sampler = WindowSampler([song_to_roll(s) for s in songs], cfg.model.n_beats, cfg.seed)
    model = Denoiser(cfg.model)
    ema = copy.deepcopy(model).requires_grad_(False)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    scheduler = DDIMScheduler(ScheduleConfig())
    step, log, prior_steps = 0, [], 0
    if init:
        start, meta = load_model(init)
        if start.cfg != cfg.model:
            raise BgmError(f"{init}: its architecture {start.cfg} differs from the config's {cfg.model}")
        model.load_state_dict(start.state_dict())
        ema.load_state_dict(start.state_dict())
        prior_steps = int(meta.get("steps", 0))
    if resume:
        state = read_torch_file(resume, "training state file")
        model.load_state_dict(state["model"])
        ema.load_state_dict(state["ema"])
        opt.load_state_dict(state["opt"])
        step, log, prior_steps = state["step"], state["log"], state.get("prior_steps", 0)
        sampler.rng = __import__("numpy").random.default_rng(cfg.seed + step)
    with atomic_path(out / "config.json") as tmp:
        tmp.write_text(json.dumps(asdict(cfg), indent=2))
    t0 = time.perf_counter() - (log[-1]["seconds"] if log else 0.0)  # seconds carry on across resumes
    loss_avg = None
    while step < cfg.steps:
        for g in opt.param_groups:
            g["lr"] = cfg.lr * min(1.0, (step + 1) / cfg.warmup)
        loss = diffusion_loss(model, scheduler, sampler.batch(cfg.batch_size), cfg.model.cond_drop_prob)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        decay = min(cfg.ema_decay, (1 + step) / (10 + step))  # warm-up: early EMA follows the model
        with torch.no_grad():
            for pe, pm in zip(ema.parameters(), model.parameters()):
                pe.lerp_(pm, 1 - decay)
        step += 1
        loss_avg = loss.item() if loss_avg is None else 0.98 * loss_avg + 0.02 * loss.item()
        progress(step, cfg.steps, f"train loss {loss_avg:.4f}")
        if step % cfg.checkpoint_every == 0 or step == cfg.steps:
            log.append({"step": step, "loss": loss_avg, "seconds": time.perf_counter() - t0})
            _save_state(out / "state.pt", model, ema, opt, step, log, prior_steps)
            save_model(ema, out / "model.pt", {"steps": prior_steps + step, "loss": loss_avg,
                                               "train_songs": len(songs), "seconds": log[-1]["seconds"]})
    return out / "model.pt"


def _save_state(path: Path, model, ema, opt, step: int, log: list, prior_steps: int) -> None:
    with atomic_path(path) as tmp:
        torch.save({"model": model.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(),
                    "step": step, "log": log, "prior_steps": prior_steps}, tmp)
