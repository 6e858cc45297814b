"""Live playback through a capture output (no sound card needed) and the no-device path."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from bgm_studio.audio.output import CaptureOutput, DeviceOutput
from bgm_studio.audio.player import PAUSED, PLAYING, STOPPED, TAIL_S, Player
from bgm_studio.audio.synth import Performance, Synth, SynthConfig
from bgm_studio.errors import BgmError
from tests.media import first_sound

SR = 44100
BLOCK = 512
DRY = SynthConfig(reverb=False)


@pytest.fixture
def player(staccato):
    output = CaptureOutput(SR)
    with Player(DRY, output) as p:
        p.load(staccato)
        yield p, output


def pull_seconds(output: CaptureOutput, seconds: float) -> np.ndarray:
    return np.concatenate([output.pull(BLOCK) for _ in range(int(seconds * SR) // BLOCK)])


def test_nothing_is_sent_until_play(player):
    p, output = player
    assert p.state == STOPPED and not pull_seconds(output, 0.2).any() and p.position_s() == 0.0


def test_clock_counts_exactly_the_frames_sent_and_matches_an_offline_render(player, staccato):
    p, output = player
    p.play()
    sent = pull_seconds(output, 3.0)
    assert p.position_s() == len(sent) / SR
    synth = Synth(SynthConfig(reverb=False), SR)
    offline = np.zeros_like(sent)
    Performance(synth, staccato).render_into(offline)
    synth.close()
    np.testing.assert_array_equal(sent, np.clip(offline, -1, 1))


def test_play_from_a_time_and_seek(player, staccato):
    p, output = player
    p.play(from_s=1.9)  # the note at 2.0 s comes 0.1 s in
    assert p.position_s() == pytest.approx(1.9, abs=1 / SR)
    sent = pull_seconds(output, 0.3)
    assert first_sound(sent, SR, 0.0) == pytest.approx(0.1, abs=0.003)
    p.seek(0.45)
    assert p.state == PLAYING and p.position_s() == pytest.approx(0.45, abs=1 / SR)
    sent = pull_seconds(output, 0.2)
    assert first_sound(sent, SR, 0.0) == pytest.approx(0.05, abs=0.003)


def test_pause_freezes_the_clock_and_sends_silence_then_resumes(player):
    p, output = player
    p.play()
    pull_seconds(output, 0.7)  # the note at 0.5 s has ended
    p.pause()
    paused_at = p.position_s()
    assert p.state == PAUSED and not pull_seconds(output, 0.3).any() and p.position_s() == paused_at
    p.play()
    assert p.position_s() == pytest.approx(paused_at, abs=64 / SR)
    sent = pull_seconds(output, 0.5)
    assert first_sound(sent, SR, 0.0) == pytest.approx(1.0 - paused_at, abs=0.003)  # next note at 1.0 s


def test_play_while_playing_changes_nothing(player, staccato):
    p, output = player
    p.play()
    first = pull_seconds(output, 0.55)
    p.play()
    rest = pull_seconds(output, 0.5)
    offline = np.zeros((len(first) + len(rest), 2), np.float32)
    synth = Synth(SynthConfig(reverb=False), SR)
    Performance(synth, staccato).render_into(offline)
    synth.close()
    np.testing.assert_array_equal(np.concatenate([first, rest]), offline)


def test_stop_rewinds_and_the_end_stops_by_itself(player, staccato):
    p, output = player
    p.play(from_s=3.5)
    pull_seconds(output, p.duration_s() - 3.5 + TAIL_S + 0.1)
    assert p.state == STOPPED and p.position_s() == 0.0
    p.play(from_s=1.0)
    p.stop()
    assert p.state == STOPPED and p.position_s() == 0.0


def test_controls_need_a_score():
    with Player(DRY, CaptureOutput(SR)) as p:
        with pytest.raises(BgmError, match="load a score"):
            p.play()
        assert p.position_s() == 0.0 and p.duration_s() == 0.0


def test_controls_from_another_thread_while_audio_is_pulled(player):
    p, output = player
    stop = threading.Event()
    errors = []

    def gui():
        rng = np.random.default_rng(1)
        try:
            while not stop.is_set():
                action = rng.integers(4)
                if action == 0:
                    p.play(float(rng.uniform(0, 3)))
                elif action == 1:
                    p.pause()
                elif action == 2:
                    p.seek(float(rng.uniform(0, 3)))
                else:
                    assert 0.0 <= p.position_s() <= p.duration_s() + TAIL_S + BLOCK / SR
        except Exception as exc:  # reported below, in the test thread
            errors.append(exc)

    thread = threading.Thread(target=gui)
    thread.start()
    for _ in range(400):
        assert np.abs(output.pull(BLOCK)).max() <= 1.0
    stop.set()
    thread.join()
    assert not errors


def test_no_audio_device_is_a_clear_error_without_hanging():
    start = time.monotonic()
    with pytest.raises(BgmError, match="playback is unavailable"):
        Player(DRY, DeviceOutput(SR, driver="oss", device="/nonexistent/dsp"))
    assert time.monotonic() - start < 5


def test_the_real_driver_path_with_alsa_null_device(staccato):
    """FluidSynth's ALSA driver on the 'null' device pulls blocks from its own thread, as with a sound card."""
    try:
        p = Player(DRY, DeviceOutput(SR, driver="alsa", device="null"))
    except BgmError:
        pytest.skip("ALSA null device not available")
    with p:
        p.load(staccato)
        p.play()
        deadline = time.monotonic() + 5  # the null device takes audio faster than real time
        while p.state == PLAYING and time.monotonic() < deadline:
            time.sleep(0.01)
        assert p.state == STOPPED and p.position_s() == 0.0  # played to the end and rewound


def test_a_second_score_keeps_exact_timing(player, staccato):
    p, output = player
    p.play()
    output.pull(1000)  # leaves the synth off its block grid
    p.load(staccato, programs=(0, 0))
    p.play(1.9)
    sent = pull_seconds(output, 0.3)
    synth = Synth(SynthConfig(reverb=False), SR)
    offline = np.zeros_like(sent)
    Performance(synth, staccato, start_s=1.9).render_into(offline)
    synth.close()
    assert np.abs(sent - offline).max() < 2e-3  # -54 dBFS: the same audio on the same frames


def test_a_device_that_will_not_open_prints_nothing_but_the_error():
    code = (
        "from bgm_studio.audio import DeviceOutput, Player\nfrom bgm_studio.errors import BgmError\n"
        "try:\n    Player(output=DeviceOutput(driver='alsa', device='hw:99'))\n"
        "except BgmError as exc:\n    print(f'error: {exc}')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.stdout.startswith("error: no audio output device") and result.stdout.count("\n") == 1
    assert result.stderr == ""
