import pytest
import torch

from bgm_studio.model.checkpoint import save_model
from bgm_studio.model.denoiser import Denoiser, ModelConfig


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory):
    """A tiny random-weight checkpoint: a batch of clips is scored in seconds."""
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("model") / "tiny.pt"
    save_model(Denoiser(ModelConfig(dim=32, depth=1, heads=2, mlp_ratio=2)), path, {"steps": 0})
    return path
