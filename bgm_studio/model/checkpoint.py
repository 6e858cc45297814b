"""Saving and loading model weights (torch.load with weights_only=True)."""

from __future__ import annotations

import os
import pickle
import warnings
import zipfile
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable, TypeVar

import torch

from ..atomic import atomic_path
from ..errors import BgmError
from ..input_file import absent_reason
from .denoiser import Denoiser, ModelConfig
from .melody import MelodyConfig, MelodyModel
from .device import resolve_device
from .locate import resolve_checkpoint, resolve_melody_checkpoint, resolve_roll_critic
from .roll_critic import RollCritic, RollCriticConfig, RollCriticNet

M = TypeVar("M", bound=torch.nn.Module)  # the network a checkpoint rebuilds


def save_model(model: Denoiser, path: str | os.PathLike, meta: dict | None = None) -> None:
    """Write model config + weights (+ plain-data meta) atomically."""
    payload = {"model_config": asdict(model.cfg), "state_dict": model.state_dict(), "meta": meta or {}}
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)


def read_torch_file(path: str | os.PathLike, what: str) -> Any:
    """The plain data of a file written by torch.save, weights only; a one-line BgmError for anything else.

    Only the zip format torch.save writes is opened: a bare pickle (torch's legacy format) is
    refused before torch sees it, and torch's warnings never reach the terminal.
    """
    size = os.path.getsize(path)
    if size == 0:
        raise BgmError(f"{path}: not a {what} (the file is empty)")
    if not zipfile.is_zipfile(path):
        raise BgmError(f"{path}: not a {what} (not a file written by torch.save)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise BgmError(f"{path}: not a {what} (it holds objects other than weights)") from exc
    except Exception as exc:  # torch raises many kinds (RuntimeError from its zip reader, EOFError...)
        raise BgmError(f"{path}: not a {what} (the file is damaged: {exc.__class__.__name__})") from exc


def load_model(
    path: str | os.PathLike | None = None, device: str | torch.device | None = "cpu"
) -> tuple[Denoiser, dict]:
    """Load a checkpoint written by save_model onto a device (see resolve_device; None: $BGM_DEVICE,
    else auto); clear errors for missing or corrupt files."""
    device = resolve_device(device)
    path = resolve_checkpoint(path)
    if not path.is_file():
        raise BgmError(f"{path}: {absent_reason(path, 'model checkpoint')} (train one with `bgm-studio train`)")
    payload = read_torch_file(path, "valid BGM Studio checkpoint")
    model = _rebuild(path, payload, lambda cfg: Denoiser(ModelConfig(**cfg)), "model_config", "BGM Studio checkpoint")
    model.to(device).eval()
    return model, dict(payload.get("meta", {}))


def _rebuild(path: Path, payload: Any, build: Callable[[Any], M], config_key: str, what: str) -> M:
    """The network a checkpoint's payload describes, with its weights; a one-line BgmError where they do not fit."""
    try:
        model = build(payload[config_key])
        model.load_state_dict(payload["state_dict"])
    except (RuntimeError, KeyError, TypeError, ValueError, IndexError) as exc:
        raise BgmError(
            f"{path}: not a valid {what} ({exc.__class__.__name__}: "
            f"{str(exc).splitlines()[0][:80] if str(exc) else 'no detail'})"
        ) from exc
    return model


def save_melody(model: MelodyModel, path: str | os.PathLike, meta: dict | None = None) -> None:
    """Write config + weights (+ plain-data meta) atomically, as CPU tensors."""
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    payload = {"melody_config": asdict(model.cfg), "state_dict": state, "meta": meta or {}}
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)


def load_melody(path: str | os.PathLike | None = None, device: str | torch.device = "cpu") -> MelodyModel:
    """Load a melody checkpoint written by save_melody; one-line errors for missing or damaged files."""
    path = resolve_melody_checkpoint(path)
    if not path.is_file():
        raise BgmError(f"{path}: {absent_reason(path, 'melody model')} (train one with `bgm-studio train --melody`)")
    payload = read_torch_file(path, "valid melody checkpoint")
    model = _rebuild(path, payload, lambda cfg: MelodyModel(MelodyConfig(**cfg)), "melody_config", "melody checkpoint")
    return model.to(resolve_device(device)).eval()


def save_roll_critic(critic: RollCritic, path: str | os.PathLike) -> None:
    """Write the roll critic's network config + weights atomically, as CPU tensors."""
    state = {k: v.detach().cpu() for k, v in critic.net.state_dict().items()}
    with atomic_path(path) as tmp:
        torch.save({"roll_critic_config": asdict(critic.net.cfg), "state_dict": state}, tmp)


def load_roll_critic(path: str | os.PathLike | None = None, device: str | torch.device = "cpu") -> RollCritic:
    """Load a roll critic written by save_roll_critic; one-line errors for missing or damaged files."""
    path = resolve_roll_critic(path)
    if not path.is_file():
        raise BgmError(f"{path}: {absent_reason(path, 'roll critic')} (fit one with `bgm-studio train --roll-critic`)")
    payload = read_torch_file(path, "valid roll critic")

    def build(cfg: dict) -> RollCriticNet:
        return RollCriticNet(RollCriticConfig(**{**cfg, "channels": tuple(cfg["channels"])}))

    net = _rebuild(path, payload, build, "roll_critic_config", "roll critic")
    return RollCritic(net.to(resolve_device(device)))
