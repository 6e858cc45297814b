from pathlib import Path

import pytest
import torch

from bgm_studio.model.checkpoint import save_model
from bgm_studio.model.denoiser import Denoiser, ModelConfig
from tests.video_clips import ShotSpec, make_clip


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory):
    """A tiny random-weight checkpoint: a batch of clips is scored in seconds."""
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("model") / "tiny.pt"
    save_model(Denoiser(ModelConfig(dim=32, depth=1, heads=2, mlp_ratio=2)), path, {"steps": 0})
    return path


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> Path:
    """A folder holding one 5-s clip of two shots."""
    folder = tmp_path_factory.mktemp("clips")
    make_clip(folder / "clip.mp4", [ShotSpec(seconds=2.5, hue=30), ShotSpec(seconds=2.5, hue=210)], size=(160, 90))
    return folder
