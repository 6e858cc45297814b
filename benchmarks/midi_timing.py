"""Live MIDI out timing over a 60-s piece: `python -m benchmarks.midi_timing`.

Each note-on's arrival time against its time in the score (from the moment play was asked),
at the port boundary (a recorder in place of the port), then through a virtual output port read
back by a virtual input: on the machine's MIDI system, else on a private JACK server (dummy driver). Targets: median <= 5 ms, p99 <= 15 ms.
"""

from __future__ import annotations

import time

import numpy as np
import rtmidi

from benchmarks.audio_common import hardware
from bgm_studio.audio.midi_out import VIRTUAL_PORT, MidiSender, open_port
from tests.audio.midi_system import midi_system
from tests.audio.test_midi_out import Recorder, arrival_errors_ms, piece

SECONDS = 60


def measure(port, received: Recorder) -> tuple[np.ndarray, int]:
    score = piece(bars=SECONDS, tempo=240.0)  # a bar a second: 8 melody notes and a chord
    sender = MidiSender(port)
    try:
        sender.load(score)
        t0 = time.perf_counter()
        sender.play(0.0)
        time.sleep(SECONDS + 0.3)
    finally:
        sender.close()
    return arrival_errors_ms(score, received, t0)


def report(name: str, measured: tuple[np.ndarray, int]) -> bool:
    errors, lost = measured
    late = np.abs(errors)
    median, p99 = float(np.median(late)), float(np.percentile(late, 99))
    print(
        f"{name}: {len(errors)} notes ({lost} lost), error median {median:.2f} ms, p99 {p99:.2f} ms, "
        f"max {late.max():.2f} ms (targets 5 / 15 ms)"
    )
    return median <= 5.0 and p99 <= 15.0 and lost == 0


def main() -> int:
    print(hardware())
    recorder = Recorder()
    ok = report("port boundary", measure(recorder, recorder))
    with midi_system() as missing:
        if missing:
            print(f"loopback: skipped, {missing}")
            return 0 if ok else 1
        port = open_port(None)
        heard = Recorder()
        listener = rtmidi.MidiIn(rtapi=port.get_current_api())
        listener.open_port(next(i for i, p in enumerate(listener.get_ports()) if VIRTUAL_PORT in p))
        listener.set_callback(lambda event, _data: heard.send_message(event[0]))
        time.sleep(0.5)  # JACK connects ports asynchronously: notes sent before that are lost
        try:
            api = rtmidi.get_api_display_name(port.get_current_api())
            ok = report(f"virtual port loopback ({api})", measure(port, heard)) and ok
        finally:
            listener.close_port()
            port.close_port()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
