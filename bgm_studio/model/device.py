"""Which torch device the model runs on: `auto` (CUDA when present, else CPU), `cpu` or `cuda[:N]`.

One place decides, so the CLI, the app ($BGM_DEVICE) and training agree, and asking for a GPU
that is not there is one clear error instead of a CUDA traceback deep in a forward pass.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ..errors import BgmError

if TYPE_CHECKING:
    import torch

DEVICES = ("auto", "cpu", "cuda")  # the choices the CLI offers; `cuda:N` is accepted too


def resolve_device(name: str | torch.device | None = None) -> torch.device:
    """The device for `name`, else $BGM_DEVICE, else auto; BgmError for one that cannot be used."""
    import torch  # here, not above: the CLI's parser reads DEVICES, and torch took 3-5 s of the app's first start

    if isinstance(name, torch.device):
        return name
    name = device_name(name)
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda" or name.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise BgmError(f"device {name}: no CUDA GPU is available here (use --device cpu or auto)")
        device = torch.device(name)
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise BgmError(f"device {name}: only {torch.cuda.device_count()} CUDA GPU(s) here")
        return device
    raise BgmError(f"device {name!r}: choose auto, cpu or cuda")


def device_name(name: str | None = None) -> str:
    """The device asked for, else $BGM_DEVICE, else auto, in lower case."""
    return (name or os.environ.get("BGM_DEVICE") or "auto").strip().lower()


def check_device(name: str | None = None) -> None:
    """Refuse a device that cannot be used, as resolve_device would, importing torch only to look for a GPU.

    Why: the batch's parent process and the CLI check the device before any work, and neither
    runs the model; auto and cpu are always usable, and torch costs them a second to import.
    """
    if device_name(name) not in ("auto", "cpu"):
        resolve_device(name)
