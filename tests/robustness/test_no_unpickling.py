"""Defect 2: no file the program reads is unpickled; a planted cache file runs no code."""

from __future__ import annotations

import pickle
import re
import shutil
from pathlib import Path

import numpy as np

from bgm_studio.music import pop909

PACKAGE = Path(__file__).resolve().parents[2] / "bgm_studio"


class _Payload:
    """Unpickling this creates the file named by `marker`: the code an attacker would run."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


def test_a_planted_pop909_cache_runs_nothing(pop909_root, tmp_path, monkeypatch):
    root = tmp_path / "pop"
    for sid in ("819", "820"):
        shutil.copytree(pop909_root / sid, root / sid)
    cache = tmp_path / "cache"
    monkeypatch.setenv("BGM_CACHE", str(cache))
    cache.mkdir()
    marker = tmp_path / "owned"
    name = f"pop909-test-{pop909._fingerprint(root.resolve(), ('819', '820'))}"
    for suffix in (".pkl", ".npz"):  # wherever the cache is looked for
        (cache / (name + suffix)).write_bytes(pickle.dumps(_Payload(str(marker))))
    songs, problems = pop909.load_split("test", root, workers=1)
    assert not marker.exists()
    assert [s.song_id for s in songs] == ["819", "820"] and problems == []
    again, _ = pop909.load_split("test", root, workers=1)  # now from the rewritten cache
    assert not marker.exists()
    for a, b in zip(songs, again):
        assert a.song_id == b.song_id and a.n_steps == b.n_steps and a.tempo_bpm == b.tempo_bpm
        for field in ("notes", "chord_root", "chord_pcs", "key_tonic", "key_minor"):
            assert (
                np.array_equal(getattr(a, field), getattr(b, field))
                and getattr(a, field).dtype == getattr(b, field).dtype
            )


def test_no_code_path_unpickles():
    """pickle.load(s) is never called, np.load always refuses pickles and torch.load keeps to weights."""
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        assert not re.search(r"pickle\.loads?\(|Unpickler|marshal\.loads?\(|shelve|joblib", text), path
        for call in re.findall(r"torch\.load\([^)]*\)", text):
            assert "weights_only=True" in call, (path, call)
        for call in re.findall(r"np\.load\([^)]*\)", text):
            assert "allow_pickle=False" in call, (path, call)
