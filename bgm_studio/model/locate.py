"""Which checkpoint files a run uses and their ids, without importing torch.

A batch checks its inputs and hashes them before any worker starts: in a process that never runs
the model, importing torch for a path would cost a second of start-up.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

DEFAULT_CHECKPOINT = Path(__file__).resolve().parents[2] / "models" / "bgm-diffusion.pt"
DEFAULT_MELODY_CHECKPOINT = Path(__file__).resolve().parents[2] / "models" / "melody.pt"


def resolve_checkpoint(path: str | os.PathLike | None = None) -> Path:
    """The checkpoint to use: the given path, else $BGM_MODEL, else the bundled one."""
    return Path(path or os.environ.get("BGM_MODEL") or DEFAULT_CHECKPOINT)


def resolve_melody_checkpoint(path: str | os.PathLike | None = None) -> Path:
    """The melody checkpoint to use: the given path, else $BGM_MELODY_MODEL, else the bundled one."""
    return Path(path or os.environ.get("BGM_MELODY_MODEL") or DEFAULT_MELODY_CHECKPOINT)


def model_id(path: str | os.PathLike) -> str:
    """A checkpoint's file name and the start of its sha256."""
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
    return f"{Path(path).name}@{digest}"
