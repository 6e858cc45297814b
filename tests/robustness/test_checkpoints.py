"""Defect 8: a damaged, empty, foreign or mismatched checkpoint or training state is one line, exit 2."""

from __future__ import annotations

import pickle

import pytest
import torch

from bgm_studio.cli import main
from bgm_studio.model.denoiser import Denoiser, ModelConfig
from tests.robustness.helpers import one_line_error


def bad_checkpoints(tmp_path, tiny_model) -> dict:
    good = tiny_model.read_bytes()
    files = {
        "empty": b"",
        "plain pickle": pickle.dumps({"model_config": {}, "state_dict": {}}),
        "pickle protocol 2": pickle.dumps([1, 2, 3], protocol=2),
        "zip header then garbage": b"PK\x03\x04" + bytes(100),
        "cut in half": good[: len(good) // 2],
        "text": b"hello\n",
    }
    torch.save({"weights": torch.zeros(3)}, tmp_path / "other.pt")
    files["another torch file"] = (tmp_path / "other.pt").read_bytes()
    return files


@pytest.mark.parametrize(
    "name",
    [
        "empty",
        "plain pickle",
        "pickle protocol 2",
        "zip header then garbage",
        "cut in half",
        "text",
        "another torch file",
    ],
)
def test_a_bad_checkpoint_is_one_line(video, tiny_model, tmp_path, capsys, recwarn, name):
    model = tmp_path / "m.pt"
    model.write_bytes(bad_checkpoints(tmp_path, tiny_model)[name])
    assert main(["generate", str(video), "--model", str(model), "--midi", str(tmp_path / "o.mid")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and str(model) in err, err
    assert "torch.load" not in err and len(err) < 200 and not [w.message for w in recwarn], (
        err
    )  # torch's prose stays out
    assert not (tmp_path / "o.mid").exists()


@pytest.mark.parametrize("name", ["empty", "plain pickle", "cut in half"])
def test_a_bad_training_state_is_one_line(tmp_path, tiny_model, capsys, name):
    state = tmp_path / "state.pt"
    state.write_bytes(bad_checkpoints(tmp_path, tiny_model)[name])
    assert main(["train", "--config", "debug", "--out", str(tmp_path / "run"), "--resume", str(state)]) == 2
    one_line_error(capsys, str(state))
    assert not (tmp_path / "run").exists()


def test_resuming_another_architecture_is_one_line(tmp_path, capsys):
    other = Denoiser(ModelConfig(dim=64, depth=1, heads=2, mlp_ratio=2))
    opt = torch.optim.AdamW(other.parameters())
    state = tmp_path / "state.pt"
    torch.save(
        {"model": other.state_dict(), "ema": other.state_dict(), "opt": opt.state_dict(), "step": 3, "log": []}, state
    )
    assert main(["train", "--config", "debug", "--out", str(tmp_path / "run"), "--resume", str(state)]) == 2
    one_line_error(capsys, "another model architecture than the config's")
    assert not (tmp_path / "run").exists()


def test_resuming_the_melody_model_checks_its_own_architecture(tmp_path, capsys):
    """`train --melody --resume` once crashed with a TypeError (found by mypy): the check now knows the melody model."""
    from bgm_studio.model.melody import MelodyConfig, MelodyModel

    other = MelodyModel(MelodyConfig(embed=8, cond_hidden=16, hidden=24, layers=1))
    state = tmp_path / "melody-state.pt"
    opt = torch.optim.AdamW(other.parameters())
    torch.save(
        {"model": other.state_dict(), "ema": other.state_dict(), "opt": opt.state_dict(), "step": 3, "log": []}, state
    )
    args = ["train", "--melody", "--config", "debug", "--out", str(tmp_path / "run"), "--resume", str(state)]
    assert main(args) == 2
    one_line_error(capsys, "another model architecture than the config's")
    assert not (tmp_path / "run").exists()
