"""The model on any device: every tensor is made on the model's device, checked on `meta`
(a device every torch build has, with shapes but no data), and CPU results stay as they were."""

import hashlib

import numpy as np
import pytest
import torch

from bgm_studio.errors import BgmError
from bgm_studio.model.checkpoint import load_model
from bgm_studio.model.denoiser import Denoiser, ModelConfig
from bgm_studio.model.device import resolve_device
from bgm_studio.model.pipeline import SampleConfig, ScorePipeline
from bgm_studio.model.schedule import DDIMScheduler
from bgm_studio.music.pianoroll import roll_to_note_array

from tests.model.test_pipeline import controls

META = torch.device("meta")
TINY = ModelConfig(dim=32, depth=1, heads=2, mlp_ratio=2)


def _tiny(seed: int = 0) -> Denoiser:
    torch.manual_seed(seed)
    return Denoiser(TINY).eval()


def _inputs(b: int, device: torch.device):
    return (
        torch.randn(b, 4, 128, 96, device=device),
        torch.tensor([10, 500][:b], device=device),
        torch.zeros(b, 2, 128, 96, device=device),
        torch.zeros(b, 32, 6, device=device),
        torch.zeros(b, 32, dtype=torch.long, device=device),
    )


def test_resolve_device(monkeypatch):
    monkeypatch.delenv("BGM_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto") == torch.device("cpu")
    assert resolve_device(None) == torch.device("cpu")
    with pytest.raises(BgmError, match="no CUDA GPU") as err:
        resolve_device("cuda")
    assert "\n" not in str(err.value)
    with pytest.raises(BgmError, match="choose auto, cpu or cuda"):
        resolve_device("tpu")
    monkeypatch.setenv("BGM_DEVICE", "cuda:0")  # the app's setting reaches the same check
    with pytest.raises(BgmError, match="cuda:0"):
        resolve_device(None)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("cuda")


def test_denoiser_and_guidance_run_on_meta():
    model = _tiny().to(META)
    with torch.no_grad():
        out = model.forward_with_cond_scale(*_inputs(2, META), cond_scale=3.0)
    assert out.device == META and out.shape == (2, 4, 128, 96)


def test_sampler_runs_on_meta_with_inpainting_and_guide():
    model = _tiny().to(META)
    _, _, chords, ctrl, seg = _inputs(1, META)
    known = torch.zeros(1, 4, 128, 96, device=META)
    mask = torch.zeros(1, 4, 128, 96, dtype=torch.bool, device=META)

    def predict_x0(x_t, t):
        return torch.tanh(model.forward_with_cond_scale(x_t, t, chords, ctrl, seg, 3.0) / 2)

    with torch.no_grad():
        x = DDIMScheduler().sample(
            predict_x0, (1, 4, 128, 96), 2, torch.Generator().manual_seed(0), known, mask, known, mask, 1, device=META
        )
    assert x.device == META


def test_pipeline_makes_every_window_tensor_on_the_model_device():
    """A whole window is prepared and sampled on meta; only reading the result back to the CPU,
    which meta cannot do, fails (a tensor left on the CPU would fail earlier, on a device mismatch)."""
    pipe = ScorePipeline(_tiny().to(META), SampleConfig(steps=2))
    with pytest.raises(NotImplementedError, match="meta"):
        pipe.generate(controls(32, cuts=(8,)), seed=0)


def _digest(notes: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(notes, np.int64).tobytes()).hexdigest()[:16]


def test_cpu_music_is_unchanged_for_the_same_seed():
    """Recorded before the model learnt devices: the same seed gives the same notes on the CPU.
    (Re-record only when the music is changed on purpose.)"""
    pipe = ScorePipeline(_tiny(), SampleConfig(steps=4))
    notes = roll_to_note_array(pipe.generate(controls(48, cuts=(16,)), seed=3))
    assert (len(notes), _digest(notes)) == (172, "32624da2d702484a")


def test_load_model_places_the_model_on_the_device(tiny_model_path):
    model, _ = load_model(tiny_model_path, device="cpu")
    assert {p.device for p in model.parameters()} == {torch.device("cpu")}
    with pytest.raises(BgmError, match="choose auto, cpu or cuda"):
        load_model(tiny_model_path, device="gpu")


@pytest.mark.parametrize(
    "command",
    [
        ["generate", "clip.mp4", "-o", "out.mp4"],
        ["regenerate", "p.bgm.json", "--shot", "0"],
        ["eval", "--generate"],
        ["train", "--config", "debug"],
        ["batch", "clips"],
    ],
)
def test_every_command_refuses_a_missing_gpu_in_one_line_before_any_work(command, tmp_path, monkeypatch, capsys):
    from bgm_studio.cli import main

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.chdir(tmp_path)
    out = ["--out", str(tmp_path / "out")] if command[0] in ("train", "batch") else []
    assert main([*command, *out, "--device", "cuda"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no CUDA GPU" in err
    assert list(tmp_path.iterdir()) == []  # nothing made


def test_the_melody_model_samples_on_the_models_device():
    """Every tensor of a melody step is made on the model's device: on meta, only reading the
    drawn token back to the CPU fails."""
    from bgm_studio.model.melody import MelodyConfig, MelodyModel, MelodySampling, sample_melody
    from bgm_studio.model.melody_data import COND_DIM

    model = MelodyModel(MelodyConfig(embed=8, cond_hidden=8, hidden=8, layers=1)).to(META)
    with pytest.raises((NotImplementedError, RuntimeError), match="meta"):
        sample_melody(model, np.zeros((16, COND_DIM), np.float32), MelodySampling(), torch.Generator())
