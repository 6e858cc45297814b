"""A/V sync over a 3-minute video in real time (about 4 minutes): BGM_LONG_SYNC=1 python -m pytest tests/app/test_sync_long.py -s

The picture follows the audio clock, so the offset between the frame shown and the sound
must stay the same from the first minute to the last (drift), and stay within a frame and a tick.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pytest
from PySide6.QtCore import Qt

from tests.app.helpers import wait_task
from tests.app.test_playback import RealTimePull, capture_factory
from tests.video_clips import ShotSpec, make_clip

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.environ.get("BGM_LONG_SYNC"), reason="real time, 4 minutes: set BGM_LONG_SYNC=1"),
]
SECONDS = [6, 9, 4.5, 12, 7, 10, 5, 8, 11, 6, 9.5, 7.5, 10, 8, 6, 12, 9, 5, 10.5, 4.5, 10]  # 170.5 s, 21 shots


def test_picture_and_sound_do_not_drift_over_three_minutes(qtbot, make_window, tmp_path):
    clip = tmp_path / "long.mp4"
    make_clip(
        clip,
        [
            ShotSpec(
                seconds=s,
                hue=(37 * i) % 360,
                motion=(i % 4) * 0.3,
                seed=i,
                look="texture" if i % 3 == 0 else "gradient",
            )
            for i, s in enumerate(SECONDS)
        ],
        size=(640, 360),
    )
    outputs = []
    window = make_window(player_factory=capture_factory(outputs))
    window.open_path(str(clip))
    wait_task(qtbot, window)
    window.generate()
    wait_task(qtbot, window, timeout=300000)
    qtbot.waitUntil(lambda: window.transport.sound.text().startswith("Sound on"), timeout=30000)
    samples = []
    window.state.position_changed.connect(
        lambda t: (
            window.preview.frame_time_s is not None
            and samples.append((time.perf_counter(), t, window.preview.frame_time_s))
        )
    )
    pull = RealTimePull(outputs[-1])
    pull.start()
    qtbot.keyClick(window, Qt.Key_Space)
    qtbot.waitUntil(lambda: not window.sound.playback.playing, timeout=int(1000 * (window.state.duration_s + 30)))
    pull.running = False
    pull.join()
    s = np.array(samples[10:])
    wall, offset = s[:, 0] - s[0, 0], s[:, 1] - s[:, 2]
    first, last = np.median(offset[wall < 60]), np.median(offset[wall > wall[-1] - 60])
    print(
        f"\n{len(s)} ticks over {s[-1, 1] - s[0, 1]:.1f} s: picture behind the sound median {1000 * np.median(offset):.1f} ms, "
        f"p95 {1000 * np.percentile(offset, 95):.1f} ms; drift first -> last minute {1000 * (last - first):+.1f} ms"
    )
    assert abs(last - first) < 0.040
    assert np.percentile(offset, 95) < 1 / 25 + 0.040
