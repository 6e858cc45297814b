"""A MIDI system for the loopback test and benchmark: the machine's, else a private JACK server with its
dummy driver (no sound card needed; containers rarely have ALSA's /dev/snd/seq).

The private server runs synchronously (--sync): each cycle waits for every client to finish. In JACK's
default asynchronous mode a reader that overran a 2.7 ms period (a Python callback waiting for the GIL,
a busy machine without real-time priority) read the port while the writer was already clearing it for
the next cycle: its messages were lost, or read as copies of the cycle's first (5-7 of 600 notes a minute).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from typing import Iterator

# Opens and closes a virtual output port; exit 0 where it could.
PROBE = (
    "import sys\n"
    "from bgm_studio.audio.midi_out import open_port\n"
    "from bgm_studio.errors import BgmError\n"
    "try:\n"
    "    open_port(None).close_port()\n"
    "except BgmError:\n"
    "    sys.exit(1)\n"
)


def answers(probe: str = PROBE) -> bool:
    """Whether a virtual output port can be opened now, asked in a child process (running `probe`):
    python-rtmidi's JACK backend can crash with a segmentation fault when a client connects to a
    server still settling, and in this process that ended the whole test run twice (a fresh clone,
    stop 66: the port opened and closed once, then crashed opening it again at once)."""
    try:
        run = subprocess.run([sys.executable, "-c", probe], capture_output=True, timeout=30)
    except subprocess.TimeoutExpired:
        return False
    return run.returncode == 0


def _wait_for_server(name: str) -> None:
    """Wait (at most 10 s) until the named jackd serves clients, asking from a child process: a
    JACK client of this process connecting while the server was still starting crashed the whole
    test run once (a segmentation fault in python-rtmidi's JACK backend, in `answers`, which now
    asks from a child process too). jack_wait comes with jackd2; without it the polling below waits
    as before."""
    if shutil.which("jack_wait") is None:
        return
    with contextlib.suppress(subprocess.TimeoutExpired):
        subprocess.run(["jack_wait", "-s", name, "-w", "-t", "10"], capture_output=True, timeout=15)


@contextlib.contextmanager
def midi_system() -> Iterator[str | None]:
    """Yields None with a MIDI system running (the machine's or a private jackd), else the reason there is none."""
    if answers():
        yield None
        return
    if shutil.which("jackd") is None:
        yield "no MIDI system here (ALSA's sequencer needs /dev/snd/seq) and no jackd to start one"
        return
    name = f"bgm-test-{os.getpid()}"
    saved = {k: os.environ.get(k) for k in ("JACK_DEFAULT_SERVER", "JACK_NO_AUDIO_RESERVATION")}
    os.environ.update(JACK_DEFAULT_SERVER=name, JACK_NO_AUDIO_RESERVATION="1")
    server = subprocess.Popen(  # --sync: see the module's docstring
        ["jackd", "--no-realtime", "--sync", "-n", name, "-d", "dummy", "-r", "48000", "-p", "128"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_server(name)
        deadline = time.monotonic() + 10
        ready = answers()
        while not ready and time.monotonic() < deadline and server.poll() is None:
            time.sleep(0.1)
            ready = answers()
        yield None if ready else "jackd did not start a server here"
    finally:
        server.terminate()
        server.wait(timeout=10)
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
