"""Choosing the semantic encoder: settings from arguments and the environment, and the checks on clip.

open_clip is not a dependency and no CLIP weights can be had here, so the clip paths run against
a stand-in module put in sys.modules (or None there: open_clip not installed).
"""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest

from bgm_studio.errors import BgmError
from bgm_studio.video.cache import cache_key, content_key
from bgm_studio.video.config import AnalysisConfig, configured
from bgm_studio.video.encoders import check_encoder, make_encoder


def fake_open_clip(load_error: Exception | None = None) -> types.ModuleType:
    """Knows ViT-B-32, ViT-L-14 and a model with a Hugging Face text tower; loading raises load_error."""
    module = types.ModuleType("open_clip")
    configs = {"ViT-B-32": {}, "ViT-L-14": {}, "roberta-ViT-B-32": {"text_cfg": {"hf_model_name": "roberta-base"}}}
    module.list_models = lambda: list(configs)
    module.get_model_config = configs.get

    def create_model(name, pretrained=None):
        raise load_error or AssertionError("the stand-in cannot build a model")

    module.create_model = create_model
    return module


@pytest.fixture
def weights(tmp_path) -> Path:
    path = tmp_path / "vit-b-32.pt"
    path.write_bytes(b"not really weights")
    return path


def test_default_is_the_descriptor_and_ignores_a_clip_setup(monkeypatch, weights):
    assert configured() == AnalysisConfig() and AnalysisConfig().encoder == "descriptor"
    monkeypatch.setenv("BGM_CLIP_WEIGHTS", str(weights))
    monkeypatch.setenv("BGM_CLIP_MODEL", "ViT-L-14")
    assert configured() == AnalysisConfig()  # same cache key, same project settings as without the variables
    with pytest.raises(BgmError, match="clip encoder only"):
        configured(clip_weights=str(weights))


def test_environment_supplies_the_clip_settings_and_arguments_win(monkeypatch, weights, tmp_path):
    monkeypatch.setenv("BGM_ENCODER", "clip")
    monkeypatch.setenv("BGM_CLIP_WEIGHTS", str(weights))
    monkeypatch.setenv("BGM_CLIP_MODEL", "ViT-L-14")
    config = configured()
    assert (config.encoder, config.clip_weights, config.clip_model) == ("clip", str(weights), "ViT-L-14")
    monkeypatch.chdir(tmp_path)
    config = configured("clip", weights.name, "ViT-B-32")
    assert (config.clip_weights, config.clip_model) == (str(weights), "ViT-B-32")  # absolute: projects move
    assert configured("descriptor").encoder == "descriptor"


def test_settings_survive_json(weights):
    config = configured("clip", str(weights))
    assert AnalysisConfig.from_key(json.loads(json.dumps(config.key()))) == config
    assert AnalysisConfig.from_key({}) == AnalysisConfig()
    assert AnalysisConfig.from_key({"sample_fps": 10}).key() == AnalysisConfig().key()  # 10 keys as 10.0
    with pytest.raises(BgmError, match="analysis settings: fast_decode: expected true or false"):
        AnalysisConfig.from_key({"fast_decode": 1})


@pytest.mark.parametrize(
    "config, message",
    [
        (AnalysisConfig(encoder="clip"), "no weights configured: set $BGM_CLIP_WEIGHTS"),
        (AnalysisConfig(encoder="clip", clip_weights="/nowhere/w.pt"), "/nowhere/w.pt: no such CLIP weights file"),
        (AnalysisConfig(encoder="nope"), "unknown semantic encoder 'nope'"),
    ],
)
def test_checks_need_neither_open_clip_nor_weights(config, message):
    with pytest.raises(BgmError) as info:
        check_encoder(config)
    assert message in str(info.value)


def test_open_clip_not_installed_says_how_to_install_it(monkeypatch, weights):
    monkeypatch.setitem(sys.modules, "open_clip", None)  # import open_clip raises ImportError
    with pytest.raises(BgmError, match=r"not installed: .*-m pip install open_clip_torch"):
        check_encoder(configured("clip", str(weights)))


@pytest.mark.parametrize(
    "model, message",
    [
        ("ViT-B-23", "unknown CLIP model 'ViT-B-23' (did you mean ViT-B-32"),
        ("roberta-ViT-B-32", "Hugging Face hub"),
    ],
)
def test_models_open_clip_cannot_build_offline_are_refused(monkeypatch, weights, model, message):
    monkeypatch.setitem(sys.modules, "open_clip", fake_open_clip())
    with pytest.raises(BgmError) as info:
        check_encoder(configured("clip", str(weights), model))
    assert message in str(info.value)


def test_weights_of_another_model_give_one_line(monkeypatch, weights):
    torch_error = RuntimeError("Error(s) in loading state_dict for CLIP:\n\tsize mismatch for visual.conv1.weight")
    monkeypatch.setitem(sys.modules, "open_clip", fake_open_clip(torch_error))
    with pytest.raises(BgmError) as info:
        make_encoder(configured("clip", str(weights), "ViT-L-14"))
    message = str(info.value)
    assert "\n" not in message and "cannot load as ViT-L-14 CLIP weights" in message and "--clip-model" in message


def test_new_weights_under_the_same_name_are_a_new_cache_entry(weights, cut_clip):
    config = configured("clip", str(weights))
    content = content_key(cut_clip[0])
    before = cache_key(content, config)
    weights.write_bytes(b"other weights")
    assert cache_key(content, config) != before
    assert cache_key(content, AnalysisConfig()) == cache_key(content, configured())
