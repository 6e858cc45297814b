"""`eval --generate`: sample pieces for POP909 test songs' own controls and measure them.

Each test song gives its per-beat controls (density, energy, register, key mode, chords).
POP909 has no shots, so there are two ways to give a piece its segments and form:
- "random": segments are seeded random spans of 4-12 bars, and the form is planned over them
  as over a video's shots (controls.form);
- "labels": segments start at the song's own labelled phrases, and the form is the song's
  phrase labels (music.structure), so structure can be compared with the real song's.
Metrics of the generated pieces are compared with the songs themselves, and controllability is
the Spearman correlation between requested and produced per-bar density, energy and register.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

import numpy as np
from scipy.stats import spearmanr

from ..controls.form import FormModel, plan_form
from ..controls.music_controls import Controls, controls_from_roll, measured_bar_controls
from ..music.evaluate import all_metrics
from ..music.metrics import Annotations, mean_metrics
from ..music.notes import BEATS_PER_BAR, STEPS_PER_BEAT, Note, Score
from ..music.pianoroll import PianoRoll, roll_to_note_array
from ..music.pop909 import Song
from ..music.structure import Phrase, cadence_start, song_phrases
from .composer import Composer, form_echoes
from .data import MODEL_PITCH_NUMBERS, song_to_roll
from .denoiser import MODEL_PITCH_LOW, MODEL_PITCHES
from .melody_data import major_tonic, song_tonic

FORM_MODES = ("random", "labels")


def song_controls(song: Song, seed: int, phrases: list[Phrase] | None = None) -> Controls:
    """The song's own per-beat controls, with segments starting at the given phrases, or else
    at seeded random 4-12 bar spans."""
    roll = song_to_roll(song)
    n_beats = song.n_beats
    starts = np.zeros(n_beats, bool)
    if phrases:
        for p in phrases:
            starts[min(p.start_bar * BEATS_PER_BAR, n_beats - 1)] = True
    else:
        rng = np.random.default_rng(seed)
        bar = 0
        while bar * BEATS_PER_BAR < n_beats:
            starts[bar * BEATS_PER_BAR] = True
            bar += int(rng.integers(4, 13))
    return controls_from_roll(roll.velocity, MODEL_PITCH_NUMBERS, roll.minor, starts, roll.chord_pcs, roll.chord_root)


def song_form(song: Song, controls: Controls, mode: str, form: FormModel, seed: int) -> list[Phrase]:
    """The phrases a piece for this song is written in: the song's labels, or a form planned
    over the controls' segments as over a video's shots."""
    if mode == "labels":
        return song_phrases(song)
    starts: list[int] = np.nonzero(controls.segment_start)[0].tolist()
    n_bars = -(-controls.n_beats // BEATS_PER_BAR)
    bar_density = np.resize(controls.density[::BEATS_PER_BAR], n_bars)
    return plan_form(starts, list(range(len(starts))), bar_density, form, np.random.default_rng(seed))


def _close_on_tonic(controls: Controls, tonic: int) -> None:
    """End on the home chord, as a scored video does: from the closing cadence on, the tonic triad
    of the mode the song's last beat is in (in place). tonic: the major tonic of the key the song
    ends in, which a song that changes key for its last chorus no longer shares with its start."""
    start = cadence_start(controls.n_beats)
    minor = bool(controls.minor[-1])
    home = (tonic + 9) % 12 if minor else tonic
    controls.chord_root[start:] = home
    controls.chord_pcs[start:] = False
    controls.chord_pcs[start:, [home, (home + (3 if minor else 4)) % 12, (home + 7) % 12]] = True


@dataclass
class GeneratedPiece:
    song_id: str
    notes: np.ndarray
    n_steps: int
    seconds: float
    cut_beats: np.ndarray  # beats where a segment starts after the first (the cuts)
    phrase_beats: np.ndarray  # beats where a phrase of its form starts


def generate_for_song(
    composer: Composer, song: Song, seed: int, mode: str = "random", form: FormModel | None = None
) -> GeneratedPiece:
    """A piece for the song's controls and chords, in the form `mode` gives (see FORM_MODES)."""
    labelled = song_phrases(song) if mode == "labels" else None
    controls = song_controls(song, seed, labelled)
    phrases = song_form(song, controls, mode, form or FormModel.load(), seed)
    t0 = time.perf_counter()
    empty = PianoRoll.empty(controls.n_beats * STEPS_PER_BEAT, MODEL_PITCH_LOW, MODEL_PITCHES)
    tonic = song_tonic(song)
    _close_on_tonic(controls, major_tonic(int(song.key_tonic[-1]), bool(song.key_minor[-1])))
    echo_of = form_echoes(phrases, controls.chord_root, controls.segment_start)
    roll = composer.compose(
        empty, controls, phrases, tonic, 0, controls.n_beats, seed, echo_of=echo_of, style_seed=style_seed(seed, song)
    )
    return GeneratedPiece(
        song.song_id,
        roll_to_note_array(roll),
        song.n_steps,
        time.perf_counter() - t0,
        np.flatnonzero(controls.segment_start[1:]) + 1,
        np.array([p.start_bar * BEATS_PER_BAR for p in phrases], np.int64),
    )


def style_seed(seed: int, song: Song) -> int:
    """The seed that draws a piece's pianist and melody height: the seed mixed with the song, as a
    video's is with its content (project.scoring.video_seed). Taken from the seed alone, every piece
    of an evaluation shared one pianist and one melody lift (seed 0: -2.32 semitones, seed 1: +6.08),
    a set less varied than scored videos, its figures leaning one way at each seed."""
    digest = hashlib.sha256(f"{seed} pop909/{song.song_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") >> 1


def controllability(pieces: list[GeneratedPiece], songs: list[Song]) -> dict[str, float]:
    """Spearman rho between requested (the song's) and produced per-bar controls, pooled over bars,
    and the median relative density error over bars."""
    req: dict[str, list[np.ndarray]] = {k: [] for k in ("density", "energy", "register")}
    got: dict[str, list[np.ndarray]] = {k: [] for k in ("density", "energy", "register")}
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


def evaluate_generated(
    composer: Composer, songs: list[Song], seed: int = 0, progress=None, keep=None, mode: str = "random"
) -> tuple[dict[str, float], dict[str, float], list[GeneratedPiece]]:
    """(generated row, reference row, pieces); `keep(piece)` is called on each (e.g. to write MIDI)."""
    pieces, gen_rows, ref_rows = [], [], []
    form = FormModel.load()
    it = progress(songs, total=len(songs), desc="generate") if progress else songs
    for i, song in enumerate(it):
        piece = generate_for_song(composer, song, seed + i, mode, form)
        ann = Annotations(song.key_tonic, song.key_minor, song.chord_pcs, piece.cut_beats, piece.phrase_beats)
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
