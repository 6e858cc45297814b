"""Playback > Send MIDI out: the transport drives the port; no MIDI system is one line."""

from __future__ import annotations


from tests.app.helpers import wait_task
from tests.audio.test_midi_out import Recorder


class FakePort(Recorder):
    closed = False

    def close_port(self) -> None:
        self.closed = True


def _generated(qtbot, window, clip):
    window.open_path(clip)
    wait_task(qtbot, window)
    window.generate()
    wait_task(qtbot, window)
    assert window.last_error is None


def test_midi_out_follows_play_pause_and_switches_off(qtbot, make_window, clip):
    window = make_window()
    _generated(qtbot, window, clip)
    port = FakePort()
    window.midi._open = lambda name: port
    window.midi_action.trigger()
    assert window.midi_action.isChecked() and window.midi.on
    window.sound.toggle()  # play (silently: no audio device in tests, the wall clock leads)
    qtbot.wait(1500)
    window.sound.toggle()  # pause
    notes = port.notes_on()
    assert notes and {m[0] for _, m in notes} <= {0x90, 0x91, 0x92}  # a channel per part: melody, accompaniment, bass
    assert [0xB0, 123, 0] in [m for _, m in port.sent[-6:]]  # All Notes Off at the pause
    window.midi_action.trigger()
    assert not window.midi.on and port.closed and window.sound.playback.midi is None


def test_no_midi_system_is_one_line_and_leaves_it_off(qtbot, make_window, clip, monkeypatch):
    from bgm_studio.errors import BgmError

    window = make_window()
    _generated(qtbot, window, clip)

    def no_system(name):
        raise BgmError("no MIDI system to send to (no ALSA sequencer)")

    window.midi._open = no_system
    window.midi_action.trigger()
    assert not window.midi_action.isChecked() and not window.midi.on
    assert window.last_error == "no MIDI system to send to (no ALSA sequencer)"
