"""The cache and recovery folders: where Linux keeps them (platformdirs), and the overrides."""

from __future__ import annotations

import sys

import pytest

from bgm_studio.app.recovery import recovery_path
from bgm_studio.cache_root import cache_root
from bgm_studio.video.cache import cache_dir


@pytest.mark.skipif(sys.platform != "linux", reason="the XDG places are Linux's")
def test_the_folders_keep_their_linux_places(monkeypatch, tmp_path):
    for name in ("BGM_CACHE", "BGM_STATE", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache_root() == tmp_path / ".cache" / "bgm_studio"
    assert cache_dir() == tmp_path / ".cache" / "bgm_studio" / "video"
    assert recovery_path() == tmp_path / ".local" / "state" / "bgm_studio" / "recovery.bgm.json"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "c"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "s"))
    assert cache_root() == tmp_path / "c" / "bgm_studio"
    assert recovery_path() == tmp_path / "s" / "bgm_studio" / "recovery.bgm.json"


def test_the_environment_overrides_them(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("BGM_CACHE", "~/mine")
    monkeypatch.setenv("BGM_STATE", str(tmp_path / "state"))
    assert cache_root() == tmp_path / "mine" and cache_dir() == tmp_path / "mine" / "video"
    assert recovery_path() == tmp_path / "state" / "recovery.bgm.json"
