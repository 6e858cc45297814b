"""Playback without a sound card: 'playback off' when there is no device; with a capture output,
play/pause/seek move the playhead and the picture follows the audio clock."""

from __future__ import annotations

import threading
import time

import numpy as np
from PySide6.QtCore import Qt

from bgm_studio.app import jobs
from bgm_studio.audio.output import CaptureOutput, DeviceOutput
from bgm_studio.audio.player import PLAYING
from tests.app.conftest import SHOTS
from tests.app.helpers import click_time, wait_task

RATE = 44100


def capture_factory(outputs: list[CaptureOutput]):
    def make(sound):
        output = CaptureOutput(RATE)
        outputs.append(output)
        return jobs.open_player(sound, lambda: output)

    return make


class RealTimePull(threading.Thread):
    """Pulls audio from a CaptureOutput at the pace a sound card would."""

    def __init__(self, output: CaptureOutput, block: int = 512) -> None:
        super().__init__(daemon=True)
        self.output, self.block, self.running = output, block, True

    def run(self) -> None:
        start, sent = time.perf_counter(), 0
        while self.running:
            self.output.pull(self.block)
            sent += self.block
            time.sleep(max(0.0, start + sent / RATE - time.perf_counter()))


def _scored_window(qtbot, make_window, clip, outputs):
    window = make_window(player_factory=capture_factory(outputs))
    window.open_path(clip)
    wait_task(qtbot, window)
    window.generate()
    wait_task(qtbot, window)
    qtbot.waitUntil(lambda: window.transport.sound.text().startswith("Sound on"), timeout=30000)
    return window


def test_no_audio_device_says_playback_off_and_the_video_still_plays(qtbot, make_window, clip):
    window = make_window()  # its player factory raises BgmError like a machine without a sound card
    qtbot.waitUntil(lambda: window.transport.sound.text().startswith("Playback off"), timeout=10000)
    window.open_path(clip)
    wait_task(qtbot, window)
    qtbot.keyClick(window, Qt.Key_Space)
    assert window.sound.playback.playing and not window.sound.playback.sounding
    qtbot.waitUntil(lambda: window.state.position_s > 0.3, timeout=5000)  # the wall clock moves the playhead
    qtbot.keyClick(window, Qt.Key_Space)
    assert not window.sound.playback.playing


def test_play_pause_seek_follow_the_audio_clock(qtbot, make_window, clip):
    outputs: list[CaptureOutput] = []
    window = _scored_window(qtbot, make_window, clip, outputs)
    output, player = outputs[-1], window.sound.playback.player

    handler_s = []
    for _ in range(5):  # five starts: on a shared machine one can be late for reasons outside the app
        t0 = time.perf_counter()
        qtbot.keyClick(window, Qt.Key_Space)
        handler_s.append(time.perf_counter() - t0)
        assert player.state == PLAYING
        qtbot.keyClick(window, Qt.Key_Space)
        window.seek(0.0)
    qtbot.keyClick(window, Qt.Key_Space)
    device_s = DeviceOutput().latency_s  # after the handler, the sound card's buffer
    print(
        f"\nplayback start latency: median {1000 * (np.median(handler_s) + device_s):.1f} ms, "
        f"max {1000 * (max(handler_s) + device_s):.1f} ms (handler {1000 * np.median(handler_s):.1f} ms "
        f"+ device buffer {1000 * device_s:.1f} ms)"
    )
    assert np.median(handler_s) + device_s < 0.1

    output.pull(RATE // 2)  # half a second of audio handed to the "card"
    qtbot.waitUntil(lambda: abs(window.state.position_s - 0.5) < 0.02, timeout=2000)
    qtbot.waitUntil(
        lambda: window.preview.frame_time_s is not None and 0.0 <= 0.5 - window.preview.frame_time_s < 0.04 + 1e-6,
        timeout=5000,
    )

    click_time(qtbot, window.timeline, window.timeline.roll_plot, 3.0)
    assert abs(window.state.position_s - 3.0) < 0.05
    output.pull(RATE // 4)
    qtbot.waitUntil(lambda: abs(window.state.position_s - 3.25) < 0.05, timeout=2000)

    output.pull(RATE * 2)
    assert abs(output.audio()[-RATE * 2 :]).max() > 0  # the music sounds

    qtbot.keyClick(window, Qt.Key_Space)
    paused_at = window.state.position_s
    output.pull(RATE // 2)
    assert abs(output.audio()[-RATE // 2 + 2048 :]).max() < 1e-3  # silence while paused (after the release tail)
    qtbot.wait(50)
    assert window.state.position_s == paused_at and not window.sound.playback.playing


def test_picture_stays_with_the_sound_in_real_time(qtbot, make_window, clip):
    """Play 4 s at the pace of a sound card; at every UI tick the frame shown must be the one at the audio clock."""
    outputs: list[CaptureOutput] = []
    window = _scored_window(qtbot, make_window, clip, outputs)
    frame_s = 1 / 25
    lags = []
    window.state.position_changed.connect(
        lambda t: window.preview.frame_time_s is not None and lags.append(t - window.preview.frame_time_s)
    )
    pull = RealTimePull(outputs[-1])
    pull.start()
    window.seek(2.5)
    qtbot.keyClick(window, Qt.Key_Space)
    qtbot.wait(4000)
    pull.running = False
    pull.join()
    late = sorted(lag - frame_s for lag in lags[5:])  # beyond one frame: the picture is behind the sound
    print(
        f"\npicture behind the sound by more than one frame: max {1000 * max(late[-1], 0):.0f} ms, "
        f"{sum(x > 0 for x in late)} of {len(late)} ticks"
    )
    assert late[int(0.95 * len(late))] < 0.040


def test_the_video_sound_mixes_under_the_music(qtbot, make_window, clip):
    """The clip has a 440 Hz tone: ticking 'Mix under the music' adds it to live playback."""
    from dataclasses import replace

    outputs: list[CaptureOutput] = []
    window = _scored_window(qtbot, make_window, clip, outputs)
    output, mixer = outputs[-1], window.sound.mixer
    window.state.set_sound(replace(window.state.sound, original_gain_db=0.0))
    qtbot.waitUntil(lambda: mixer.sound is not None and mixer.gain == 1.0, timeout=10000)
    window.seek(1.0)
    qtbot.keyClick(window, Qt.Key_Space)
    mixed = output.pull(RATE)
    window.state.set_sound(replace(window.state.sound, original_gain_db=None))
    assert mixer.gain == 0.0
    window.seek(1.0)
    music = output.pull(RATE)
    spectrum = lambda x: abs(np.fft.rfft(x[:, 0]))  # noqa: E731
    tone = 440  # bin = Hz for one second of audio
    assert spectrum(mixed - music)[tone] > 10 * np.median(spectrum(mixed - music))


def test_opening_another_video_stops_playback_at_its_start(qtbot, make_window, clip, tmp_path):
    import shutil

    window = make_window()
    window.open_path(clip)
    wait_task(qtbot, window)
    qtbot.keyClick(window, Qt.Key_Space)
    qtbot.waitUntil(lambda: window.state.position_s > 0.2, timeout=5000)
    other = tmp_path / "other.mp4"
    shutil.copy(clip, other)
    window.open_path(str(other))
    wait_task(qtbot, window)
    qtbot.wait(100)
    assert not window.sound.playback.playing and window.state.position_s == 0.0


def test_the_mixer_sets_music_and_video_sound_levels_live_and_in_export(qtbot, make_window, clip, tmp_path):
    """Music level and mute and the video sound's level are heard at once, and the MP4 export keeps the balance."""
    from bgm_studio.export.mp4 import read_soundtrack

    outputs: list[CaptureOutput] = []
    window = _scored_window(qtbot, make_window, clip, outputs)
    output, strip = outputs[-1], window.mixer
    rms = lambda x: float(np.sqrt(np.mean(x**2)))  # noqa: E731
    tone = lambda x: abs(np.fft.rfft(x[:, 0]))[440] / np.median(abs(np.fft.rfft(x[:, 0])))  # noqa: E731

    def tone_share(x: np.ndarray) -> float:
        """The video's 440 Hz tone's power over all other sound's (1-s window: bins are 1 Hz)."""
        power = abs(np.fft.rfft(x[:, 0])) ** 2
        band = power[435:446].sum()
        return float(band / (power.sum() - band))

    def listen() -> np.ndarray:
        window.seek(1.0)
        return output.pull(RATE)

    assert strip.video.isChecked()  # the video's own sound is heard by default
    strip.video.setChecked(False)
    qtbot.keyClick(window, Qt.Key_Space)
    full = listen()
    strip.music.setValue(-20)
    quiet = listen()
    assert window.state.sound.music_gain_db == -20.0 and 0.07 < rms(quiet) / rms(full) < 0.14
    qtbot.mouseClick(strip.music_mute, Qt.LeftButton)
    assert np.abs(listen()).max() < 1e-3 and strip.music_level.text() == "muted"
    strip.video.setChecked(True)
    qtbot.waitUntil(lambda: window.sound.mixer.sound is not None, timeout=10000)
    assert tone(listen()) > 10  # the video's 440 Hz tone alone
    qtbot.mouseClick(strip.music_mute, Qt.LeftButton)
    qtbot.keyClick(window, Qt.Key_Space)

    tones = []
    for music_db in (-20, 0):  # the video sound under quieter, then louder music
        strip.music.setValue(music_db)
        out = tmp_path / f"music{music_db}.mp4"
        window.export_to("mp4", str(out))
        wait_task(qtbot, window)
        tones.append(tone_share(read_soundtrack(out, RATE, 8 * RATE)[RATE : 2 * RATE]))
    assert tones[0] > 10 * tones[1]


def test_the_mixer_offers_the_video_sound_only_for_a_video_that_has_one(qtbot, make_window, clip, tmp_path):
    """Heard by default, the video's sound is on in the mixer; a video without a sound of its own
    shows its controls off and says why, and one with a sound brings them back."""
    from tests.video_clips import make_clip

    silent = tmp_path / "silent.mp4"
    make_clip(silent, SHOTS[:2], audio=False)
    window = make_window()
    strip = window.mixer
    window.open_path(str(silent))
    wait_task(qtbot, window)
    assert not strip.video.isEnabled() and not strip.video_fader.isEnabled()
    assert "no sound" in strip.video.toolTip() and strip.video_level.text() == "none"
    assert not window.sound_panel.original.isEnabled() and not window.sound_panel.original_gain.isEnabled()
    assert window.state.sound.original_gain_db == 0.0  # the setting stands, for the next video
    window.open_path(clip)
    wait_task(qtbot, window)
    assert strip.video.isEnabled() and strip.video.isChecked() and strip.video_fader.isEnabled()
    assert strip.video_level.text() == "+0 dB" and window.sound_panel.original_gain.isEnabled()
