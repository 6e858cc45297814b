"""Writing several outputs from one render: each mix is let go once its last output is written."""

import gc
import weakref

import pytest

from bgm_studio.cli import main
from bgm_studio.project import outputs
from bgm_studio.project.outputs import OutputPaths, write_outputs
from bgm_studio.project.state import load_project


@pytest.fixture
def project(monkeypatch, tiny_model, clip, tmp_path):
    monkeypatch.setenv("BGM_MODEL", str(tiny_model))
    path = tmp_path / "p.bgm.json"
    assert main(["generate", str(clip[0]), "--project", str(path), "--seed", "1"]) == 0
    return load_project(path)


def test_the_wavs_mix_is_let_go_before_the_mp4s_is_made(project, monkeypatch, tmp_path):
    """The WAV carries the music alone and the MP4 the picture's mix: two mixes. Each is a whole-piece
    array (254 MB for 12 minutes); before, the WAV's was held until every output was written."""
    made: list[weakref.ref] = []
    mix_rendered, mux_music = outputs.mix_rendered, outputs.mux_music

    def recording(*args, **kwargs):
        sound = mix_rendered(*args, **kwargs)
        made.append(weakref.ref(sound))
        return sound

    def muxing(*args, **kwargs):
        gc.collect()
        alive.append([ref() is not None for ref in made])
        return mux_music(*args, **kwargs)

    alive: list[list[bool]] = []
    monkeypatch.setattr(outputs, "mix_rendered", recording)
    monkeypatch.setattr(outputs, "mux_music", muxing)
    paths = OutputPaths(mp4=str(tmp_path / "out.mp4"), wav=str(tmp_path / "out.wav"))
    written = write_outputs(project, paths, original_gain_db=0.0)
    assert written == [paths.wav, paths.mp4]
    assert len(alive) == 1 and len(alive[0]) == 2  # both mixes made by the time the MP4 is muxed
    assert not alive[0][0]  # and the WAV's let go
