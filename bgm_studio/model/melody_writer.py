"""Writing a piece's melody with the melody model: the first stage of generation.

The writer turns the piece's controls, chords and form into the melody model's conditions,
samples the melody of a span of beats (everything outside it is held, and read by the model
first), and writes it into the piece's roll. Phrases that return (a letter heard before) play
the earlier phrase's melody again on every beat whose chord root is the one it returns to, all but
their last bar, which is written anew (music.structure.repeated_bars); a phrase repeated at once
keeps each bar at the odds POP909's do, taking up the rhythm of the others. Hard limits
mask tokens and never choose one: the range around the requested register, and the close of the
piece (its last chord's first step may only strike that chord's root; after it the melody only
holds or rests). Within a phrase, the model itself plays earlier bars again where it will: it
reads the bars 1, 2 and 4 back at every step (melody_data.LOOKBACK_BARS).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch

from ..controls.music_controls import Controls
from ..music.notes import BEATS_PER_BAR, MELODY, STEPS_PER_BAR, STEPS_PER_BEAT
from ..music.pianoroll import PianoRoll, roll_to_note_array
from ..music.structure import Phrase, long_repeat_at_once, phrase_returns, repeated_bars, return_offset
from .data import model_roll
from .melody import MelodyModel, MelodySampling, sample_melody
from .melody_data import (
    HOLD,
    MELODY_LOW,
    VOCAB,
    MelodyPlan,
    melody_tokens,
    phrase_level,
    step_conditions,
    sung_onsets,
    tonic_shift,
)


@dataclass(frozen=True)
class MelodyPlanConfig:
    share: float = 0.25  # melody onsets per bar = share x the bar's density (POP909 train: 0.25)
    max_onsets: float = 10.0  # most melody onsets asked of one bar
    register_offset: float = 9.3  # the melody sits this far above a bar's mean pitch (POP909 train: 9.3)
    lift_sd: float = 3.8  # spread between pieces of that height, in semitones (see melody_lift)
    # Odds that a bar of a returning phrase plays its source bar again note for note, per bar of it
    # (the last entry: the phrase's last bar); a bar not kept takes up its source's rhythm, its
    # pitches drawn anew (see _returning_steps). Repeated at once: POP909 train's 941 8-bar phrases
    # repeated at once keep these shares of their bars. Back after other music: every bar but the
    # last (POP909 keeps 64-71% of them; at those odds the form's likeness fell further under the
    # songs': SI mid / long 0.391 / 0.374 against 0.404 / 0.389, train songs 771-786, seeds 0-2).
    keep_at_once: tuple[float, ...] = (0.51, 0.66, 0.65, 0.65, 0.61, 0.53, 0.36, 0.21)
    keep_later: tuple[float, ...] = (1.0, 0.0)
    # Spread between pieces of how readily the melody strikes its last pitch again (melody_repetition), in
    # log-odds: POP909's singers differ (train songs 771-818: the share of melody notes repeating the one
    # before has sd 0.100 between songs; ours 0.057 without the spread, 0.097-0.124 with it).
    repeat_spread: float = 0.6
    # Spread between pieces of the melody's share of the density, in log units (melody_busyness):
    # POP909's singers take 0.258 of their songs' onsets at the median, log-sd 0.195 from song to song
    # (train songs 001-818, melodic bars); at one share every piece's melody was about as busy as its
    # video asked (log-sd 0.07 between a video's pieces), and windows clustered where real songs spread.
    busyness_sd: float = 0.18


def melody_style(model: MelodyModel, style_seed: int, sung: float) -> tuple[float, float]:
    """A piece's (articulation, syncopation) (melody_data), one training song's of those the model
    keeps, the likelier the nearer its onsets a sung bar to the piece's `sung` (MelodyModel.draw_style):
    POP909's singers either join their notes (19% of train songs rest after fewer than 5% of them) or
    part them (median 39%), and keep to the eighths or sing between them, one way through a song."""
    return model.draw_style(np.random.default_rng([style_seed, 9]), sung)


def melody_repetition(sd: float, style_seed: int) -> float:
    """Log-odds a piece adds to its melody's new notes taking the last pitch again (MelodySampling.repeat_bias):
    normal, sd wide, within two sd. Some POP909 tunes chant on a pitch, others never strike one twice;
    sampled alone, the model gave every piece about the same habit."""
    return _style_normal(sd, style_seed, 29)


def melody_lift(sd: float, style_seed: int) -> float:
    """How far (semitones) a piece's melody sits above the usual height over its music: normal,
    `sd` wide, at most 2 sd. In POP909 (train songs 001-400, 8-bar windows) the melody's mean pitch
    sits 9.1 above the music's on average, 3.8 wider or narrower from song to song and 2.6 within
    a song: a singer's range. One fixed height made every piece's melody sit alike, and a classifier
    told 8-bar windows from real ones by the melody's register alone 67% of the time (53% with it)."""
    return _style_normal(sd, style_seed, 7)


def melody_busyness(sd: float, style_seed: int) -> float:
    """Factor on the melody's share of the density for one piece: log-normal, `sd` wide, within
    two sd. Some singers fill a bar with sixteenths over a sparse band, others sing a few long notes
    over a busy one."""
    return float(np.exp(_style_normal(sd, style_seed, 41)))


def _style_normal(sd: float, style_seed: int, stream: int) -> float:
    """One draw of a piece's style: normal, `sd` wide, at most 2 sd, from its own stream of the style seed."""
    return sd * float(np.clip(np.random.default_rng([style_seed, stream]).standard_normal(), -2.0, 2.0))


class MelodyWriter:
    """Samples and writes melodies; holds the melody model."""

    def __init__(
        self,
        model: MelodyModel,
        sampling: MelodySampling = MelodySampling(),
        config: MelodyPlanConfig = MelodyPlanConfig(),
    ) -> None:
        self.model = model.eval()
        self.sampling = sampling
        self.config = config

    def plan(
        self,
        controls: Controls,
        phrases: list[Phrase],
        tonic: int,
        lift: float = 0.0,
        style_seed: int | None = None,
    ) -> MelodyPlan:
        """The melody model's view of a piece (relative to the tonic C), over whole bars; lift: the
        piece's melody this many semitones above the usual height over the music (melody_lift);
        style_seed: draws its singer's articulation and syncopation (melody_style) by the onsets asked;
        None: the training songs' medians. Each melodic bar asks its phrase's level of onsets
        (phrase_level); the model spreads them over the phrase's bars."""
        n_bars = -(-controls.n_beats // BEATS_PER_BAR)
        beats = np.minimum(np.arange(n_bars * BEATS_PER_BAR), controls.n_beats - 1)
        shift = tonic_shift(tonic)
        root = controls.chord_root[beats]
        root = np.where(root < 0, -1, (root + shift) % 12)
        pcs = np.roll(controls.chord_pcs[beats], shift, axis=1)
        first = beats[::BEATS_PER_BAR]
        melodic = np.zeros(n_bars, bool)
        for p in phrases:
            melodic[max(p.start_bar, 0) : min(p.end_bar, n_bars)] = p.has_melody
        if not phrases:
            melodic[:] = True
        share = self.config.share * (
            1.0 if style_seed is None else melody_busyness(self.config.busyness_sd, style_seed)
        )
        asked = phrase_level(np.minimum(controls.density[first] * share, self.config.max_onsets), phrases)
        onsets = np.where(melodic, asked, 0.0)
        reg = controls.register[first]
        register = np.where(reg > 0, reg + self.config.register_offset + lift + shift, 0.0)
        if style_seed is None:
            articulation, syncopation = self.model.usual_style()
        else:
            articulation, syncopation = melody_style(self.model, style_seed, sung_onsets(onsets))
        return MelodyPlan(
            root, pcs, phrases, controls.minor[beats].astype(np.float64), onsets, register, articulation, syncopation
        )

    def write(
        self,
        roll: PianoRoll,
        controls: Controls,
        phrases: list[Phrase],
        tonic: int,
        start_beat: int,
        end_beat: int,
        seed: int,
        cadence_beat: int | None = None,
        style_seed: int | None = None,
    ) -> PianoRoll:
        """The roll with the melody of beats [start_beat, end_beat) sampled anew (on the model grid).

        cadence_beat: first beat of the piece's final chord; None for no closing limits.
        style_seed: draws how high the piece's melody sits (melody_lift), how it joins its notes and
        how it strikes between the eighths (melody_style); None: seed. The same for every span of one piece.
        """
        style = seed if style_seed is None else style_seed
        lift = melody_lift(self.config.lift_sd, style)
        plan = self.plan(controls, phrases, tonic, lift, style)
        n_steps = plan.n_bars * STEPS_PER_BAR
        shift = tonic_shift(tonic)
        notes = roll_to_note_array(roll)
        a, b = start_beat * STEPS_PER_BEAT, end_beat * STEPS_PER_BEAT
        new_here = (notes[:, 4] == MELODY) & (notes[:, 0] >= a) & (notes[:, 0] < b)
        held = notes[~new_here]
        fixed = melody_tokens(held, n_steps, shift)
        fixed[a:b] = np.where(fixed[a:b] == HOLD, HOLD, -1)  # a note from before the span rings on
        fixed[a:b][np.cumsum(fixed[a:b] != HOLD) > 0] = -1  # ... only until the first free step
        source, rhythm = _returning_steps(phrases, plan, self.config, np.random.default_rng([int(seed), 19]))
        for steps in (source, rhythm):
            steps[:a] = -1
            steps[b:] = -1
        if cadence_beat is not None:  # the close is written under its own limits, never copied
            source[cadence_beat * STEPS_PER_BEAT :] = -1
        allowed = self._allowed(plan, controls, tonic, cadence_beat)
        gen = torch.Generator().manual_seed(int(seed))
        sampling = replace(self.sampling, repeat_bias=melody_repetition(self.config.repeat_spread, style))
        tokens = sample_melody(self.model, step_conditions(plan), sampling, gen, allowed, fixed, source, rhythm)
        mel = _token_notes(tokens, a, min(b, roll.n_steps), shift, controls)
        return model_roll(np.concatenate([held, mel]), roll.n_steps)

    def _allowed(self, plan: MelodyPlan, controls: Controls, tonic: int, cadence_beat: int | None) -> np.ndarray:
        """bool (steps, VOCAB): the tokens the hard limits leave at each step."""
        n_steps = plan.n_bars * STEPS_PER_BAR
        allowed = np.ones((n_steps, VOCAB), bool)
        reg = np.repeat(plan.register, STEPS_PER_BAR)
        pitches = MELODY_LOW + np.arange(VOCAB - 2)
        far = np.abs(pitches[None] - reg[:, None]) > self.sampling.range_semitones
        allowed[:, 2:] &= ~(far & (reg[:, None] > 0))
        # A bar asking no onsets strikes none, but for a pickup in the bar before a sung one: an
        # intro's, an interlude's or an outro's bars are the accompaniment's alone.
        sung = plan.bar_onsets > 0
        quiet = ~sung & ~np.r_[sung[1:], False]
        allowed[np.repeat(quiet, STEPS_PER_BAR), 2:] = False
        if cadence_beat is not None and cadence_beat < controls.n_beats:
            c = cadence_beat * STEPS_PER_BEAT
            shift = tonic_shift(tonic)
            # The final note is the home chord's root, as in 80% of POP909's songs.
            allowed[c, 2:] &= pitches % 12 == (int(controls.chord_root[cadence_beat]) + shift) % 12
            allowed[c + 1 :, 2:] = False  # the final chord's melody note rings out
        return allowed


def _returning_steps(
    phrases: list[Phrase], plan: MelodyPlan, config: MelodyPlanConfig, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(source, rhythm), int (n_bars * 16,) each: for each step of a returning phrase, the step of the
    phrase it returns to (from where its harmony runs, music.structure.return_offset) that it plays
    again note for note (source) or whose rhythm it takes up (rhythm); -1 elsewhere.

    Each bar is kept note for note at its odds (config.keep_at_once, keep_later; the last of them for
    a phrase's last bar, or the piece's last where the piece ends inside the phrase); a kept beat
    returns only where its chord root is the earlier beat's, as a melody is never moved onto other
    harmony. A bar not kept takes up its source's rhythm, or is
    written anew if it is the last (a second ending). Copied whole but for the last bar, a phrase
    repeated at once matched its source in 99% of bars where POP909's match in 51-66% (onset overlap
    0.66-0.78 in bars 1-6, 0.55 in bar 7), and single shots played 8-bar loops: the 8-bar
    self-similarity of a synthesised 60-s shot at seeds 0-5 reached 0.367, over the 0.29 allowed."""
    source = np.full(plan.n_bars * STEPS_PER_BAR, -1)
    rhythm = np.full(plan.n_bars * STEPS_PER_BAR, -1)
    n_beats = plan.n_bars * BEATS_PER_BAR
    for q, p in phrase_returns(phrases):
        if not p.has_melody:
            continue
        repeated = min(repeated_bars(q, p), plan.n_bars - p.start_bar)  # the piece may end inside it
        back = (p.start_bar - q.start_bar) * BEATS_PER_BAR - return_offset(q, p, plan.chord_root, repeated)
        keep = config.keep_at_once if long_repeat_at_once(q, p) else config.keep_later
        for k in range(repeated):
            last = k == repeated - 1
            kept = rng.random() < (keep[-1] if last else keep[min(k, len(keep) - 2)])
            beats = np.arange((p.start_bar + k) * BEATS_PER_BAR, min((p.start_bar + k + 1) * BEATS_PER_BAR, n_beats))
            beats = beats[beats >= back]
            if kept:
                beats = beats[plan.chord_root[beats] == plan.chord_root[beats - back]]
            elif last:
                continue
            for beat in beats:
                dst = beat * STEPS_PER_BEAT
                (source if kept else rhythm)[dst : dst + STEPS_PER_BEAT] = (
                    np.arange(dst, dst + STEPS_PER_BEAT) - back * STEPS_PER_BEAT
                )
    return source, rhythm


def _token_notes(tokens: np.ndarray, a: int, b: int, shift: int, controls: Controls) -> np.ndarray:
    """Melody note rows (start, pitch, length, velocity, track) of the onsets in steps [a, b)."""
    rows = []
    for t in range(a, b):
        tok = int(tokens[t])
        if tok < 2:
            continue
        end = t + 1
        while end < b and tokens[end] == HOLD:
            end += 1
        energy = float(np.clip(controls.energy[min(t // STEPS_PER_BEAT, controls.n_beats - 1)], 0, 1))
        accent = 6 if t % STEPS_PER_BAR == 0 else 0
        vel = int(np.clip(48 + 80 * energy + accent, 1, 127))
        rows.append((t, MELODY_LOW + tok - 2 - shift, end - t, vel, MELODY))
    return np.array(rows, np.int64).reshape(-1, 5)
