"""Soundfont lookup and the errors for missing or corrupt files."""

from __future__ import annotations

import pytest

from bgm_studio.audio.soundfont import ENV_VAR, default_soundfont, find_soundfont
from bgm_studio.audio.synth import Synth, SynthConfig
from bgm_studio.errors import BgmError


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)


def test_default_is_the_installed_gm_soundfont():
    default = default_soundfont()
    if default is None:
        pytest.skip("no GM soundfont installed")
    assert default.name in ("FluidR3_GM.sf2", "TimGM6mb.sf2")
    assert find_soundfont() == default


def test_user_path_and_environment_are_honoured(monkeypatch, tmp_path):
    default = default_soundfont()
    if default is None:
        pytest.skip("no GM soundfont installed")
    copy = tmp_path / "mine.sf2"
    copy.symlink_to(default)
    assert find_soundfont(copy) == copy
    monkeypatch.setenv(ENV_VAR, str(copy))
    assert find_soundfont() == copy


def riff(kind: bytes, *chunks: bytes) -> bytes:
    body = kind + b"".join(chunks)
    return b"RIFF" + len(body).to_bytes(4, "little") + body


def list_chunk(kind: bytes, payload: bytes = b"") -> bytes:
    return b"LIST" + (4 + len(payload)).to_bytes(4, "little") + kind + payload


GARBAGE_PDTA = riff(b"sfbk", list_chunk(b"INFO"), list_chunk(b"sdta"), list_chunk(b"pdta", b"phdr" + bytes(40)))


@pytest.mark.parametrize(
    "content",
    [
        None,
        b"",
        b"not a soundfont at all",
        b"RIFF\x10\x00\x00\x00sfbkLIST" + bytes(64),
        GARBAGE_PDTA[:-20],
        GARBAGE_PDTA,
        "truncated",
    ],
    ids=["missing", "empty", "text", "bad-size", "cut-short", "garbage-presets", "truncated"],
)
def test_missing_or_corrupt_soundfont_is_a_one_line_error_offering_the_default(tmp_path, content):
    path = tmp_path / "broken.sf2"
    if content == "truncated":
        if default_soundfont() is None:
            pytest.skip("no GM soundfont installed")
        content = default_soundfont().read_bytes()[:100_000]
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(BgmError) as info:
        Synth(SynthConfig(soundfont=str(path)), 44100).close()
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    if default_soundfont() is not None:
        assert str(default_soundfont()) in message


def test_environment_soundfont_that_is_missing_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "gone.sf2"))
    with pytest.raises(BgmError, match="gone.sf2: soundfont not found"):
        find_soundfont()


def test_bad_program_is_refused():
    with pytest.raises(BgmError, match="GM program 128"):
        Synth(SynthConfig(programs=(0, 128)), 44100)
