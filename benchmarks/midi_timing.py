"""Live MIDI out timing over a 60-s piece: `python -m benchmarks.midi_timing`.

Each note-on's arrival time against its time in the score (from the moment play was asked),
at the port boundary (a recorder in place of the port) and, where a MIDI system exists,
through a virtual output port read back by a virtual input. Targets: median <= 5 ms, p99 <= 15 ms.
"""
from __future__ import annotations

import time

import numpy as np

from benchmarks.audio_common import hardware
from bgm_studio.audio.midi_out import MidiSender
from tests.audio.test_midi_out import Recorder, piece, timing_errors_ms

SECONDS = 60


def measure(port, received: Recorder) -> np.ndarray:
    score = piece(bars=SECONDS, tempo=240.0)  # a bar a second: 8 melody notes and a chord
    sender = MidiSender(port)
    try:
        sender.load(score)
        t0 = time.perf_counter()
        sender.play(0.0)
        time.sleep(SECONDS + 0.3)
    finally:
        sender.close()
    return timing_errors_ms(score, received, t0)


def report(name: str, errors: np.ndarray) -> bool:
    late = np.abs(errors)
    median, p99 = float(np.median(late)), float(np.percentile(late, 99))
    print(f"{name}: {len(errors)} notes, error median {median:.2f} ms, p99 {p99:.2f} ms, max {late.max():.2f} ms "
          f"(targets 5 / 15 ms)")
    return median <= 5.0 and p99 <= 15.0


def main() -> int:
    print(hardware())
    recorder = Recorder()
    ok = report("port boundary", measure(recorder, recorder))
    try:
        import rtmidi

        from bgm_studio.audio.midi_out import VIRTUAL_PORT, open_port

        port = open_port(None)
    except Exception as exc:
        print(f"loopback: skipped, no MIDI system here ({exc})")
        return 0 if ok else 1
    heard = Recorder()
    listener = rtmidi.MidiIn()
    listener.open_port(next(i for i, p in enumerate(listener.get_ports()) if VIRTUAL_PORT in p))
    listener.set_callback(lambda event, _data: heard.send_message(event[0]))
    try:
        ok = report("virtual port loopback", measure(port, heard)) and ok
    finally:
        listener.close_port()
        port.close_port()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
