"""Objective music metrics, pure functions over note arrays (int (N, 5): start, pitch, length, velocity, track).

Definitions and sources:
- PCHE, pitch-class histogram entropy: entropy (log2) of the 12-bin histogram of note
  onsets' pitch classes in each 8-bar window (sliding by one bar), averaged over windows.
  After MusDr (Wu & Yang, "The Jazz Transformer on the Front Line", ISMIR 2020), as used by Diff-BGM.
- GPS, grooving pattern similarity: each bar's 16-step binary onset pattern g; for every pair of
  non-empty bars, 1 - popcount(g_a XOR g_b) / 16; averaged over all pairs (MusDr, Diff-BGM).
- SI, structureness indicator: fitness scape plot (Mueller et al., "A segment-based fitness measure
  for capturing repetitive structures of music recordings", 2011) over a thresholded self-similarity
  matrix of per-beat chroma; SI for a range of segment lengths is the maximum fitness in it
  (Jazz Transformer). Short = 4-15 beats, mid = 16-31, long = 32-64. Because the piece lies on a
  quantised grid, the path families are diagonal (no time warping), which makes the plot exact
  for grid repetitions and cheap to compute.
- In-key ratio: share of notes whose pitch class lies in the key's scale (annotated key per beat,
  or a Krumhansl-Schmuckler estimate of one key for the piece).
- Chord-tone ratio: share of notes with an onset on a beat whose pitch class is in that beat's chord.
- Note density: onsets per bar. Mean polyphony: notes sounding per 16th step, over non-silent steps.
- Pitch range: highest minus lowest pitch (semitones). Empty-bar ratio: bars with no sounding note.
- Structure measures: median note length (16th steps), share of onsets on the 8th-note grid,
  melody notes per bar, bass-bar ratio (bars holding a note below G3 at least a quarter note long).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .harmony import MAJOR_SCALE, MINOR_SCALE
from .notes import MELODY, STEPS_PER_BAR, STEPS_PER_BEAT

START, PITCH, LENGTH, VELOCITY, TRACK = range(5)
BASS_CEILING = 55  # G3: bass notes lie below it
SI_RANGES = {"short": (4, 15), "mid": (16, 31), "long": (32, 64)}
# Krumhansl-Kessler key profiles.
KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


def entropy_bits(counts: np.ndarray) -> float:
    total = counts.sum()
    if total <= 0:
        return 0.0
    p = counts[counts > 0] / total
    return float(-(p * np.log2(p)).sum())


def n_bars_of(notes: np.ndarray, n_steps: int | None = None) -> int:
    end = n_steps if n_steps is not None else int((notes[:, START] + notes[:, LENGTH]).max(initial=0))
    return max(1, -(-end // STEPS_PER_BAR))


def pche(notes: np.ndarray, n_steps: int | None = None, window_bars: int = 8) -> float:
    """Mean pitch-class entropy over sliding 8-bar windows (whole piece if shorter)."""
    n_bars = n_bars_of(notes, n_steps)
    bar = notes[:, START] // STEPS_PER_BAR
    hist = np.zeros((n_bars, 12))
    np.add.at(hist, (bar.clip(0, n_bars - 1), notes[:, PITCH] % 12), 1)
    width = min(window_bars, n_bars)
    windows = np.lib.stride_tricks.sliding_window_view(hist, width, axis=0).sum(axis=-1)
    values = [entropy_bits(w) for w in windows if w.sum() > 0]
    return float(np.mean(values)) if values else 0.0


def bar_onset_patterns(notes: np.ndarray, n_steps: int | None = None) -> np.ndarray:
    """bool (n_bars, 16): which 16th positions of each bar hold an onset."""
    n_bars = n_bars_of(notes, n_steps)
    grid = np.zeros(n_bars * STEPS_PER_BAR, bool)
    grid[notes[:, START].clip(0, len(grid) - 1)] = True
    return grid.reshape(n_bars, STEPS_PER_BAR)


def gps(notes: np.ndarray, n_steps: int | None = None) -> float:
    """Grooving pattern similarity averaged over all pairs of non-empty bars (1.0 if < 2 bars)."""
    g = bar_onset_patterns(notes, n_steps)
    g = g[g.any(axis=1)].astype(np.int32)
    if len(g) < 2:
        return 1.0
    xor = (g[:, None, :] != g[None, :, :]).sum(-1)
    iu = np.triu_indices(len(g), k=1)
    return float(np.mean(1.0 - xor[iu] / STEPS_PER_BAR))


def beat_chroma(notes: np.ndarray, n_steps: int | None = None) -> np.ndarray:
    """(n_beats, 12): steps each pitch class sounds within each beat, duration-weighted."""
    n_beats = n_bars_of(notes, n_steps) * STEPS_PER_BAR // STEPS_PER_BEAT
    per_step = np.zeros((n_beats * STEPS_PER_BEAT, 12))
    for s, p, length in notes[:, [START, PITCH, LENGTH]]:
        per_step[s : s + length, p % 12] += 1
    chroma: np.ndarray = per_step.reshape(n_beats, STEPS_PER_BEAT, 12).sum(axis=1)
    return chroma


def self_similarity(chroma: np.ndarray, keep: float = 0.2, penalty: float = -2.0) -> np.ndarray:
    """Cosine SSM, thresholded: the top `keep` share rescaled to [0, 1], the rest set to `penalty`."""
    norm = np.linalg.norm(chroma, axis=1, keepdims=True)
    unit = np.divide(chroma, norm, out=np.zeros_like(chroma), where=norm > 0)
    ssm = unit @ unit.T
    tau = np.quantile(ssm, 1.0 - keep)
    top = ssm.max()
    scaled = (ssm - tau) / (top - tau) if top > tau else np.ones_like(ssm)
    return np.where(ssm >= tau, scaled, penalty)


def fitness_for_length(ssm: np.ndarray, length: int) -> np.ndarray:
    """Fitness of every segment of one length (vector over start beats), diagonal path families.

    For a segment at s, aligning it at j scores sum_k S[s+k, j+k]; the path family is the best
    set of non-overlapping alignments (dynamic programming over j). Normalised score and
    coverage exclude the trivial self-alignment; fitness is their harmonic mean.
    """
    n = len(ssm)
    starts = n - length + 1
    if starts <= 0:
        return np.zeros(0)
    # diag_sum[s, j] = sum_{k<length} ssm[s+k, j+k], via cumulative sums along diagonals.
    padded = np.zeros((n + 1, n + 1))
    padded[1:, 1:] = ssm
    for i in range(1, n + 1):
        padded[i, 1:] += padded[i - 1, :-1]
    diag = padded[length:, length:] - padded[:-length, :-length]  # (starts, starts)
    best = np.zeros((starts, starts + 1))
    count = np.zeros((starts, starts + 1))
    for j in range(starts):
        take = diag[:, j] + (best[:, j + 1 - length] if j + 1 >= length else 0.0)
        take_count = 1 + (count[:, j + 1 - length] if j + 1 >= length else 0.0)
        better = (diag[:, j] > 0) & (take > best[:, j])
        best[:, j + 1] = np.where(better, take, best[:, j])
        count[:, j + 1] = np.where(better, take_count, count[:, j])
    score, paths = best[:, -1], count[:, -1]
    extra = np.maximum(paths - 1, 0)
    norm_score = np.where(extra > 0, (score - length) / np.maximum(paths * length, 1), 0.0).clip(0, 1)
    coverage = (extra * length) / n
    denom = norm_score + coverage
    return np.divide(2 * norm_score * coverage, denom, out=np.zeros_like(denom), where=denom > 0)


def structureness(notes: np.ndarray, n_steps: int | None = None) -> dict[str, float]:
    """SI for short, mid and long segment lengths (max fitness in each range)."""
    chroma = beat_chroma(notes, n_steps)
    ssm = self_similarity(chroma)
    out = {}
    for name, (lo, hi) in SI_RANGES.items():
        fits = [fitness_for_length(ssm, length).max(initial=0.0) for length in range(lo, min(hi, len(ssm) // 2) + 1)]
        out[f"si_{name}"] = float(max(fits, default=0.0))
    return out


def key_fit(hist: np.ndarray, tonic: int, minor: bool) -> float:
    """Krumhansl-Schmuckler: correlation of a pitch-class histogram (12,) with the key's profile."""
    return float(np.corrcoef(hist, np.roll(KK_MINOR if minor else KK_MAJOR, tonic))[0, 1])


def estimate_key(notes: np.ndarray) -> tuple[int, bool]:
    """Krumhansl-Schmuckler: (tonic pitch class, is_minor) of the duration-weighted histogram."""
    hist = np.zeros(12)
    np.add.at(hist, notes[:, PITCH] % 12, notes[:, LENGTH])
    if hist.sum() == 0:
        return 0, False
    best, key = -2.0, (0, False)
    for minor in (False, True):
        for tonic in range(12):
            r = key_fit(hist, tonic, minor)
            if r > best:
                best, key = r, (tonic, minor)
    return key


def in_key_ratio(notes: np.ndarray, key_tonic: np.ndarray | None = None, key_minor: np.ndarray | None = None) -> float:
    """Share of notes in the scale of the key at their onset beat (estimated key if none given)."""
    if len(notes) == 0:
        return float("nan")
    beat = notes[:, START] // STEPS_PER_BEAT
    if key_tonic is None or key_minor is None:
        tonic, minor = estimate_key(notes)
        tonics, minors = np.full(len(notes), tonic), np.full(len(notes), minor)
    else:
        b = beat.clip(0, len(key_tonic) - 1)
        tonics, minors = key_tonic[b], key_minor[b]
    masks = np.zeros((2, 12), bool)
    masks[0, list(MAJOR_SCALE)] = True
    masks[1, list(MINOR_SCALE)] = True
    interval = (notes[:, PITCH] - tonics) % 12
    return float(masks[minors.astype(int), interval].mean())


def chord_tone_ratio(notes: np.ndarray, chord_pcs: np.ndarray | None) -> float:
    """Share of on-beat onsets whose pitch class is in the beat's chord (NaN without chords)."""
    if chord_pcs is None:
        return float("nan")
    on_beat = notes[notes[:, START] % STEPS_PER_BEAT == 0]
    beat = on_beat[:, START] // STEPS_PER_BEAT
    on_beat, beat = on_beat[beat < len(chord_pcs)], beat[beat < len(chord_pcs)]
    labelled = chord_pcs[beat].any(axis=1)
    if not labelled.any():
        return float("nan")
    hits = chord_pcs[beat[labelled], on_beat[labelled, PITCH] % 12]
    return float(hits.mean())


def sounding_counts(notes: np.ndarray, n_steps: int | None = None) -> np.ndarray:
    """int (steps,): notes sounding at each 16th step."""
    total = n_bars_of(notes, n_steps) * STEPS_PER_BAR
    delta = np.zeros(total + 1, np.int64)
    np.add.at(delta, notes[:, START].clip(0, total), 1)
    np.add.at(delta, (notes[:, START] + notes[:, LENGTH]).clip(0, total), -1)
    return np.cumsum(delta)[:total]


def bass_bar_ratio(notes: np.ndarray, n_steps: int | None = None) -> float:
    """Share of non-empty bars holding a bass note (< G3, >= a quarter note) that sounds in the bar."""
    n_bars = n_bars_of(notes, n_steps)
    sounding = sounding_counts(notes, n_steps).reshape(n_bars, STEPS_PER_BAR).any(axis=1)
    has_bass = np.zeros(n_bars, bool)
    bass = notes[(notes[:, PITCH] < BASS_CEILING) & (notes[:, LENGTH] >= STEPS_PER_BEAT)]
    for s, length in bass[:, [START, LENGTH]]:
        has_bass[s // STEPS_PER_BAR : min(n_bars, (s + length - 1) // STEPS_PER_BAR + 1)] = True
    return float(has_bass[sounding].mean()) if sounding.any() else 0.0


@dataclass(frozen=True)
class Annotations:
    """Optional per-beat labels a piece can be measured against."""

    key_tonic: np.ndarray | None = None
    key_minor: np.ndarray | None = None
    chord_pcs: np.ndarray | None = None
    cut_beats: np.ndarray | None = None  # int: beats where a shot starts (the cuts), for cut marking
    phrase_starts: np.ndarray | None = None  # int: beats where a planned phrase starts
    cut_eighths: np.ndarray | None = None  # int: steps of cuts that fall on an eighth between beats


def piece_metrics(notes: np.ndarray, n_steps: int | None = None, ann: Annotations = Annotations()) -> dict[str, float]:
    """Every metric of one piece, as a flat dict of floats."""
    notes = np.asarray(notes, dtype=np.int64).reshape(-1, 5)
    n_bars = n_bars_of(notes, n_steps)
    counts = sounding_counts(notes, n_steps)
    melody = notes[notes[:, TRACK] == MELODY]
    result = {
        "pche": pche(notes, n_steps),
        "gps": gps(notes, n_steps),
        **structureness(notes, n_steps),
        "in_key": in_key_ratio(notes, ann.key_tonic, ann.key_minor),
        "chord_tone": chord_tone_ratio(notes, ann.chord_pcs),
        "density": len(notes) / n_bars,
        "polyphony": float(counts[counts > 0].mean()) if counts.any() else 0.0,
        "pitch_range": float(np.ptp(notes[:, PITCH])) if len(notes) else 0.0,
        "empty_bars": float((~counts.reshape(n_bars, STEPS_PER_BAR).any(axis=1)).mean()),
        "note_len": float(np.median(notes[:, LENGTH])) if len(notes) else 0.0,
        "on_8th": float((notes[:, START] % 2 == 0).mean()) if len(notes) else 0.0,
        "melody_density": len(melody) / n_bars,
        "bass_bars": bass_bar_ratio(notes, n_steps),
    }
    return result


def mean_metrics(rows: list[dict[str, float]]) -> dict[str, float]:
    """Mean of each metric over pieces, ignoring NaN."""
    keys = rows[0].keys() if rows else []
    out = {}
    for k in keys:
        vals = [r[k] for r in rows if not math.isnan(r[k])]
        out[k] = float(np.mean(vals)) if vals else float("nan")
    return out
