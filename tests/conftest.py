"""Shared fixtures: an isolated cache folder, the POP909 location and a tiny checkpoint."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

POP909 = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "pop909"


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Every test writes its caches into a per-session temporary folder, never the user's."""
    monkeypatch.setenv("BGM_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))
    # a user's CLIP setup, models or device must not reach tests: the shipped models' tests ask of the shipped files
    for name in (
        "BGM_ENCODER",
        "BGM_CLIP_WEIGHTS",
        "BGM_CLIP_MODEL",
        "BGM_MODEL",
        "BGM_MELODY_MODEL",
        "BGM_TEXTURES",
        "BGM_DEVICE",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A tiny random-weight diffusion checkpoint (seeded): whole flows run in seconds."""
    import torch

    from bgm_studio.model.checkpoint import save_model
    from bgm_studio.model.denoiser import Denoiser, ModelConfig

    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("model") / "tiny.pt"
    save_model(Denoiser(ModelConfig(dim=32, depth=1, heads=2, mlp_ratio=2)), path)
    return path


@pytest.fixture(scope="session")
def pop909_root() -> Path:
    root = Path(os.environ.get("BGM_POP909", POP909)).resolve()
    if not (root / "001").is_dir():
        pytest.skip("POP909 not available")
    return root
