"""Fixtures of the app tests: offscreen Qt, a synthesised clip, a tiny model, a window without sound."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

import pytest

from bgm_studio.audio.soundfont import default_soundfont
from tests.app.helpers import no_sound
from tests.video_clips import ShotSpec, make_clip

SHOTS = [
    ShotSpec(seconds=2.0, hue=30),
    ShotSpec(seconds=2.5, hue=210, motion=0.5, look="texture"),
    ShotSpec(seconds=2.0, hue=120, brightness=0.35),
    ShotSpec(seconds=1.5, hue=300, motion=1.0),
]


@pytest.fixture(scope="session")
def clip(tmp_path_factory) -> str:
    """An 8 s clip of four shots with an audio track (cuts at 2.0, 4.52, 6.52 s)."""
    path = tmp_path_factory.mktemp("clip") / "clip.mp4"
    make_clip(path, SHOTS, audio=True)
    return str(path)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> str:
    from bgm_studio.model.checkpoint import save_model
    from bgm_studio.model.denoiser import Denoiser, ModelConfig

    path = tmp_path_factory.mktemp("model") / "tiny.pt"
    save_model(Denoiser(ModelConfig(dim=32, depth=1, heads=2, mlp_ratio=2)), path)
    return str(path)


@pytest.fixture(autouse=True)
def _app_env(tmp_path_factory, monkeypatch):
    """Recovery files and the recent list in a temporary folder of their own, and the small soundfont."""
    monkeypatch.setenv("BGM_STATE", str(tmp_path_factory.mktemp("state")))
    small = default_soundfont()
    if small is not None and (small.parent / "TimGM6mb.sf2").is_file():
        monkeypatch.setenv("BGM_SOUNDFONT", str(small.parent / "TimGM6mb.sf2"))


@pytest.fixture
def make_window(qtbot, tiny_model):
    """Build a MainWindow on a fresh AppState (model first, then the view), closed after the test.

    Not given to qtbot.addWidget: qtbot would close it before this fixture can drop unsaved
    changes, and the close would then ask whether to discard them.
    """
    from bgm_studio.app.main_window import MainWindow
    from bgm_studio.app.state import AppState

    windows = []

    def make(player_factory=no_sound, state: AppState | None = None) -> MainWindow:
        window = MainWindow(state or AppState(), model_path=tiny_model, player_factory=player_factory)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.state.dirty = False
        window.close()
