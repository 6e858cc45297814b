"""The frame on screen is the one whose sound is heard, even when frames take a while to reach the screen."""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QTimer

from bgm_studio.app import frames

DECODE_DELAY_S = 0.025  # a slow decoder: each new frame takes this long more (under the 40 ms of a frame)
FRAME_S = 1 / 25  # the clip's frame rate


def _offsets(qtbot, preview, playing: bool, seconds: float = 3.5) -> np.ndarray:
    """Play a clock from 0.5 s for `seconds` at 60 Hz ticks: at each tick, the time heard less the start of
    the frame on screen (0 up to one frame is in sync; half a frame in the middle)."""
    start, offsets = time.perf_counter(), []

    def tick() -> None:
        t = 0.5 + time.perf_counter() - start  # the clock: what is heard now
        if time.perf_counter() - start > 1.0:  # once a few frames have been shown
            offsets.append(t - preview.frame_time_s)
        preview.show_time(t, playing=playing)

    timer = QTimer(interval=16)
    timer.timeout.connect(tick)
    timer.start()
    qtbot.wait(int(1000 * seconds))
    timer.stop()
    preview.show_time(0.0)
    qtbot.waitUntil(lambda: preview.frame_time_s == 0.0, timeout=5000)
    return np.array(offsets)


def test_the_picture_is_asked_ahead_by_the_time_a_frame_takes_to_reach_the_screen(qtbot, clip, monkeypatch):
    """Asked for the frame at the clock itself, the picture trails the sound by the decoder's delay;
    playing, the preview asks ahead by the delay it measures, so the frame shown is the one heard."""
    from bgm_studio.app.widgets.preview import VideoPreview

    picture_at = frames.FrameDecoder.picture_at

    def slow(self, t_s):
        shown = self._picture
        picture = picture_at(self, t_s)
        if picture is not shown:  # a new frame: decoded slowly
            time.sleep(DECODE_DELAY_S)
        return picture

    monkeypatch.setattr(frames.FrameDecoder, "picture_at", slow)
    preview = VideoPreview()
    qtbot.addWidget(preview)
    preview.show()
    preview.set_video(clip)
    qtbot.waitUntil(lambda: preview.frame_time_s is not None, timeout=5000)
    trailing = np.median(_offsets(qtbot, preview, playing=False))  # the frame at the clock: as before the lead
    offsets = _offsets(qtbot, preview, playing=True)
    preview.set_video(None)
    median = np.median(offsets)
    print(
        f"\npicture behind the clock: median {1000 * median:.0f} ms, p95 {1000 * np.percentile(offsets, 95):.0f} ms "
        f"(lead {1000 * preview.lead_s:.0f} ms); asked at the clock itself: median {1000 * trailing:.0f} ms"
    )
    assert trailing > FRAME_S / 2 + DECODE_DELAY_S  # the slow decoder does delay the picture
    assert preview.lead_s > DECODE_DELAY_S  # the preview measured that delay
    assert abs(median - FRAME_S / 2) < 0.015  # and the frame shown is the one heard, in its middle


def test_pausing_shows_the_frame_where_it_stopped_not_the_one_asked_ahead(qtbot, make_window, clip):
    """Playing, the preview asks ahead of the playhead; once paused it must show the frame at the playhead."""
    from PySide6.QtCore import Qt

    from tests.app.helpers import wait_task

    window = make_window()  # no sound card: the wall clock plays the video
    window.open_path(clip)
    wait_task(qtbot, window)
    qtbot.keyClick(window, Qt.Key_Space)
    qtbot.waitUntil(lambda: window.state.position_s > 0.5, timeout=5000)
    window.preview.lead_s = 0.3  # frames that take long to reach the screen: asked 0.3 s ahead
    qtbot.wait(60)
    qtbot.keyClick(window, Qt.Key_Space)
    stopped = window.state.position_s
    assert not window.sound.playback.playing
    qtbot.waitUntil(
        lambda: window.preview.frame_time_s is not None and window.preview.frame_time_s <= stopped, timeout=3000
    )
    assert stopped - window.preview.frame_time_s < FRAME_S + 1e-6  # the frame at the playhead
