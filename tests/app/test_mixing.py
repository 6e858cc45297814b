"""Live mixing: the music ducks under the video's speech and the video's sound joins at its gain."""

import numpy as np
import pytest

from bgm_studio.app.mixing import MixingOutput
from bgm_studio.audio.output import CaptureOutput
from bgm_studio.audio.player import PLAYING


class StillPlayer:
    """A player at a fixed position that renders a constant level."""

    state = PLAYING

    def __init__(self, position_s: float) -> None:
        self.position = position_s

    def position_s(self) -> float:
        return self.position


def test_music_ducks_by_the_curve_at_the_playhead_and_the_video_sound_is_added():
    rate = 1000
    mixer = MixingOutput(CaptureOutput(rate))
    mixer.player = StillPlayer(1.0)
    mixer.start(lambda block: block.fill(0.5))
    ducking = np.ones(3 * rate, np.float32)
    ducking[rate : 2 * rate] = 10 ** (-10 / 20)  # speech from 1 s to 2 s
    mixer.set_sound(None, None, ducking)
    assert np.allclose(mixer.inner.pull(100), 0.5 * 10 ** (-10 / 20))
    mixer.player.position = 2.5
    assert np.allclose(mixer.inner.pull(100), 0.5)
    mixer.set_sound(np.full((3 * rate, 2), 0.2, np.float32), 0.0, None)  # no ducking, the sound at 0 dB
    assert np.allclose(mixer.inner.pull(100), 0.7)


def test_sound_tab_lane_shows_speech_and_the_gain_curve(qtbot):
    from dataclasses import replace

    from bgm_studio.app.state import AppState
    from bgm_studio.app.widgets.sound_panel import SoundPanel

    state = AppState()
    panel = SoundPanel(state)
    qtbot.addWidget(panel)
    speech = np.zeros(500, bool)
    speech[200:300] = True  # 2-3 s
    panel.show_speech(speech)
    t, gain_db = panel.gain_curve.getData()
    assert gain_db[(t >= 2.0) & (t < 3.0)].max() == pytest.approx(-10.0, abs=0.01)  # the default depth
    assert gain_db[t < 1.5].min() == pytest.approx(0.0, abs=0.01)
    panel.duck.setChecked(False)  # the switch: no dip
    assert not state.sound.ducking.enabled and (panel.gain_curve.getData()[1] == 0.0).all()
    state.set_sound(replace(state.sound, ducking=replace(state.sound.ducking, enabled=True, depth_db=-20.0)))
    assert panel.gain_curve.getData()[1].min() == pytest.approx(-20.0, abs=0.01)


def test_timeline_lane_shows_the_speech_on_the_shared_time_axis(qtbot, make_window, clip):
    from PySide6.QtCore import QPointF

    from bgm_studio.app.widgets import theme
    from tests.app.helpers import wait_task

    window = make_window()
    window.open_path(clip)
    wait_task(qtbot, window)
    qtbot.wait(50)  # a new document's lanes paint one to a turn of the event loop
    timeline = window.timeline
    lane = timeline.speech_plot.getViewWidget()
    assert lane.isHidden()  # nothing found yet: no lane
    speech = np.zeros(800, bool)  # 8 s in 10 ms frames
    speech[200:300] = speech[500:550] = True  # 2-3 s and 5-5.5 s
    window.sound.speech_found.emit(speech)
    assert timeline.speech.spans == [(2.0, 3.0), (5.0, 5.5)] and not lane.isHidden()
    timeline.shot_plot.setXRange(1.0, 4.0, padding=0)
    assert timeline.speech_plot.getViewBox().viewRange()[0] == pytest.approx([1.0, 4.0])  # one time axis
    image = lane.grab().toImage()
    drawn = [x for x in range(image.width()) if image.pixelColor(x, image.height() // 2) == theme.SPEECH]
    width = timeline.speech_plot.getViewBox().width()
    left = timeline.speech_plot.getViewBox().mapViewToScene(QPointF(2.0, 0.5)).x()
    assert drawn and abs(min(drawn) - left) <= 2 and len(drawn) == pytest.approx(width / 3, abs=3)  # 2-3 s of 1-4 s
    window.sound.speech_found.emit(None)  # a video without sound
    assert timeline.speech.spans == [] and lane.isHidden()
