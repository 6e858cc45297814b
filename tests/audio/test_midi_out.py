"""Live MIDI out: the score reaches the port on time, one channel per part, silenced on pause and seek.

Sending is tested at the port boundary (a recorder with the send time of each message), and through
a real MIDI system (a virtual output read by a virtual input): the machine's, or a private JACK
server with its dummy driver where ALSA's sequencer is missing, as in most containers.
"""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest

from bgm_studio.audio.events import NOTE_ON, score_events
from bgm_studio.audio.midi_out import VIRTUAL_PORT, MidiSender, list_ports, open_port
from bgm_studio.errors import BgmError
from bgm_studio.music.notes import ACCOMPANIMENT, MELODY, Note, Score
from tests.audio.midi_system import answers
from tests.audio.midi_system import midi_system as midi_system_running

TIMING_MS = (
    25.0  # a loose bound that holds on a loaded CI machine; the targets (5 / 15 ms) are benchmarks.midi_timing's
)


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
    """Arrival minus score time of every note-on, which must all arrive, in the score's order."""
    want = [e for e in score_events(score, from_s) if e.kind == NOTE_ON]
    got = recorder.notes_on()
    assert [m for _, m in got] == [[0x90 | e.channel, e.key, e.value] for e in want]
    return np.array([(t - start_wall) - (e.time_s - from_s) for (t, _), e in zip(got, want)]) * 1000.0


def arrival_errors_ms(score: Score, recorder: Recorder, start_wall: float) -> tuple[np.ndarray, int]:
    """(arrival minus score time of the note-ons that arrived, how many were lost): a MIDI system under
    overload may drop messages, so each arrival is matched to the next score note-on with its message."""
    want = [e for e in score_events(score) if e.kind == NOTE_ON]
    errors, j = [], 0
    for t, message in recorder.notes_on():
        while j < len(want) and [0x90 | want[j].channel, want[j].key, want[j].value] != message:
            j += 1
        if j < len(want):
            errors.append((t - start_wall - want[j].time_s) * 1000.0)
            j += 1
    return np.array(errors), len(want) - len(errors)


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
    assert np.median(errors) <= TIMING_MS and errors.min() >= -0.5  # never early


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
    chased = [m for t, m in port.sent[mark:] if m[0] == 0x91 and t - t0 < 0.05]  # at once (loaded CI: 50 ms)
    assert {m[1] for m in chased} == {48, 55}


def test_playing_nothing_is_one_line():
    sender = MidiSender(Recorder())
    try:
        with pytest.raises(BgmError, match="load a score first"):
            sender.play()
    finally:
        sender.close()


@pytest.fixture
def midi_system():
    with midi_system_running() as missing:
        if missing:
            pytest.skip(f"{missing}; sending is tested at the port boundary above")
        yield


def loopback(score: Score) -> tuple[list[tuple[float, list[int]]], float]:
    """Play `score` to the virtual output "BGM Studio" and read it back on a virtual input:
    (arrival time and message of everything received, the wall time play started)."""
    import rtmidi

    port = open_port(None)
    received: list[tuple[float, list[int]]] = []
    listener = rtmidi.MidiIn(rtapi=port.get_current_api())
    listener.open_port(next(i for i, p in enumerate(listener.get_ports()) if VIRTUAL_PORT in p))
    listener.set_callback(lambda event, _data: received.append((time.perf_counter(), event[0])))
    time.sleep(0.5)  # JACK connects ports asynchronously: notes sent before that are lost
    sender = MidiSender(port)
    try:
        sender.load(score)
        t0 = time.perf_counter()
        sender.play(0.0)
        time.sleep(2.2)
    finally:
        sender.close()
        listener.cancel_callback()  # no call into Python once the port is gone
        listener.close_port()
        port.close_port()
        # The MIDI system's clients close here, not in the interpreter's teardown, where JACK's client
        # library once crashed the process (SIGSEGV) after it had printed what it received (CI, under load).
        del sender, listener, port
    return list(received), t0


def test_virtual_port_loopback(midi_system):
    """A virtual input reads the virtual output "BGM Studio": the notes and their timing as the score has them.
    The MIDI system runs in a process of its own, so a crash in its C library fails this test, not the run;
    that process ends without the interpreter's teardown, where JACK's client library has crashed (SIGSEGV)
    after everything was received and printed (CI, under load, twice)."""
    import json
    import subprocess
    import sys

    score = piece()
    code = (
        "import json, time; from tests.audio.test_midi_out import loopback, piece; "
        "received, t0 = loopback(piece()); print(json.dumps({'received': received, 't0': t0}), flush=True); "
        "import os; os._exit(0)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr[-500:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    recorder = Recorder()
    recorder.sent = [(t, message) for t, message in result["received"]]
    errors, lost = arrival_errors_ms(score, recorder, result["t0"])
    assert lost == 0
    assert np.median(errors) <= TIMING_MS and errors.min() >= -0.5  # never early


def slow_reader_loopback(messages: int = 40) -> tuple[list[list[int]], list[list[int]]]:
    """(sent, received) of note-ons sent every 3 ms to a reader that takes 10 ms over each (longer than
    the private JACK server's 2.7 ms period: a reader late for its cycle)."""
    import rtmidi

    port = open_port(None)
    received: list[list[int]] = []
    listener = rtmidi.MidiIn(rtapi=port.get_current_api())
    listener.open_port(next(i for i, p in enumerate(listener.get_ports()) if VIRTUAL_PORT in p))

    def slow(event, _data) -> None:
        received.append(event[0])
        time.sleep(0.01)

    listener.set_callback(slow)
    time.sleep(0.5)  # JACK connects ports asynchronously
    sent = [[0x90, 40 + k, 100] for k in range(messages)]
    try:
        for message in sent:
            port.send_message(message)
            time.sleep(0.003)
        time.sleep(1.0)
    finally:
        listener.cancel_callback()
        listener.close_port()
        port.close_port()
    return sent, received


def test_a_reader_late_for_its_cycle_loses_nothing(midi_system):
    """The loopback's MIDI system waits for a slow reader: in JACK's asynchronous mode 27 of these 40 were lost."""
    import json
    import subprocess
    import sys

    code = (
        "import json; from tests.audio.test_midi_out import slow_reader_loopback; "
        "print(json.dumps(slow_reader_loopback()))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr[-500:]
    sent, received = json.loads(run.stdout.strip().splitlines()[-1])
    assert received == sent


def test_no_midi_system_is_one_line(monkeypatch):
    monkeypatch.setenv("JACK_DEFAULT_SERVER", f"none-{os.getpid()}")  # no JACK server of that name runs
    if answers():
        pytest.skip("this machine has an ALSA sequencer")
    assert list_ports() == []
    with pytest.raises(BgmError, match="no MIDI system") as err:
        open_port(None)
    assert "\n" not in str(err.value)


def test_a_probe_of_the_midi_system_that_crashes_is_an_answer_not_the_end_of_the_run():
    # python-rtmidi's JACK backend crashed with a segmentation fault in the probe and ended a whole
    # test run (a fresh clone, stop 66); asked in a child process, a crash is only "no"
    crash = "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n"
    assert answers(crash) is False
    assert answers("pass\n") is True
