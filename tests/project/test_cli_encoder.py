"""Choosing the semantic encoder at the command line: clear one-line errors before any work, the
environment as the place to set CLIP up once, and the descriptor as the offline default."""

import json
import socket
import sys

import pytest

from bgm_studio.cli import main
from bgm_studio.video.config import AnalysisConfig
from bgm_studio.video.decode import VideoReader
from tests.video.test_encoder_choice import fake_open_clip


@pytest.fixture
def env(monkeypatch, tiny_model, tmp_path):
    monkeypatch.setenv("BGM_MODEL", str(tiny_model))
    monkeypatch.setenv("BGM_CACHE", str(tmp_path / "cache"))


@pytest.fixture
def no_decoding(monkeypatch):
    """Any frame decoded fails the test: the checks must come before the analysis."""

    def frames(*args, **kwargs):
        raise AssertionError("a frame was decoded before the encoder was checked")

    monkeypatch.setattr(VideoReader, "frames", frames)


@pytest.fixture
def weights(tmp_path):
    path = tmp_path / "w.pt"
    path.write_bytes(b"not really weights")
    return path


def command(name, clip, tmp_path):
    """analyze, or generate with every output, none of which may appear after an error."""
    outputs = ["--project", str(tmp_path / "p.bgm.json"), "--midi", str(tmp_path / "p.mid")]
    return [name, str(clip[0])] + (outputs if name == "generate" else ["--json", str(tmp_path / "a.json")])


def one_line_error(capsys, *words: str) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err, err
    assert all(w in err for w in words), err
    return err


@pytest.mark.parametrize("name", ["analyze", "generate"])
@pytest.mark.parametrize(
    "extra, setup, words",
    [
        ([], None, ("no weights configured", "BGM_CLIP_WEIGHTS", "--clip-weights")),
        (["--clip-weights", "{tmp}/missing.pt"], None, ("missing.pt: no such CLIP weights file",)),
        (["--clip-weights", "{weights}"], "not_installed", ("not installed", "pip install open_clip_torch")),
        (["--clip-weights", "{weights}", "--clip-model", "ViT-L-14"], "mismatch", ("cannot load as ViT-L-14",)),
        (["--clip-weights", "{weights}", "--clip-model", "ViT-X"], "fake", ("unknown CLIP model 'ViT-X'",)),
    ],
)
def test_clip_problems_are_one_line_before_any_work(
    env, clip, tmp_path, capsys, monkeypatch, no_decoding, weights, name, extra, setup, words
):
    if setup:
        error = RuntimeError("Error(s) in loading state_dict for CLIP:\n\tsize mismatch for visual.proj")
        monkeypatch.setitem(
            sys.modules,
            "open_clip",
            None if setup == "not_installed" else fake_open_clip(error if setup == "mismatch" else None),
        )
    args = [a.format(tmp=tmp_path, weights=weights) for a in extra]
    assert main(command(name, clip, tmp_path) + ["--encoder", "clip"] + args) == 2
    one_line_error(capsys, *words)
    assert not {"p.bgm.json", "p.mid", "a.json"} & {p.name for p in tmp_path.iterdir()}


def test_clip_options_without_the_clip_encoder_are_refused(env, clip, tmp_path, capsys, weights):
    assert main(["analyze", str(clip[0]), "--clip-weights", str(weights)]) == 2
    one_line_error(capsys, "--encoder clip")


def test_the_environment_supplies_encoder_weights_and_model(
    env, clip, tmp_path, capsys, monkeypatch, no_decoding, weights
):
    monkeypatch.setenv("BGM_ENCODER", "clip")
    monkeypatch.setenv("BGM_CLIP_WEIGHTS", str(tmp_path / "set_once.pt"))
    assert main(["analyze", str(clip[0])]) == 2
    one_line_error(capsys, "set_once.pt: no such CLIP weights file")
    monkeypatch.setenv("BGM_CLIP_WEIGHTS", str(weights))
    monkeypatch.setenv("BGM_CLIP_MODEL", "ViT-Q")
    monkeypatch.setitem(sys.modules, "open_clip", fake_open_clip())
    assert main(["generate", str(clip[0]), "--project", str(tmp_path / "p.bgm.json")]) == 2
    one_line_error(capsys, "unknown CLIP model 'ViT-Q'")
    with pytest.raises(AssertionError, match="a frame was decoded"):  # the option wins, so the analysis starts
        main(["analyze", str(clip[0]), "--encoder", "descriptor", "--no-cache"])


def test_the_default_is_the_descriptor_offline_and_the_project_records_it(env, clip, tmp_path, monkeypatch, weights):
    def no_network(*args, **kwargs):
        raise AssertionError("network access")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setenv("BGM_CLIP_WEIGHTS", str(weights))  # set up once, but not chosen
    proj, out = tmp_path / "p.bgm.json", tmp_path / "a.json"
    assert main(["analyze", str(clip[0]), "--json", str(out)]) == 0
    assert json.loads(out.read_text())["encoder"] == "descriptor-v1"
    assert main(["generate", str(clip[0]), "--project", str(proj)]) == 0
    assert json.loads(proj.read_text())["analysis_settings"] == AnalysisConfig().key()
    assert main(["export", str(proj), "--midi", str(tmp_path / "p.mid")]) == 0
