"""Melody as tokens and the per-step conditions the melody model reads (numpy only).

A melody is one token per 16th step: REST, HOLD (the note before goes on) or the onset of a
pitch in MELODY_LOW..MELODY_LOW+MELODY_PITCHES-1. Pitches are relative to the major tonic
of the piece (a minor key is read from its relative major), so the model learns one key.

The conditions of a step say what a composer knows when writing it: the position in the bar,
the chord, where the step lies in its phrase (bar in phrase, bars to its end, whether the
phrase has a melody, returns or closes the piece), the mode, how many melody onsets its bar
should have and the phrase's register; and the singer's habits, one value each for the piece:
how it parts its notes (articulation) and how many of them it strikes between the eighths
(syncopation); and, for each bar LOOKBACK_BARS back, whether the chord there was this step's
(a melody plays an earlier bar again mostly over the same chords). The tokens at those places
themselves are read by the model as a second input (lookback_tokens).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..music.notes import BEATS_PER_BAR, MELODY, STEPS_PER_BAR, STEPS_PER_BEAT
from ..music.structure import Phrase

REST, HOLD = 0, 1
MELODY_LOW = 48  # C3 relative to the tonic C
MELODY_PITCHES = 48  # C3..B6
VOCAB = 2 + MELODY_PITCHES
REGISTER_CENTRE = 72.0  # the phrase register feature is (mean pitch - centre) / 12
PHRASE_BARS_SEEN = 8  # bar-in-phrase one-hot size (later bars share the last)
BARS_TO_END_SEEN = 4  # bars-to-phrase-end one-hot size
# Bars back whose token at the same place in the bar the model reads at each step: pop melodies echo
# the bar before, the bar 2 before and the bar 4 before (a phrase's second half its first). With only
# the token before, the model's free bars shared 0.04 of their notes with the bar 4 before, against
# POP909's 0.21 (validation songs, HISTORY.md stop 61); Magenta's Lookback RNN reads bars 1 and 2 back.
LOOKBACK_BARS = (1, 2, 4)
COND_DIM = STEPS_PER_BAR + 13 + 12 + 1 + PHRASE_BARS_SEEN + BARS_TO_END_SEEN + 8 + len(LOOKBACK_BARS)


@dataclass
class MelodyPlan:
    """What the melody of a piece is written against, per step or per bar (n_steps = 16 * n_bars).

    chord_root: int (n_beats,) relative to the tonic, -1 none; chord_pcs: bool (n_beats, 12)
    relative to the tonic; phrases: the piece's form on its bars; minor: float (n_beats,);
    bar_onsets: float (n_bars,) melody onsets wanted per bar, the same in every bar of a melodic
    phrase (phrase_level: the model spreads them over the phrase's bars); register: float (n_bars,) mean
    melody pitch wanted (relative to the tonic C), 0 for none; articulation: share of the melody's
    notes followed by a rest before the next one (see articulation), and syncopation: share of its
    onsets on the 16ths between the eighths (see syncopation), one value each for the piece.
    """

    chord_root: np.ndarray
    chord_pcs: np.ndarray
    phrases: list[Phrase]
    minor: np.ndarray
    bar_onsets: np.ndarray
    register: np.ndarray
    articulation: float
    syncopation: float

    @property
    def n_bars(self) -> int:
        return len(self.bar_onsets)


def phrase_of_bar(phrases: list[Phrase], n_bars: int) -> np.ndarray:
    """int (n_bars,): index into `phrases` of each bar's phrase, -1 where none covers it."""
    out = np.full(n_bars, -1)
    for i, p in enumerate(phrases):
        out[max(p.start_bar, 0) : min(p.end_bar, n_bars)] = i
    return out


def step_conditions(plan: MelodyPlan) -> np.ndarray:
    """float32 (n_bars * 16, COND_DIM): the conditions of every step of the plan."""
    n_bars = plan.n_bars
    n_steps = n_bars * STEPS_PER_BAR
    beat = np.arange(n_steps) // STEPS_PER_BEAT
    beat = np.minimum(beat, len(plan.chord_root) - 1)
    cond = np.zeros((n_steps, COND_DIM), np.float32)
    col = 0
    cond[np.arange(n_steps), np.arange(n_steps) % STEPS_PER_BAR] = 1
    col += STEPS_PER_BAR
    root = np.where(plan.chord_root[beat] < 0, 12, plan.chord_root[beat] % 12)
    cond[np.arange(n_steps), col + root] = 1
    col += 13
    cond[:, col : col + 12] = plan.chord_pcs[beat]
    col += 12
    cond[:, col] = plan.minor[beat]
    col += 1
    bar_feats = _bar_phrase_features(plan.phrases, n_bars)  # (n_bars, k)
    k = bar_feats.shape[1]
    cond[:, col : col + k] = np.repeat(bar_feats, STEPS_PER_BAR, axis=0)
    col += k
    for lag in LOOKBACK_BARS:
        back = beat - lag * BEATS_PER_BAR
        ok = back >= 0
        b = np.maximum(back, 0)
        same = (plan.chord_root[b] == plan.chord_root[beat]) & (plan.chord_pcs[b] == plan.chord_pcs[beat]).all(axis=1)
        cond[:, col] = ok & same & (plan.chord_root[beat] >= 0)
        col += 1
    cond[:, col] = np.repeat(np.minimum(plan.bar_onsets, 16) / 8.0, STEPS_PER_BAR)
    reg = np.where(plan.register > 0, (plan.register - REGISTER_CENTRE) / 12.0, 0.0)
    cond[:, col + 1] = np.repeat(reg, STEPS_PER_BAR)
    cond[:, col + 2] = plan.articulation
    cond[:, col + 3] = plan.syncopation
    assert col + 4 == COND_DIM
    return cond


def _bar_phrase_features(phrases: list[Phrase], n_bars: int) -> np.ndarray:
    """(n_bars, PHRASE_BARS_SEEN + BARS_TO_END_SEEN + 4): bar in phrase, bars to its end, has
    melody, returns (its letter came before), last phrase of the piece, phrase length / 16."""
    out = np.zeros((n_bars, PHRASE_BARS_SEEN + BARS_TO_END_SEEN + 4), np.float32)
    seen: set[str] = set()
    last_melodic = max((i for i, p in enumerate(phrases) if p.has_melody), default=-1)
    for i, p in enumerate(phrases):
        for b in range(max(p.start_bar, 0), min(p.end_bar, n_bars)):
            k = b - p.start_bar
            out[b, min(k, PHRASE_BARS_SEEN - 1)] = 1
            out[b, PHRASE_BARS_SEEN + min(p.end_bar - 1 - b, BARS_TO_END_SEEN - 1)] = 1
            base = PHRASE_BARS_SEEN + BARS_TO_END_SEEN
            out[b, base] = p.has_melody
            out[b, base + 1] = p.letter in seen
            out[b, base + 2] = i >= last_melodic
            out[b, base + 3] = min(p.n_bars, 16) / 16.0
        seen.add(p.letter)
    return out


def lookback_tokens(tokens: np.ndarray) -> np.ndarray:
    """int64 (T, len(LOOKBACK_BARS)): for each step, the token at the same place LOOKBACK_BARS bars back
    (REST before the start), what the model reads beside the token before."""
    tokens = np.asarray(tokens, np.int64)
    out = np.full((len(tokens), len(LOOKBACK_BARS)), REST, np.int64)
    for i, lag in enumerate(LOOKBACK_BARS):
        d = lag * STEPS_PER_BAR
        out[d:, i] = tokens[: max(len(tokens) - d, 0)]
    return out


def melody_tokens(notes: np.ndarray, n_steps: int, shift: int) -> np.ndarray:
    """int64 (n_steps,) tokens of the melody track of `notes` (int (N, 5)) transposed by `shift`:
    the top note at each onset, held for its length or until the next onset."""
    mel = notes[notes[:, 4] == MELODY]
    tokens = np.full(n_steps, REST, np.int64)
    if len(mel) == 0:
        return tokens
    order = np.lexsort((-mel[:, 1], mel[:, 0]))  # by start, highest pitch first
    mel = mel[order]
    first = np.concatenate([[True], mel[1:, 0] != mel[:-1, 0]])
    mel = mel[first]
    for i, (start, pitch, length) in enumerate(mel[:, :3]):
        if start >= n_steps:
            break
        end = min(start + max(length, 1), n_steps, mel[i + 1, 0] if i + 1 < len(mel) else n_steps)
        tokens[start] = pitch_token(int(pitch) + shift)
        tokens[start + 1 : end] = HOLD
    return tokens


def pitch_token(pitch: int) -> int:
    """Token of a pitch relative to the tonic C, folded by octaves into the melody range."""
    while pitch < MELODY_LOW:
        pitch += 12
    while pitch >= MELODY_LOW + MELODY_PITCHES:
        pitch -= 12
    return 2 + pitch - MELODY_LOW


def token_pitch(token: int) -> int:
    """Pitch (relative to the tonic C) of an onset token."""
    return MELODY_LOW + token - 2


def major_tonic(tonic: int, minor: bool) -> int:
    """The major tonic a key is read from (a minor key from its relative major)."""
    return (tonic + 3) % 12 if minor else tonic % 12


def tonic_shift(tonic: int) -> int:
    """Semitones (-5..6) that move a major tonic to C by the shorter way."""
    return -(((tonic + 5) % 12) - 5)


def song_tonic(song) -> int:
    """The major key a POP909 song is read in (a minor key from its relative major): its most common."""
    tonics = [major_tonic(int(t), bool(m)) for t, m in zip(song.key_tonic, song.key_minor)]
    return int(np.bincount(tonics, minlength=12).argmax()) if tonics else 0


def song_plan(song, phrases: list[Phrase]) -> tuple[MelodyPlan, np.ndarray]:
    """(plan, tokens) of a POP909 song as training data, in C (the relative major of its key)."""
    n_bars = song.n_steps // STEPS_PER_BAR
    minor = np.asarray(song.key_minor, bool)
    shift = tonic_shift(song_tonic(song))
    tokens = melody_tokens(song.notes, n_bars * STEPS_PER_BAR, shift)
    bar_onsets = phrase_level(bar_onset_counts(tokens), phrases)
    register = _phrase_register(tokens, phrases, n_bars)
    root = np.where(song.chord_root < 0, -1, (song.chord_root.astype(int) + shift) % 12)
    pcs = np.roll(song.chord_pcs, shift, axis=1)
    plan = MelodyPlan(
        root, pcs, phrases, minor.astype(np.float64), bar_onsets, register, articulation(tokens), syncopation(tokens)
    )
    return plan, tokens


def bar_onset_counts(tokens: np.ndarray) -> np.ndarray:
    """float (n_bars,): the melody onsets struck in each whole bar of `tokens`."""
    n_bars = len(tokens) // STEPS_PER_BAR
    return (tokens[: n_bars * STEPS_PER_BAR] >= 2).reshape(n_bars, STEPS_PER_BAR).sum(axis=1).astype(np.float64)


def phrase_level(onsets: np.ndarray, phrases: list[Phrase]) -> np.ndarray:
    """float (n_bars,): the melody onsets of each bar as the mean over its melodic phrase's bars (a
    bar outside one keeps its own); what the melody model reads, in training and when writing.

    Within a phrase, a singer's bars hold few or many notes as the words go, and the last is often
    all but one held note. Read bar by bar, the model learned to strike just the count asked, and
    how the writer spread a phrase's onsets over its bars was a rule's guess: a drawn ratio to the
    phrase's mean (HISTORY.md, stop 58). Struck where that guess asked 3 or 4, the model put the first
    note off the downbeat: our sung bars struck their downbeat 0.59-0.65 of the time against
    POP909's 0.72 (validation songs 771-818, seeds 0 and 1), the classifier's first tell. Reading
    the phrase's mean, the model spreads the onsets itself: 0.70-0.72.
    """
    out = np.asarray(onsets, np.float64).copy()
    for p in phrases:
        a, b = max(p.start_bar, 0), min(p.end_bar, len(out))
        if p.has_melody and b > a:
            out[a:b] = out[a:b].mean()
    return out


def articulation(tokens: np.ndarray) -> float:
    """Share of a melody's notes (each but the last) followed by a rest before the next note starts.

    A singer's style, the same through a song: POP909's melodies either join their notes (19% of
    train songs part fewer than 5% of them) or part many (median 39%). The model reads it as a
    condition; without it, it wrote every piece in between and a sixth of pieces legato at random."""
    onsets = np.flatnonzero(tokens >= 2)
    if len(onsets) < 2:
        return 0.0
    rests = np.cumsum(tokens == REST)
    return float(np.mean(rests[onsets[1:] - 1] > rests[onsets[:-1]]))


def sung_onsets(bar_onsets: np.ndarray) -> float:
    """Melody onsets a bar over the bars holding any (0 where none does): how busy a tune is where
    it sings."""
    sung = np.asarray(bar_onsets)[np.asarray(bar_onsets) > 0]
    return float(sung.mean()) if len(sung) else 0.0


def syncopation(tokens: np.ndarray) -> float:
    """Share of a melody's onsets on the 16ths between the eighths (0 without onsets).

    A singer's habit through a song: a quarter of POP909's train songs strike fewer than 3% of their
    notes there, a tenth over 47% (median 15%), the more so the more legato they sing (Spearman -0.35
    with articulation, songs 001-770). Read by the model as a condition; without it, its pieces kept
    to the middle (5th-95th percentile between pieces 0.02-0.42 against the songs' 0.00-0.51,
    validation songs 771-818), and a classifier read the melody's onset places."""
    onsets = np.flatnonzero(tokens >= 2)
    return float(np.mean(onsets % 2 == 1)) if len(onsets) else 0.0


def _phrase_register(tokens: np.ndarray, phrases: list[Phrase], n_bars: int) -> np.ndarray:
    """float (n_bars,): each bar's phrase's mean onset pitch (0 where the phrase has no notes)."""
    pitches = np.where(tokens >= 2, MELODY_LOW + tokens - 2, 0).reshape(n_bars, STEPS_PER_BAR)
    out = np.zeros(n_bars)
    for p in phrases:
        a, b = max(p.start_bar, 0), min(p.end_bar, n_bars)
        sel = pitches[a:b]
        if (sel > 0).any():
            out[a:b] = sel[sel > 0].mean()
    return out
