"""Training the melody model on POP909 melodies with their chords and phrase labels.

Teacher forcing over 16-bar windows that start on a bar line, cross-entropy on the next token.
Checkpoints are written every `checkpoint_every` steps, so a long run can be spread over several
(`resume`). Train songs 803-818 are held out for the validation loss; the test split is never read.
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Annotated

import numpy as np
import torch
import torch.nn.functional as F
from msgspec import Meta

from ..atomic import atomic_path
from ..errors import BgmError
from ..music.notes import STEPS_PER_BAR
from ..music.pop909 import load_split
from ..music.structure import song_phrases
from ..progress import ProgressFn, no_progress
from .checkpoint import read_torch_file, save_melody
from .config_io import Fraction, Seed, Songs, Steps, Threads, Windows, read_config
from .device import resolve_device
from .melody import MelodyConfig, MelodyModel, start_token
from .melody_data import lookback_tokens, song_plan, step_conditions, sung_onsets

VALIDATION_IDS = tuple(f"{i:03d}" for i in range(803, 819))


@dataclass(frozen=True)
class MelodyTrainConfig:
    model: MelodyConfig = field(default_factory=MelodyConfig)
    steps: Steps = 4000  # optimiser steps
    batch_size: Windows = 48  # windows per step
    window_bars: Annotated[int, Meta(ge=1, le=1024)] = 16  # bars per training window
    lr: Fraction = 2e-3  # peak learning rate (AdamW), cosine decay to 10%
    warmup: Steps = 200  # linear warm-up steps
    weight_decay: Fraction = 0.01
    ema_decay: Fraction = 0.998  # EMA of weights, what is saved for sampling
    checkpoint_every: Steps = 200  # steps between checkpoints
    max_songs: Songs = 0  # 0 = all training songs; >0 = first N (debug)
    seed: Seed = 0
    threads: Threads = 2  # CPU threads for torch


DEBUG_MELODY_CONFIG = MelodyTrainConfig(
    model=MelodyConfig(embed=8, cond_hidden=16, hidden=16, layers=1),
    steps=6,
    batch_size=4,
    window_bars=4,
    checkpoint_every=3,
    max_songs=4,
    warmup=2,
)


@dataclass
class MelodyCorpus:
    """Every training song's conditions and tokens, concatenated, with each song's bar offsets and style."""

    cond: np.ndarray  # float32 (steps, C)
    tokens: np.ndarray  # int64 (steps,)
    back: np.ndarray  # int64 (steps, K): each step's tokens bars back within its song (lookback_tokens)
    song_bars: list[tuple[int, int]]  # (first bar, n_bars) of each song in the concatenation
    styles: np.ndarray  # float (songs, 3): melody_data.articulation, .syncopation and .sung_onsets of each song

    @classmethod
    def build(cls, songs) -> "MelodyCorpus":
        conds, toks, backs, spans, styles, bar = [], [], [], [], [], 0
        for song in songs:
            try:
                phrases = song_phrases(song)
            except BgmError:
                continue  # a song without labels teaches no form
            plan, tokens = song_plan(song, phrases)
            conds.append(step_conditions(plan))
            toks.append(tokens)
            backs.append(lookback_tokens(tokens))
            spans.append((bar, plan.n_bars))
            # keyed by the onsets a sung bar as the writer asks them (each phrase's mean), so a tune
            # draws a singer as busy as itself: keyed by the bars' own counts (3% more), tunes drew
            # sparser singers, syncopating less (median 0.139 against the songs' 0.173; stop 61)
            styles.append((plan.articulation, plan.syncopation, sung_onsets(plan.bar_onsets)))
            bar += plan.n_bars
        if not spans:
            raise BgmError("no POP909 song with phrase labels to train the melody model on")
        return cls(
            np.concatenate(conds), np.concatenate(toks), np.concatenate(backs), spans, np.array(styles, np.float64)
        )

    def batch(self, rng: np.random.Generator, size: int, bars: int) -> tuple[torch.Tensor, ...]:
        """(prev tokens, tokens back, conditions, target tokens) of `size` random windows of `bars` bars; the
        tokens back reach before a window's start, within its song."""
        lengths = np.array([max(n - bars, 0) + 1 for _, n in self.song_bars], np.float64)
        songs = rng.choice(len(self.song_bars), size=size, p=lengths / lengths.sum())
        n = bars * STEPS_PER_BAR
        prev, back, cond, target = [], [], [], []
        for i in songs:
            first, n_bars = self.song_bars[i]
            b = first + int(rng.integers(0, max(n_bars - bars, 0) + 1))
            s = b * STEPS_PER_BAR
            tok = self.tokens[s : s + n]
            c = self.cond[s : s + n]
            pad = n - len(tok)
            tok = np.pad(tok, (0, pad))
            c = np.pad(c, ((0, pad), (0, 0)))
            prev.append(np.concatenate([[start_token()], tok[:-1]]))
            back.append(np.pad(self.back[s : s + n], ((0, pad), (0, 0))))
            cond.append(c)
            target.append(np.where(np.arange(n) < n - pad, tok, -100))
        return tuple(torch.as_tensor(np.stack(x)) for x in (prev, back, cond, target))


def load_melody_config(path: str | None) -> MelodyTrainConfig:
    """A JSON config file, the word 'debug', or the defaults."""
    return read_config(path, MelodyTrainConfig(), DEBUG_MELODY_CONFIG, "melody training config")


def melody_loss(
    model: MelodyModel, prev: torch.Tensor, back: torch.Tensor, cond: torch.Tensor, target: torch.Tensor
) -> torch.Tensor:
    logits, _ = model(prev, back, cond)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1), ignore_index=-100)


def train_melody(
    cfg: MelodyTrainConfig,
    out_dir: str,
    resume: str | None = None,
    progress: ProgressFn = no_progress,
    pop909: str | None = None,
    device: str | None = "cpu",
) -> Path:
    """Train on POP909 train songs 001-802; writes out_dir/melody-state.pt (resumable) and out_dir/melody.pt (EMA)."""
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    dev = resolve_device(device)  # None: $BGM_DEVICE, else CUDA when present
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    songs, _ = load_split("train", pop909)
    train_songs = [s for s in songs if s.song_id not in VALIDATION_IDS]
    val_songs = [s for s in songs if s.song_id in VALIDATION_IDS]
    if cfg.max_songs:
        train_songs, val_songs = train_songs[: cfg.max_songs], val_songs[:2]
    corpus = MelodyCorpus.build(train_songs)
    val = MelodyCorpus.build(val_songs) if val_songs else None
    model = MelodyModel(cfg.model).to(dev)
    model.learn_styles(corpus.styles)
    ema = copy.deepcopy(model).requires_grad_(False)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    step, log = 0, []
    if resume:
        state = _load_state(resume, model, ema, opt, dev)
        step, log = state["step"], state["log"]
    rng = np.random.default_rng(cfg.seed + step)
    (out / "melody-config.json").write_text(json.dumps(asdict(cfg), indent=2))
    t0 = time.perf_counter() - (log[-1]["seconds"] if log else 0.0)
    loss_avg = None
    while step < cfg.steps:
        for g in opt.param_groups:
            g["lr"] = _lr(cfg, step)
        model.train()
        prev, back, cond, target = (t.to(dev) for t in corpus.batch(rng, cfg.batch_size, cfg.window_bars))
        loss = melody_loss(model, prev, back, cond, target)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        with torch.no_grad():
            decay = min(cfg.ema_decay, (1 + step) / (10 + step))
            for pe, pm in zip(ema.parameters(), model.parameters()):
                pe.lerp_(pm, 1 - decay)
        step += 1
        loss_avg = loss.item() if loss_avg is None else 0.98 * loss_avg + 0.02 * loss.item()
        progress(step, cfg.steps, f"melody loss {loss_avg:.3f}")
        if step % cfg.checkpoint_every == 0 or step == cfg.steps:
            entry = {"step": step, "loss": loss_avg, "seconds": time.perf_counter() - t0}
            if val is not None:
                entry["val_loss"] = _validation_loss(ema, val, cfg, dev)
            log.append(entry)
            _save_state(out / "melody-state.pt", model, ema, opt, step, log)
            save_melody(
                ema,
                out / "melody.pt",
                {
                    "steps": step,
                    "loss": loss_avg,
                    "val_loss": entry.get("val_loss"),
                    "train_songs": len(corpus.song_bars),
                    "seconds": entry["seconds"],
                },
            )
    return out / "melody.pt"


def _lr(cfg: MelodyTrainConfig, step: int) -> float:
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    frac = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
    return float(cfg.lr * (0.1 + 0.9 * 0.5 * (1 + np.cos(np.pi * min(frac, 1.0)))))


@torch.no_grad()
def _validation_loss(model: MelodyModel, val: MelodyCorpus, cfg: MelodyTrainConfig, dev: torch.device) -> float:
    model.eval()
    rng = np.random.default_rng(12345)  # the same windows every time
    prev, back, cond, target = (t.to(dev) for t in val.batch(rng, 64, cfg.window_bars))
    return float(melody_loss(model, prev, back, cond, target))


def _save_state(path: Path, model, ema, opt, step: int, log: list) -> None:
    with atomic_path(path) as tmp:
        torch.save(
            {"model": model.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(), "step": step, "log": log},
            tmp,
        )


def _load_state(path: str, model, ema, opt, dev: torch.device) -> dict:
    state = read_torch_file(path, "training state file")
    try:
        model.load_state_dict(state["model"])
        ema.load_state_dict(state["ema"])
        opt.load_state_dict(state["opt"])
    except Exception as exc:  # another architecture, a damaged file: one line
        first = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        raise BgmError(f"{path}: cannot resume from this training state ({first})") from exc
    return state
