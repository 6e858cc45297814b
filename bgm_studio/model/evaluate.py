"""`eval --generate`: sample pieces for POP909 test songs' own controls and measure them.

Each test song gives its per-beat controls (density, energy, register, key mode, chords);
POP909 has no shots, so segments are drawn as seeded random spans of 4-12 bars, or follow the
songs' human phrase labels (music/phrases.py). Metrics
of the generated pieces are compared with the songs themselves, and controllability is
the Spearman correlation between requested and produced per-bar density, energy and register.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.stats import spearmanr

from ..controls.music_controls import Controls, controls_from_roll, measured_bar_controls
from ..music.evaluate import all_metrics
from ..music.metrics import Annotations, mean_metrics
from ..music.notes import BEATS_PER_BAR, STEPS_PER_BEAT, Note, Score
from ..music.pianoroll import roll_to_note_array
from ..music.pop909 import Song
from .data import MODEL_PITCH_NUMBERS, song_to_roll
from .pipeline import ScorePipeline


def song_controls(song: Song, seed: int, phrase_bars: np.ndarray | None = None) -> Controls:
    """The song's own per-beat controls with seeded random 4-12 bar segments, or one segment per
    labelled phrase (phrase_bars: the bar each phrase starts on)."""
    roll = song_to_roll(song)
    n_beats = song.n_beats
    starts = np.zeros(n_beats, bool)
    if phrase_bars is not None:
        beats = np.asarray(phrase_bars, np.int64) * BEATS_PER_BAR
        starts[beats[(beats >= 0) & (beats < n_beats)]] = True
    else:
        rng, bar = np.random.default_rng(seed), 0
        while bar * BEATS_PER_BAR < n_beats:
            starts[bar * BEATS_PER_BAR] = True
            bar += int(rng.integers(4, 13))
    return controls_from_roll(roll.velocity, MODEL_PITCH_NUMBERS, roll.minor, starts, roll.chord_pcs, roll.chord_root)


@dataclass
class GeneratedPiece:
    song_id: str
    notes: np.ndarray
    n_steps: int
    seconds: float
    cut_beats: np.ndarray  # beats where a segment starts after the first (the cuts)


def generate_for_song(pipe: ScorePipeline, song: Song, seed: int, phrase_bars: np.ndarray | None = None) -> GeneratedPiece:
    controls = song_controls(song, seed, phrase_bars)
    t0 = time.perf_counter()
    roll = pipe.generate(controls, seed=seed)
    return GeneratedPiece(song.song_id, roll_to_note_array(roll), song.n_steps, time.perf_counter() - t0,
                          np.flatnonzero(controls.segment_start[1:]) + 1)


def controllability(pieces: list[GeneratedPiece], songs: list[Song]) -> dict[str, float]:
    """Spearman rho between requested (the song's) and produced per-bar controls, pooled over bars,
    and the median relative density error over bars."""
    req, got = {k: [] for k in ("density", "energy", "register")}, {k: [] for k in ("density", "energy", "register")}
    for piece, song in zip(pieces, songs):
        n_bars = song.n_steps // (BEATS_PER_BAR * STEPS_PER_BEAT)
        want = measured_bar_controls(song.notes, n_bars)
        have = measured_bar_controls(piece.notes, n_bars)
        both = (want["density"] > 0) & (have["density"] > 0)
        for k in req:
            req[k].append(want[k][both])
            got[k].append(have[k][both])
    out = {}
    for k in req:
        r, g = np.concatenate(req[k]), np.concatenate(got[k])
        out[f"rho_{k}"] = float(spearmanr(r, g).statistic) if len(r) > 2 else float("nan")
    r, g = np.concatenate(req["density"]), np.concatenate(got["density"])
    out["density_err"] = float(np.median(np.abs(g / np.maximum(r, 1) - 1))) if len(r) else float("nan")
    return out


def evaluate_generated(pipe: ScorePipeline, songs: list[Song], seed: int = 0, progress=None,
                       keep=None, phrase_bars: dict[str, np.ndarray] | None = None,
                       ) -> tuple[dict[str, float], dict[str, float], list[GeneratedPiece]]:
    """(generated row, reference row, pieces); `keep(piece)` is called on each (e.g. to write MIDI).
    phrase_bars: per song id, the bars its labelled phrases start on (segments); else random segments."""
    pieces, gen_rows, ref_rows = [], [], []
    it = progress(songs, total=len(songs), desc="generate") if progress else songs
    for i, song in enumerate(it):
        piece = generate_for_song(pipe, song, seed + i, phrase_bars[song.song_id] if phrase_bars else None)
        ann = Annotations(song.key_tonic, song.key_minor, song.chord_pcs, cut_beats=piece.cut_beats)
        gen_rows.append(all_metrics(piece.notes, piece.n_steps, ann))
        ref_rows.append(all_metrics(song.notes, song.n_steps, ann))
        pieces.append(piece)
        if keep:
            keep(piece)
    gen = mean_metrics(gen_rows) | controllability(pieces, songs)
    gen["sec_per_piece"] = float(np.mean([p.seconds for p in pieces]))
    return gen, mean_metrics(ref_rows), pieces


def piece_score(piece: GeneratedPiece, tempo_bpm: float = 100.0) -> Score:
    cuts = [int(b) * STEPS_PER_BEAT for b in piece.cut_beats]  # written as shot markers
    return Score([Note(*map(int, r)) for r in piece.notes], piece.n_steps, tempo_bpm, cuts)
