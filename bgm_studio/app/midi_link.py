"""The app's MIDI out: the virtual port "BGM Studio" fed by the transport while it is switched on."""

from __future__ import annotations

from typing import Callable

from ..audio.midi_out import MidiSender, OpenedPort, open_port
from .playback import Playback


class MidiLink:
    """Opens and closes the port and its sender, and hands the sender to the Playback."""

    def __init__(self, playback: Playback, opener: Callable[[str | None], OpenedPort] = open_port) -> None:
        self.playback, self._open = playback, opener
        self._port: OpenedPort | None = None

    @property
    def on(self) -> bool:
        return self._port is not None

    def switch(self, on: bool) -> None:
        """Send the music to the port (on) or stop (off); BgmError, one line, where no port can be made."""
        if on == self.on:
            return
        if on:
            self._port = port = self._open(None)
            self.playback.set_midi(MidiSender(port))
        else:
            self.close()

    def close(self) -> None:
        sender = self.playback.midi
        self.playback.set_midi(None)
        if sender is not None:
            sender.close()
        if self._port is not None:
            self._port.close_port()
            self._port = None
