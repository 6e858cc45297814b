"""Which checkpoint files a run uses and their ids, without importing torch.

A batch checks its inputs and hashes them before any worker starts: in a process that never runs
the model, importing torch for a path would cost a second of start-up.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ..errors import BgmError

MODELS = Path(__file__).resolve().parents[2] / "models"
DEFAULT_CHECKPOINT = MODELS / "bgm-diffusion.pt"
DEFAULT_MELODY_CHECKPOINT = MODELS / "melody.pt"
DEFAULT_TEXTURES = MODELS / "textures.npz"
DEFAULT_CRITIC = MODELS / "critic.json"
DEFAULT_ROLL_CRITIC = MODELS / "roll_critic.pt"
# read by every scoring
LEARNED_TABLES = (
    "chords.json",
    "critic.json",
    "control_quantiles.json",
    "dynamics.json",
    "form.json",
    "phrasing.json",
    "roll_critic.pt",
)


def resolve_checkpoint(path: str | os.PathLike | None = None) -> Path:
    """The checkpoint to use: the given path, else $BGM_MODEL, else the bundled one."""
    return Path(path or os.environ.get("BGM_MODEL") or DEFAULT_CHECKPOINT)


def resolve_melody_checkpoint(path: str | os.PathLike | None = None) -> Path:
    """The melody checkpoint to use: the given path, else $BGM_MELODY_MODEL, else the bundled one."""
    return Path(path or os.environ.get("BGM_MELODY_MODEL") or DEFAULT_MELODY_CHECKPOINT)


def resolve_textures(path: str | os.PathLike | None = None) -> Path:
    """The texture library to use: the given path, else $BGM_TEXTURES, else the bundled one."""
    return Path(path or os.environ.get("BGM_TEXTURES") or DEFAULT_TEXTURES)


def resolve_critic(path: str | os.PathLike | None = None) -> Path:
    """The bar critic to use (model.bar_critic): the given path, else the bundled one."""
    return Path(path) if path else DEFAULT_CRITIC


def resolve_roll_critic(path: str | os.PathLike | None = None) -> Path:
    """The roll critic to use (model.roll_critic): the given path, else the bundled one."""
    return Path(path) if path else DEFAULT_ROLL_CRITIC


def music_id(checkpoint: str | os.PathLike | None = None) -> str:
    """The id of everything a piece's notes come from besides the video, the settings and the seed:
    both checkpoints, the figure library and the learned tables of models/. A batch resumes only
    where it matches, so a new melody model or figure library scores every video again."""
    paths = [resolve_checkpoint(checkpoint), resolve_melody_checkpoint(), resolve_textures()]
    paths += [MODELS / name for name in LEARNED_TABLES]
    for path in paths:
        if not path.is_file():
            raise BgmError(f"{path}: model file not found")
    return "+".join(model_id(p) for p in paths)


def model_id(path: str | os.PathLike) -> str:
    """A checkpoint's file name and the start of its sha256."""
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
    return f"{Path(path).name}@{digest}"
