"""Everything heard: the player (opened off the UI thread), the music it plays, the video's own
sound under it, and the transport clock that moves the playhead while playing."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from PySide6.QtCore import QObject, QTimer, Signal

from ..audio.player import Player
from ..errors import BgmError
from ..audio.ducking import duck_gain
from .mixing import MixingOutput, music_gain, sound_and_speech
from .navigation import loop_span
from .playback import Playback
from .project_view import view_of
from .state import AppState, SoundSettings
from .widgets.transport import Transport

TICK_MS = 16  # playhead refresh while playing (about 60 Hz)
PlayerFactory = Callable[[SoundSettings], tuple[Player, MixingOutput]]


class SoundController(QObject):
    """Keeps the Playback in step with the AppState; `run` starts background tasks (MainWindow._run)."""

    message = Signal(str)  # a line for the status bar
    speech_found = Signal(object)  # bool per 10 ms frame of the video's sound (None: no sound), once read

    def __init__(self, state: AppState, transport: Transport, run, player_factory: PlayerFactory | None) -> None:
        super().__init__()
        self.state, self.transport, self._run = state, transport, run
        self.playback = Playback()
        self.mixer: MixingOutput | None = None  # the player's output, which mixes in the video's sound
        self._factory = player_factory
        self._soundfont = state.sound.soundfont  # the soundfont the player was opened with
        self._video: str | None = None  # the video whose document is open
        # (video, its decoded sound and speech (None: being read, or silent)), read when first wanted
        self._video_sound: tuple[str, tuple[np.ndarray, np.ndarray] | None] | None = None
        self.loop = False  # repeat the selected shot while playing (see loop_span)
        self._tick = QTimer(self, interval=TICK_MS)
        self._tick.timeout.connect(self._on_tick)
        state.analysis_changed.connect(self._on_video_changed)
        state.project_changed.connect(lambda _p: self._load_music())
        state.sound_changed.connect(self._on_sound_changed)
        transport.play_toggled.connect(self.toggle)
        self.open_player()

    def open_player(self) -> None:
        if self._factory is None:
            self.transport.set_sound_status("Playback off", warning=True)
            return
        sound, factory = self.state.sound, self._factory
        self.transport.set_sound_status("Starting sound…")
        self._run(
            "Starting sound",
            lambda p, c: factory(sound),
            self._on_player_opened,
            foreground=False,
            on_failed=self._on_player_failed,
        )

    def seek(self, t_s: float) -> None:
        self.playback.seek(t_s)
        self.state.set_position(t_s)

    def toggle(self) -> None:
        """Play or pause (the video alone, silently, when there is no sound)."""
        if self.state.analysis is None:
            return
        if self.playback.playing:
            self.playback.pause()
            self._tick.stop()
            self.state.set_position(self.playback.position_s())  # the picture of where it stopped, not ahead of it
        else:
            span, t = loop_span(self.state) if self.loop else None, self.state.position_s
            t = span[0] if span and not span[0] <= t < span[1] else t
            self.playback.play(t)
            self.state.set_position(t)
            self._tick.start()
        self.transport.set_playing(self.playback.playing)

    def close(self) -> None:
        self._tick.stop()
        if self.playback.player is not None:
            self.playback.player.close()

    def _on_player_opened(self, opened: tuple[Player, MixingOutput]) -> None:
        old = self.playback.player
        player, self.mixer = opened
        self.playback.set_player(player)
        if old is not None:
            old.close()
        self._load_music()
        self._apply_video_sound()
        self.transport.set_sound_status(f"Sound on · {Path(self.state.sound.soundfont or 'default GM').name}")

    def _on_player_failed(self, exc: BgmError) -> None:
        reason = str(exc).split(":")[0].split(" (")[0]
        self.transport.set_sound_status(f"Playback off: {reason}", warning=True)
        self.transport.sound.setToolTip(str(exc))
        self.message.emit(f"Playback off: {exc}")

    def _load_music(self) -> None:
        project = self.state.project
        score = view_of(project).score if project is not None else None
        self.playback.load(score, self.state.duration_s)

    def _on_video_changed(self, _analysis) -> None:
        """A document was opened (or its analysis arrived): stop at its start if it is another video."""
        self.playback.duration_s = self.state.duration_s
        if self.state.video_path != self._video:
            self._video, self._video_sound = self.state.video_path, None
            self.playback.pause()
            self.playback.seek(0.0)
            self._tick.stop()
            self.transport.set_playing(False)
        self._apply_video_sound()

    def _apply_video_sound(self) -> None:
        """Give the mixer the music's level, the video's sound at the chosen gain and the music's ducking
        under its speech, reading the sound and finding the speech (once per video) when first wanted.
        As in an MP4, the music dips only under speech that is heard."""
        path, sound = self.state.video_path, self.state.sound
        if self.mixer is not None:
            self.mixer.music_gain = music_gain(sound)
        if self.mixer is None or path is None:
            return
        wanted = sound.original_gain_db is not None or sound.ducking.enabled
        if not wanted or (self._video_sound is not None and self._video_sound[0] == path):
            audio, speech = self._video_sound[1] if self._video_sound and self._video_sound[1] else (None, None)
            ducking = (
                duck_gain(speech, len(audio), self.mixer.sample_rate, sound.ducking)
                if audio is not None
                and speech is not None
                and speech.any()
                and sound.ducking.enabled
                and sound.original_gain_db is not None
                else None
            )  # no speech: no work
            self.mixer.set_sound(audio, sound.original_gain_db, ducking)
            return
        rate = self.mixer.sample_rate
        self._video_sound = (path, None)  # being read: asked once
        self._run(
            "Reading the video's sound",
            lambda p, c: sound_and_speech(path, rate),
            lambda found: self._on_video_sound(path, found),
            foreground=False,
        )

    def _on_video_sound(self, path: str, sound: tuple[np.ndarray, np.ndarray] | None) -> None:
        if path == self.state.video_path:
            self._video_sound = (path, sound)
            self._apply_video_sound()
            self.speech_found.emit(sound[1] if sound is not None else None)

    def _on_sound_changed(self, sound: SoundSettings) -> None:
        if self.playback.player is not None and self._soundfont == sound.soundfont:
            self._load_music()  # new instruments: the same player
            self._apply_video_sound()
        else:
            self.open_player()
        self._soundfont = sound.soundfont

    def play(self) -> None:
        if not self.playback.playing:
            self.toggle()

    def pause(self) -> None:
        if self.playback.playing:
            self.toggle()

    def _on_tick(self) -> None:
        t, span = self.playback.position_s(), loop_span(self.state) if self.loop else None
        if span and (t >= span[1] - 1e-3 or not self.playback.playing and t >= self.state.duration_s - 1e-3):
            self.playback.play(span[0])  # round again (also when the shot ends the video)
            t = span[0]
        self.state.set_position(t)
        if not self.playback.playing:
            self._tick.stop()
            self.transport.set_playing(False)
