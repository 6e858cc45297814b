"""WAV export: format, exact length, and no partial file on any failure."""

from __future__ import annotations

import errno
import os
import wave

import numpy as np
import pytest

from bgm_studio.audio.loudness import measure
from bgm_studio.errors import BgmError
from bgm_studio.export.wav import export_wav, to_pcm, write_wav

SR = 44100


def read_wav(path) -> tuple[wave._wave_params | None, np.ndarray]:
    """Parameters and float samples, shape=(frames, channels); a float WAV (stems) is read by scipy, params None."""
    if open(path, "rb").read(22)[20:22] == b"\x03\x00":  # WAVE_FORMAT_IEEE_FLOAT, which `wave` refuses
        from scipy.io import wavfile

        return None, wavfile.read(path)[1].astype(np.float64)
    with wave.open(str(path)) as w:
        params, raw = w.getparams(), w.readframes(w.getnframes())
    if params.sampwidth == 3:
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3)
        ints = b[:, 0].astype(np.int32) | b[:, 1].astype(np.int32) << 8 | b[:, 2].astype(np.int32) << 16
        ints = np.where(ints >= 1 << 23, ints - (1 << 24), ints)
    else:
        ints = np.frombuffer(raw, "<i2").astype(np.int32)
    return params, ints.reshape(-1, params.nchannels) / float(2 ** (8 * params.sampwidth - 1) - 1)


@pytest.mark.parametrize("bits", [16, 24])
def test_stereo_pcm_of_exactly_the_video_length(score, tmp_path, bits):
    path = tmp_path / "music.wav"
    export_wav(score, path, duration_s=3.21, bits=bits)
    params, audio = read_wav(path)
    assert (params.nchannels, params.sampwidth, params.framerate) == (2, bits // 8, SR)
    assert params.nframes == round(3.21 * SR) == len(audio)
    level = measure(audio, SR)  # the default target: streaming, -14 LUFS, true peak <= -1 dBTP
    assert level.lufs == pytest.approx(-14.0, abs=0.5) and level.true_peak_db <= -1.0
    assert [p.name for p in tmp_path.iterdir()] == ["music.wav"]


def test_24_bit_samples_are_exact():
    audio = np.array([[0.0, -1.0], [1.0, 0.5], [-0.25, 1e-7]], np.float32)
    raw = np.frombuffer(to_pcm(audio, 24), np.uint8).reshape(-1, 3)
    ints = raw[:, 0].astype(int) | raw[:, 1].astype(int) << 8 | raw[:, 2].astype(int) << 16
    ints = np.where(ints >= 1 << 23, ints - (1 << 24), ints)
    assert ints.tolist() == [0, -8388607, 8388607, 4194304, -2097152, 1]


def test_bad_bit_depth_is_refused(score, tmp_path):
    with pytest.raises(BgmError, match="choose 16 or 24"):
        export_wav(score, tmp_path / "x.wav", bits=8)


def test_missing_folder(score, tmp_path):
    with pytest.raises(BgmError, match="does not exist"):
        export_wav(score, tmp_path / "gone" / "x.wav")


def test_unwritable_folder(score, tmp_path, monkeypatch):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    if os.access(folder, os.W_OK):  # running as root: permissions do not stop us, so pretend they do
        real_access = os.access
        monkeypatch.setattr(os, "access", lambda p, mode: False if str(p) == str(folder) else real_access(p, mode))
    with pytest.raises(BgmError, match="not writable") as info:
        export_wav(score, folder / "x.wav")
    assert "\n" not in str(info.value) and not any(folder.iterdir())


def test_disk_full_during_write_leaves_nothing_and_keeps_the_old_file(score, tmp_path, monkeypatch):
    path = tmp_path / "music.wav"
    path.write_bytes(b"the previous export")
    real_write, calls = wave.Wave_write.writeframesraw, []

    def fill_up(self, data):  # the first chunk fits on the disk, the second does not
        calls.append(len(data))
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(self, data)

    monkeypatch.setattr(wave.Wave_write, "writeframesraw", fill_up)
    with pytest.raises(BgmError) as info:
        export_wav(score, path, duration_s=5.0)
    message = str(info.value)
    assert "\n" not in message and "No space left on device" in message and str(path) in message
    assert path.read_bytes() == b"the previous export"
    assert [p.name for p in tmp_path.iterdir()] == ["music.wav"]


def test_cancel_leaves_no_file(tmp_path):
    audio = np.zeros((SR * 4, 2), np.float32)
    with pytest.raises(BgmError, match="cancelled"):
        write_wav(audio, SR, tmp_path / "x.wav", cancel=lambda: True)
    assert not any(tmp_path.iterdir())


def test_progress_reaches_the_end(tmp_path):
    seen = []
    write_wav(
        np.zeros((SR * 4, 2), np.float32), SR, tmp_path / "x.wav", progress=lambda d, t, l: seen.append((d, t, l))
    )
    assert seen[-1] == (SR * 4, SR * 4, "writing WAV")
