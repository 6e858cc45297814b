"""Live MIDI out: the score reaches the port on time, one channel per part, silenced on pause and seek.

Sending is tested at the port boundary (a recorder with the send time of each message). The
loopback through a real MIDI system (a virtual output read by a virtual input) runs where one
exists: ALSA's sequencer needs /dev/snd/seq, which containers usually lack.
"""
from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from bgm_studio.audio.events import NOTE_ON, score_events
from bgm_studio.audio.midi_out import VIRTUAL_PORT, MidiSender, list_ports, open_port
from bgm_studio.errors import BgmError
from bgm_studio.music.notes import ACCOMPANIMENT, MELODY, Note, Score


class Recorder:
    """A port that keeps (send time, message) of everything sent to it."""

    def __init__(self) -> None:
        self.sent: list[tuple[float, list[int]]] = []
        self.lock = threading.Lock()

    def send_message(self, message) -> None:
        with self.lock:
            self.sent.append((time.perf_counter(), list(message)))

    def notes_on(self) -> list[tuple[float, list[int]]]:
        with self.lock:
            return [(t, m) for t, m in self.sent if m[0] & 0xF0 == 0x90]


def piece(bars: int = 2, tempo: float = 240.0) -> Score:
    """Eighth notes on the melody, a held chord per bar on the accompaniment: 16 steps a bar."""
    notes = [Note(s, 72 + (s // 2) % 5, 2, 90, MELODY) for s in range(0, 16 * bars, 2)]
    notes += [Note(16 * b, p, 16, 60, ACCOMPANIMENT) for b in range(bars) for p in (48, 55)]
    return Score(sorted(notes), 16 * bars, tempo)


def timing_errors_ms(score: Score, recorder: Recorder, start_wall: float, from_s: float = 0.0) -> np.ndarray:
    want = [e for e in score_events(score, from_s) if e.kind == NOTE_ON]
    got = recorder.notes_on()
    assert [m for _, m in got] == [[0x90 | e.channel, e.key, e.value] for e in want]
    return np.array([(t - start_wall) - (e.time_s - from_s) for (t, _), e in zip(got, want)]) * 1000.0


def test_the_score_arrives_in_time_on_one_channel_per_part_after_its_programs():
    score, port = piece(), Recorder()
    sender = MidiSender(port)
    try:
        sender.load(score, programs=(40, 0))
        t0 = time.perf_counter()
        sender.play(0.0)
        time.sleep(2.1)  # the piece lasts 2 s at 240 BPM
        errors = timing_errors_ms(score, port, t0)
    finally:
        sender.close()
    first = [m for _, m in port.sent if m[0] & 0xF0 in (0xC0, 0x90)][:2]
    assert first == [[0xC0, 40], [0xC1, 0]]  # programs before any note
    assert np.median(np.abs(errors)) <= 5.0 and np.abs(errors).max() <= 50.0  # loaded CI: generous max


def test_pause_silences_every_channel_and_sends_nothing_after():
    score, port = piece(bars=4), Recorder()
    sender = MidiSender(port)
    try:
        sender.load(score)
        sender.play(0.0)
        time.sleep(0.6)
        sender.pause()
        paused_at = len(port.sent)
        sounding = {(m[0] & 0x0F, m[1]) for _, m in port.sent if m[0] & 0xF0 == 0x90}
        time.sleep(0.5)
    finally:
        sender.close()
    after = [m for _, m in port.sent[:paused_at]][-8:]
    assert [0xB0, 123, 0] in after and [0xB1, 123, 0] in after  # All Notes Off on both channels
    assert [0xB1, 64, 0] in after  # pedal up
    offs = {(m[0] & 0x0F, m[1]) for m in after if m[0] & 0xF0 == 0x80}
    assert {(1, 48), (1, 55)} <= offs <= sounding  # the held chord is let go
    assert len(port.sent) == paused_at + 4  # close silences again (pedal up and All Notes Off); no notes
    assert sender.position_s() == pytest.approx(0.6, abs=0.05)


def test_seek_while_playing_silences_then_strikes_the_notes_held_there():
    score, port = piece(bars=4), Recorder()
    sender = MidiSender(port)
    try:
        sender.load(score)
        sender.play(0.0)
        time.sleep(0.3)
        mark = len(port.sent)
        t0 = time.perf_counter()
        sender.seek(2.25)  # bar 3, a quarter in: its chord is held
        time.sleep(0.2)
        after = [m for _, m in port.sent[mark:]]
    finally:
        sender.close()
    assert after.index([0xB0, 123, 0]) < after.index([0x91, 48, 60])
    chased = [m for t, m in port.sent[mark:] if m[0] == 0x91 and t - t0 < 0.01]
    assert {m[1] for m in chased} == {48, 55}


def test_playing_nothing_is_one_line():
    sender = MidiSender(Recorder())
    try:
        with pytest.raises(BgmError, match="load a score first"):
            sender.play()
    finally:
        sender.close()


def _midi_system() -> bool:
    try:
        import rtmidi

        rtmidi.MidiOut()
        return True
    except Exception:
        return False


@pytest.mark.skipif(not _midi_system(), reason="no MIDI system here (ALSA's sequencer needs /dev/snd/seq, which "
                                               "this machine lacks); sending is tested at the port boundary above")
def test_virtual_port_loopback():
    import rtmidi

    score = piece()
    port = open_port(None)
    assert any(VIRTUAL_PORT in p for p in list_ports())
    received: list[tuple[float, list[int]]] = []
    listener = rtmidi.MidiIn()
    listener.open_port(next(i for i, p in enumerate(listener.get_ports()) if VIRTUAL_PORT in p))
    listener.set_callback(lambda event, _data: received.append((time.perf_counter(), event[0])))
    sender = MidiSender(port)
    try:
        sender.load(score)
        t0 = time.perf_counter()
        sender.play(0.0)
        time.sleep(2.2)
    finally:
        sender.close()
        listener.close_port()
        port.close_port()
    recorder = Recorder()
    recorder.sent = received
    errors = timing_errors_ms(score, recorder, t0)
    assert np.median(np.abs(errors)) <= 5.0


def test_no_midi_system_is_one_line(monkeypatch):
    if _midi_system():
        pytest.skip("this machine has a MIDI system")
    assert list_ports() == []
    with pytest.raises(BgmError, match="no MIDI system") as err:
        open_port(None)
    assert "\n" not in str(err.value)
