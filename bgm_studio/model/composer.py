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
from ..music.metrics import BASS_CEILING
from ..music.notes import STEPS_PER_BEAT
from ..music.pianoroll import PianoRoll, ring_out
from ..music.structure import Phrase
from ..progress import ProgressFn, no_progress
from .chords import cadence_start
from .melody_writer import MelodyWriter
from .pipeline import ScorePipeline, torch_threads


class Composer:
    """Holds both models and writes spans of a piece."""

    def __init__(self, pipeline: ScorePipeline, melody: MelodyWriter) -> None:
        self.pipeline = pipeline
        self.melody = melody

    def compose(self, roll: PianoRoll, controls: Controls, phrases: list[Phrase], tonic: int, start_beat: int,
                end_beat: int, seed: int, progress: ProgressFn = no_progress, echo_of: np.ndarray | None = None,
                close: bool = True) -> PianoRoll:
        """The roll (model grid) with beats [start_beat, end_beat) written anew.

        tonic: the major key's pitch class; close: end the piece on its final chord (see ring_out).
        """
        cadence = cadence_start(controls.n_beats)
        with torch_threads(self.pipeline.config.threads):  # one thread: no pool stalls when cores are busy
            roll = self.melody.write(roll, controls, phrases, tonic, start_beat, end_beat, seed,
                                     cadence if close else None)
        roll = self.pipeline.inpaint(roll, controls, start_beat, end_beat, seed, progress, echo_of, hold_melody=True)
        if close and start_beat <= cadence < end_beat:
            roll = ring_out(roll, cadence * STEPS_PER_BEAT, int(controls.chord_root[cadence]), BASS_CEILING)
        return roll
