"""The two stages of generation joined: the melody first, then the accompaniment and bass
around it, then the close of the piece.

The melody model writes a span's melody (MelodyWriter); the diffusion model inpaints the
accompaniment and bass around that melody, every note outside the span held (ScorePipeline with
hold_melody, as Polyffusion inpaints around a given melody); where the span holds the piece's
final chord, or lies after it, the piece rings out on it with the chord's root in the bass.
"""

from __future__ import annotations

import numpy as np

from ..controls.music_controls import Controls
from ..music.metrics import BASS_CEILING
from ..music.notes import BEATS_PER_BAR, STEPS_PER_BEAT
from ..music.pianoroll import PianoRoll, anticipate_cuts, mark_cuts_in_ring, ring_out
from ..music.structure import Phrase, cadence_start, long_repeat_at_once, phrase_returns, repeated_bars, return_offset
from ..progress import ProgressFn, no_progress
from .dynamics import DynamicsModel, energy_movement, perform
from .figure_choice import usual_bar_notes
from .melody_writer import MelodyWriter
from .pipeline import ScorePipeline, torch_threads


class Composer:
    """Holds both models and writes spans of a piece."""

    def __init__(self, pipeline: ScorePipeline, melody: MelodyWriter, dynamics: DynamicsModel | None = None) -> None:
        """dynamics: how the notes are played (None: models/dynamics.json)."""
        self.pipeline = pipeline
        self.melody = melody
        self.dynamics = dynamics if dynamics is not None else DynamicsModel.load()

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
        style_seed: int | None = None,
        eighth_cuts: np.ndarray | None = None,
        played_energy: np.ndarray | None = None,
    ) -> PianoRoll:
        """The roll (model grid) with beats [start_beat, end_beat) written anew.

        tonic: the major key's pitch class; close: end the piece on its final chord (see ring_out), a
        cut inside it marked by a bass attack (mark_cuts_in_ring);
        style_seed: draws the piece's pianist, its melody's height and its player's dynamics (None:
        seed), the same for every span of one piece; the pianist among library songs as busy as the
        piece's plan asks, the player among songs whose bars move as the energy played asks;
        eighth_cuts: steps of the cuts that fall on an eighth (controls.timing), each marked in the
        span before the final chord by the bass anticipating the next beat (anticipate_cuts);
        played_energy: per beat, the energy the notes are played at (None: the controls'; see
        model.dynamics.perform).
        """
        cadence = cadence_start(controls.n_beats)
        bar_notes = usual_bar_notes(controls.density, self.melody.plan(controls, phrases, tonic).bar_onsets)
        with torch_threads(self.pipeline.config.threads):  # one thread: no pool stalls when cores are busy
            roll = self.melody.write(
                roll, controls, phrases, tonic, start_beat, end_beat, seed, cadence if close else None, style_seed
            )
            roll = self.pipeline.inpaint(
                roll,
                controls,
                start_beat,
                end_beat,
                seed,
                progress,
                echo_of,
                hold_melody=True,
                style_seed=style_seed,
                key=tonic,
                voice_of=voiced_returns(phrases, controls.chord_root, controls.segment_start),
                bar_notes=bar_notes,
            )
        if eighth_cuts is not None:
            last = min(end_beat, cadence) if close else end_beat
            inside = eighth_cuts[(eighth_cuts >= start_beat * STEPS_PER_BEAT) & (eighth_cuts < last * STEPS_PER_BEAT)]
            roll = anticipate_cuts(roll, inside, controls.chord_root, BASS_CEILING)
        if close and cadence < end_beat:  # a span wholly after the final chord strikes nothing over it
            root, pcs = int(controls.chord_root[cadence]), controls.chord_pcs[cadence]
            roll = ring_out(roll, cadence * STEPS_PER_BEAT, root, BASS_CEILING, pcs)
            cuts = cadence + 1 + np.flatnonzero(controls.segment_start[cadence + 1 :])
            roll = mark_cuts_in_ring(roll, cadence * STEPS_PER_BEAT, cuts * STEPS_PER_BEAT, BASS_CEILING)
        style = seed if style_seed is None else style_seed
        energy = controls.energy if played_energy is None else played_energy
        performer = self.dynamics.draw_performer(np.random.default_rng([int(style), 29]), energy_movement(energy))
        a, b = start_beat * STEPS_PER_BEAT, end_beat * STEPS_PER_BEAT
        return perform(roll, energy, a, b, self.dynamics, performer, np.random.default_rng([int(seed), a, 31]))


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


def echoed_returns(
    phrases: list[Phrase], chord_root: np.ndarray, segment_start: np.ndarray
) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(source beats, target beats) of the bars of returning phrases that play their source's
    accompaniment again (music.structure.repeated_bars), up to the closing cadence; the source
    taken from where the target's harmony runs (music.structure.return_offset). A long phrase
    repeated at once within one shot plays new figures under its returning melody (see
    restated_in_shot). chord_root: int per beat of the piece; segment_start: bool per beat, where
    a shot starts."""
    return _return_spans(phrases, chord_root, segment_start, restated=False)


def _return_spans(
    phrases: list[Phrase], chord_root: np.ndarray, segment_start: np.ndarray, restated: bool
) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(source beats, target beats) of the returning phrases' repeated bars (see echoed_returns)
    that are (restated) or are not long phrases repeated at once in one shot (restated_in_shot)."""
    n_beats = len(chord_root)
    cadence = cadence_start(n_beats)
    out = []
    for q, p in phrase_returns(phrases):
        if restated_in_shot(q, p, segment_start) != restated:
            continue
        start, bars = p.start_bar * BEATS_PER_BAR, repeated_bars(q, p)
        target = (start, min(start + bars * BEATS_PER_BAR, cadence))
        offset = return_offset(q, p, chord_root, bars)
        if target[1] > target[0]:
            source = (q.start_bar * BEATS_PER_BAR + offset, min(q.end_bar * BEATS_PER_BAR + offset, n_beats))
            out.append((source, target))
    return out


def restated_in_shot(source: Phrase, returning: Phrase, segment_start: np.ndarray) -> bool:
    """Whether a returning phrase is a long phrase repeated at once (music.structure.
    long_repeat_at_once) with no cut where it starts: it restates its source in new figures on the
    same chord tones (voiced_returns). Copied, a long single shot's music looped bar for bar 8 bars
    on (self-similarity 0.35-0.42 on a real 60-s shot, against 0.29 allowed); POP909's repeats at
    once copy 13% of their bars exactly (songs 001-199). After a cut the picture has moved on, and
    the phrase plays its source's accompaniment again like any return: drawn anew there too, the
    form's likeness fell short of the songs' (SI long 0.344 against 0.382 on train songs 803-818,
    0.37 with it copied, the 8-bar self-similarity 0.20 against the songs' 0.24)."""
    beat = returning.start_bar * BEATS_PER_BAR
    cut = beat < len(segment_start) and bool(segment_start[beat])
    return long_repeat_at_once(source, returning) and not cut


def voiced_returns(phrases: list[Phrase], chord_root: np.ndarray, segment_start: np.ndarray) -> np.ndarray:
    """int (n_beats,): for each beat of a long phrase repeated at once in one shot (restated_in_shot;
    up to the closing cadence) the beat of its source whose chord tones its new figures play again
    (figure_choice, Pianist.voice_of), the source taken from where its harmony runs (return_offset);
    -1 elsewhere. chord_root: int per beat of the piece."""
    voice_of = np.full(len(chord_root), -1)
    for source, target in _return_spans(phrases, chord_root, segment_start, restated=True):
        beats = np.arange(*target)
        earlier = beats - (target[0] - source[0])
        kept = (earlier >= 0) & (earlier < target[0])
        voice_of[beats[kept]] = earlier[kept]
    return voice_of


def form_echoes(phrases: list[Phrase], chord_root: np.ndarray, segment_start: np.ndarray) -> np.ndarray:
    """int (n_beats,): for each beat that echoes its source (see echoed_returns) the beat of the
    earlier phrase whose accompaniment it plays again, on its own chords; -1 elsewhere."""
    echo_of = np.full(len(chord_root), -1)
    for source, target in echoed_returns(phrases, chord_root, segment_start):
        beats = np.arange(*target)
        earlier = beats - (target[0] - source[0])
        kept = (earlier >= max(source[0], 0)) & (earlier < source[1])
        echo_of[beats[kept]] = earlier[kept]
    return echo_of
