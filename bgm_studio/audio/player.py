"""Live playback of a Score: play from any time, pause, seek, stop, and a clock the GUI can poll.

Qt-free and thread-safe: the GUI thread calls the control methods while the audio
output calls `_on_block` from its own thread; one lock serialises them. The clock
is the count of frames handed to the output, so it cannot drift from the audio.
"""

from __future__ import annotations

import threading

import numpy as np

from ..errors import BgmError
from ..music.notes import Score
from .output import AudioOutput, DeviceOutput
from .synth import Performance, Synth, SynthConfig

STOPPED, PLAYING, PAUSED = "stopped", "playing", "paused"
TAIL_S = 1.0  # let the last notes ring before playback stops by itself


class Player:
    """Plays one score at a time through an audio output (default: the sound device).

    Raises BgmError when there is no audio device; everything else in BGM Studio
    works without one.
    """

    def __init__(self, synth: SynthConfig = SynthConfig(), output: AudioOutput | None = None) -> None:
        self._output = output or DeviceOutput()
        # One render thread: live blocks are small, and the audio thread must not wait on workers.
        self._synth = Synth(synth, self._output.sample_rate)
        self._lock = threading.Lock()
        self._performance: Performance | None = None
        self._state = STOPPED
        try:
            self._output.start(self._on_block)
        except BgmError:
            self._synth.close()
            raise

    @property
    def state(self) -> str:
        """'stopped', 'playing' or 'paused'."""
        with self._lock:
            return self._state

    @property
    def latency_s(self) -> float:
        """Audio buffered after hand-over; subtract from position_s() to follow what is heard."""
        return self._output.latency_s

    def duration_s(self) -> float:
        with self._lock:
            return self._performance.duration_s if self._performance else 0.0

    def load(self, score: Score, programs: tuple[int, int] | None = None) -> None:
        """Stop and make `score` the one to play (with new GM programs if given)."""
        with self._lock:
            if programs is not None:
                self._synth.set_programs(programs)
            self._performance = Performance(self._synth, score)
            self._state = STOPPED

    def play(self, from_s: float | None = None) -> None:
        """Start or resume, from `from_s` if given (else from where it paused or was sought)."""
        with self._lock:
            performance = self._require_score()
            if from_s is None and self._state == PLAYING:
                return  # already playing: do not strike the sounding notes again
            performance.seek(performance.position_s() if from_s is None else max(0.0, from_s))
            self._state = PLAYING

    def pause(self) -> None:
        with self._lock:
            if self._state == PLAYING:
                self._synth.silence()
                self._state = PAUSED

    def seek(self, time_s: float) -> None:
        """Move the playhead; playback continues from there if it was playing."""
        with self._lock:
            self._require_score().seek(max(0.0, time_s))

    def stop(self) -> None:
        """Stop and go back to the start."""
        with self._lock:
            if self._performance is not None:
                self._performance.seek(0.0)
            self._state = STOPPED

    def position_s(self) -> float:
        """Score time of the audio handed to the output so far."""
        with self._lock:
            return self._performance.position_s() if self._performance else 0.0

    def close(self) -> None:
        """Release the audio device and the synth."""
        self._output.close()
        with self._lock:
            self._performance = None
            self._synth.close()

    def __enter__(self) -> "Player":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _require_score(self) -> Performance:
        if self._performance is None:
            raise BgmError("nothing to play: load a score first")
        return self._performance

    def _on_block(self, block: np.ndarray) -> None:
        """Fill one output block (called from the audio thread)."""
        with self._lock:
            performance = self._performance
            if self._state != PLAYING or performance is None:
                block[:] = 0.0
                return
            performance.render_into(block)
            np.clip(block, -1.0, 1.0, out=block)
            if performance.position_s() >= performance.duration_s + TAIL_S:
                performance.seek(0.0)
                self._state = STOPPED
