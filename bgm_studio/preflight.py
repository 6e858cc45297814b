"""Checks a command makes before any work: output targets and options, training configs and states.

Each refuses with a one-line BgmError, so a mistake costs a second, not minutes of analysis.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from .atomic import check_writable_target
from .errors import BgmError


def make_folder(folder: Path) -> None:
    """Create an output folder (and its parents), or say in one line why it cannot be."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BgmError(f"{folder}: cannot create this folder ({exc.strerror or exc})") from exc


def check_train_config(cfg) -> None:
    """Refuse values the training loop cannot use, before minutes of loading data."""
    from .model.denoiser import MODEL_PITCHES

    def whole(obj, name: str, low: int) -> int:
        value = getattr(obj, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise BgmError(f"training config: {name} must be a whole number >= {low}, not {value!r}")
        return value

    def number(obj, name: str, low: float, high: float) -> None:
        value = getattr(obj, name)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not low <= value <= high:
            raise BgmError(f"training config: {name} must be a number in {low}..{high}, not {value!r}")

    for name, low in (("steps", 1), ("batch_size", 1), ("warmup", 1), ("checkpoint_every", 1), ("max_songs", 0),
                      ("seed", 0), ("threads", 1)):
        whole(cfg, name, low)
    for name in ("lr", "weight_decay", "ema_decay"):
        number(cfg, name, 0.0, 1.0)
    number(cfg.model, "cond_drop_prob", 0.0, 1.0)
    m = cfg.model
    for name in ("depth", "mlp_ratio"):
        whole(m, name, 1)
    dim, heads = whole(m, "dim", 2), whole(m, "heads", 1)
    if whole(m, "n_beats", 8) % 4 or MODEL_PITCHES % whole(m, "band", 1) or dim % 2 or dim % heads:
        raise BgmError(f"training config: the model needs n_beats a multiple of 4, band dividing {MODEL_PITCHES}, "
                       f"an even dim divisible by heads (got {m.n_beats}, {m.band}, {dim}, {heads})")


def check_resume(path: str) -> None:
    import torch

    if not Path(path).is_file():
        raise BgmError(f"{path}: no such training state (the state.pt of an earlier run)")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many kinds for a file that is not a state
        raise BgmError(f"{path}: not a training state file ({exc.__class__.__name__})") from exc
    if not isinstance(state, dict) or not {"model", "ema", "opt", "step", "log"} <= set(state):
        raise BgmError(f"{path}: not a training state file (a state.pt written by `bgm-studio train`)")


def check_outputs(args: argparse.Namespace, video: str, inputs: tuple = (), extra: tuple = ()) -> None:
    """Refuse bad targets and output options before minutes of work, not after.

    video: the video the outputs are made from; inputs: other files no output may replace.
    """
    from .audio.soundfont import find_soundfont
    from .export.mp4 import check_codec, check_gain, container_format
    from .mix_options import check_mix_args

    mp4 = getattr(args, "output", None) or getattr(args, "mp4", None)
    seen = set()
    for out in (mp4, args.midi, args.wav) + extra:
        if out:
            target = check_writable_target(out, inputs=(video,) + inputs)
            if target in seen:
                raise BgmError(f"{out}: given for two outputs; choose a different name for each")
            seen.add(target)
    if mp4:
        container_format(mp4)
        check_gain(args.original_gain)
        if Path(video).is_file():  # a missing video is reported where it is read ("relink" for a project)
            check_codec(video, mp4)
    check_mix_args(args)
    if mp4 or args.wav or args.stems:
        find_soundfont(args.soundfont)
