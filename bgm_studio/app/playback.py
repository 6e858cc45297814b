"""The transport: one clock for the playhead, the preview and the music.

Qt-free. With a Player and a loaded score the clock is the player's sample counter
less the output latency (what is heard now), so the picture follows the sound and
cannot drift from it. Without sound (no audio device, or no music yet) the clock
is the wall clock, so the video still plays silently.
"""

from __future__ import annotations

import time

from ..audio.midi_out import MidiSender
from ..audio.player import PLAYING, Player
from ..music.notes import Score


class Playback:
    """Play/pause/seek over the video's length, with or without a Player."""

    def __init__(self, player: Player | None = None) -> None:
        self.player = player
        self.duration_s = 0.0
        self._has_score = False
        self._playing = False
        self._origin_s = 0.0  # position when the wall clock (or the player) last started
        self._origin_wall = 0.0
        self.midi: MidiSender | None = None  # sends the music to a MIDI port as well (set_midi)
        self._score: tuple[Score, tuple[int, ...]] | None = None

    @property
    def sounding(self) -> bool:
        """Whether the music is heard (a player with a score)."""
        return self._heard() is not None

    def _heard(self) -> Player | None:
        """The player while the music is heard through it, else None."""
        return self.player if self._has_score else None

    @property
    def playing(self) -> bool:
        return self._playing

    def set_player(self, player: Player | None) -> None:
        """Swap the player (a new soundfont, or none); the caller closes the old one."""
        t, playing = self.position_s(), self._playing
        self._playing = False
        self.player, self._has_score = player, False
        self._origin_s = t
        if playing:
            self.play()

    def load(self, score: Score | None, duration_s: float) -> None:
        """Music to play (None: the video alone); keeps the position and whether it plays."""
        t, playing = self.position_s(), self._playing
        self.duration_s = duration_s
        self._has_score = False
        self._score = (score, opening_programs(score)) if score is not None else None
        if self.midi is not None:
            self._load_midi()
        if self.player is not None and score is not None:
            self.player.load(score)
            self._has_score = True
        self._origin_s, self._playing = t, False
        if playing:
            self.play()

    def play(self, from_s: float | None = None) -> None:
        t = self.position_s() if from_s is None else from_s
        if t >= self.duration_s - 1e-3:
            t = 0.0  # play again from the start after the end
        self._origin_s, self._origin_wall, self._playing = t, time.perf_counter(), True
        player = self._heard()
        if player is not None:
            player.play(t)
        if self.midi is not None and self._score is not None:  # heard when the speakers play it
            self.midi.play(t, player.latency_s if player is not None else 0.0)

    def pause(self) -> None:
        t = self.position_s()
        player = self._heard()
        if player is not None:
            player.pause()
        if self.midi is not None:
            self.midi.pause()
        self._origin_s, self._playing = t, False

    def seek(self, t_s: float) -> None:
        t_s = min(max(t_s, 0.0), self.duration_s)
        self._origin_s, self._origin_wall = t_s, time.perf_counter()
        player = self._heard()
        if player is not None:
            player.seek(t_s)
        if self.midi is not None and self._score is not None:
            self.midi.seek(t_s)

    def set_midi(self, sender: MidiSender | None) -> None:
        """Send the music to a MIDI port too (None: no longer); the caller closes the old sender."""
        if self.midi is not None:
            self.midi.pause()
        self.midi = sender
        if sender is not None:
            self._load_midi()
            if self._playing and self._score is not None:
                player = self._heard()
                sender.play(self.position_s(), player.latency_s if player is not None else 0.0)

    def _load_midi(self) -> None:
        if self.midi is None:
            return
        if self._score is not None:
            self.midi.load(*self._score)
        else:
            self.midi.pause()

    def position_s(self) -> float:
        """Where the playhead is now; playback pauses by itself at the end."""
        if not self._playing:
            return self._origin_s
        player = self._heard()
        if player is not None:
            if player.state != PLAYING:  # the player stopped after the last note
                t = self.duration_s
            else:  # audio handed out, less what is still buffered, never before where play started
                t = max(self._origin_s, player.position_s() - player.latency_s)
        else:
            t = self._origin_s + time.perf_counter() - self._origin_wall
        if t >= self.duration_s:
            self._stop_at_end()
            return self.duration_s
        return t

    def _stop_at_end(self) -> None:
        player = self._heard()
        if player is not None:
            player.pause()
        if self.midi is not None:
            self.midi.pause()
        self._origin_s, self._playing = self.duration_s, False


def opening_programs(score: Score) -> tuple[int, ...]:
    """Each track's GM program as the score opens (piano where the score sets none), for MIDI out."""
    programs: dict[int, int] = {}
    for change in sorted(score.sound_changes, key=lambda c: c.step):
        programs.setdefault(change.track, change.program)
    tracks = 1 + max([1, *programs, *(n.track for n in score.notes)])
    return tuple(programs.get(t, 0) for t in range(tracks))
