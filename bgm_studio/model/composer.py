"""The two stages of generation joined: the melody first, then the accompaniment and bass
around it, then the close of the piece.

The melody model writes a span's melody (MelodyWriter); the diffusion model inpaints the
accompaniment and bass around that melody, every note outside the span held (ScorePipeline with
hold_melody, as Polyffusion inpaints around a given melody); where the span holds the piece's
final chord, the piece rings out on it with the chord's root in the bass.
"""

from __future__ import annotations

import numpy as np

from ..controls.music_controls import Controls
from ..controls.themes import echo_beats
from ..music.metrics import BASS_CEILING
from ..music.notes import BEATS_PER_BAR, STEPS_PER_BEAT
from ..music.pianoroll import PianoRoll, ring_out
from ..music.structure import Phrase, phrase_returns, repeated_bars
from ..progress import ProgressFn, no_progress
from .chords import cadence_start
from .melody_writer import MelodyWriter
from .pipeline import ScorePipeline, torch_threads


class Composer:
    """Holds both models and writes spans of a piece."""

    def __init__(self, pipeline: ScorePipeline, melody: MelodyWriter) -> None:
        self.pipeline = pipeline
        self.melody = melody

    def compose(
        self,
        roll: PianoRoll,
        controls: Controls,
        phrases: list[Phrase],
        tonic: int,
        start_beat: int,
        end_beat: int,
        seed: int,
        progress: ProgressFn = no_progress,
        echo_of: np.ndarray | None = None,
        close: bool = True,
    ) -> PianoRoll:
        """The roll (model grid) with beats [start_beat, end_beat) written anew.

        tonic: the major key's pitch class; close: end the piece on its final chord (see ring_out).
        """
        cadence = cadence_start(controls.n_beats)
        with torch_threads(self.pipeline.config.threads):  # one thread: no pool stalls when cores are busy
            roll = self.melody.write(
                roll, controls, phrases, tonic, start_beat, end_beat, seed, cadence if close else None
            )
            roll = self.pipeline.inpaint(
                roll, controls, start_beat, end_beat, seed, progress, echo_of, hold_melody=True
            )
        if close and start_beat <= cadence < end_beat:
            roll = ring_out(roll, cadence * STEPS_PER_BEAT, int(controls.chord_root[cadence]), BASS_CEILING)
        return roll


def returning_phrases(phrases: list[Phrase], n_beats: int) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(source beats, target beats) of every phrase whose letter was heard before: the first phrase of
    that letter and the returning one, up to the closing cadence."""
    cadence = cadence_start(n_beats)
    out = []
    for q, p in phrase_returns(phrases):
        target = (p.start_bar * BEATS_PER_BAR, min(p.end_bar * BEATS_PER_BAR, cadence))
        if target[1] > target[0]:
            out.append(((q.start_bar * BEATS_PER_BAR, min(q.end_bar * BEATS_PER_BAR, n_beats)), target))
    return out


def echoed_returns(phrases: list[Phrase], n_beats: int) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(source beats, target beats) of the bars of returning phrases that play their source's
    accompaniment again (music.structure.repeated_bars), up to the closing cadence."""
    cadence = cadence_start(n_beats)
    out = []
    for q, p in phrase_returns(phrases):
        start = p.start_bar * BEATS_PER_BAR
        target = (start, min(start + repeated_bars(q, p) * BEATS_PER_BAR, cadence))
        if target[1] > target[0]:
            out.append(((q.start_bar * BEATS_PER_BAR, min(q.end_bar * BEATS_PER_BAR, n_beats)), target))
    return out


def form_echoes(phrases: list[Phrase], chord_root: np.ndarray) -> np.ndarray:
    """int (n_beats,): for each beat that echoes its source (see echoed_returns) the beat of the
    earlier phrase its accompaniment plays again, where the two chords share a root; -1 elsewhere."""
    echo_of = np.full(len(chord_root), -1)
    for source, target in echoed_returns(phrases, len(chord_root)):
        echo_beats(echo_of, source, target)
    beats = np.nonzero(echo_of >= 0)[0]
    echo_of[beats[chord_root[beats] != chord_root[echo_of[beats]]]] = -1
    return echo_of
