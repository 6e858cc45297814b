"""Choosing the accompaniment's figures with the diffusion model: the sampled onset probabilities
(inpainted around the melody, under each shot's own controls) score real figures (model.texture)
realized on the bar's chords, and one is drawn per bar.

One pianist plays a piece: its candidates are the figures of one library song (drawn per piece,
`draw_pianist`) wherever that song has enough of the bar's size, as in POP909 one arranger plays a
whole song. Drawn from the whole library bar by bar, windows mixed every pianist's habits into a
middle no real song has (train songs 803-818, seeds 0 / 1: the classifier telling windows apart
83.1 / 79.1% -> 76.7 / 76.2%).

A figure moved onto chords it was not played over is what a judge reading the piano roll told
ours from POP909's by (models/HISTORY.md, stops 53-55): each bar also weighs the pianist's figures
played over its own chords, in any key, or where it has none those of the pianists playing likest
it (`TextureLibrary.kindred_of`), and favours every candidate that was.

The diffusion model alone gives a blurred map: taking its likeliest cells stacks close chords on
many sixteenths. A figure from the library is a whole bar a pianist played, so its rhythm and
voicing hang together; the model chooses which figure fits the melody, the density, the energy
and the register, and a figure tends to run on through a shot, as accompaniment does in pop.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ..controls.music_controls import Controls
from ..music.metrics import BASS_CEILING
from ..music.notes import BEATS_PER_BAR, STEPS_PER_BAR, STEPS_PER_BEAT
from .bar_critic import BarCritic, bar_features
from .roll_critic import RollCritic, candidate_rolls
from .denoiser import MODEL_PITCH_LOW, MODEL_PITCHES
from .texture import LENGTH, PASSING, ROLE, STEP, TextureLibrary, encode_bar, realize, role_table

MAJOR_SCALE = np.isin(np.arange(12), (0, 2, 4, 5, 7, 9, 11))  # pitch classes of a major key, from its tonic
BASS_FLOOR = 36  # C2: the accompaniment's lowest note (POP909 train: 0.6% of its notes lie below)
LOOP_BARS = 8  # a figure playing again the notes of this many bars before makes an 8-bar loop
LEAP_FREE = 3.0  # semitones the upper hand's mean pitch may move from one bar to the next at no cost
# Onset overlap (Jaccard) with the bar 8 before that costs nothing: a POP909 phrase repeated at once shares 0.46
# of its accompaniment onsets with its source bar for bar (train songs 700-802). Past it the cost grows to
# FigureConfig.loop_cost at 1; charged only from 0.9, a repeated phrase in a 60-s single shot shared 0.60.
LOOP_FREE = 0.46
PIANIST_SPREAD = 2.0  # notes a bar: how far a pianist's usual bar lies from the piece's and is still drawn often
SHORTEST_MOVE = 2  # 16ths: a held voice that would sound on for less past a change of chord stops at it
MOST_BEAT_ONSETS = 16  # a figure striking more in one beat is a glissando smeared onto the grid: never drawn


@dataclass(frozen=True)
class FigureConfig:
    candidates: int = 48  # library figures of about the right size scored for each bar
    min_own: int = 6  # fewest figures of the pianist's song fitting a bar for the bar to take them alone
    count_tolerance: float = 0.2  # a candidate's onsets may differ from the bar's count by this share (at least 1)
    count_weight: float = 4.0  # log-score cost of missing the bar's onset count, per share of it
    follow_bonus: float = (
        3.0  # log-score bonus of the figure the pianist of the bar before played next, in the same shot
    )
    same_chords: int = 16  # the pianist's figures played over the bar's own chords (in any key) added to its candidates
    # the songs playing likest the pianist whose figures are offered where it has none over the bar's chords,
    # or too few of the bar's size
    kindred: int = 15
    # log-score bonus of a figure played over the bar's own chords: realized on the chords it was written
    # for, it keeps its voicing and its passing notes where its pianist put them
    same_chords_bonus: float = 4.0
    recall_bonus: float = 1.5  # log-score bonus of the figure played 1 (same shot), 2 or 4 bars back, same chords
    groove_weight: float = 4.0  # log-score bonus per unit of rhythm likeness to the two bars before, in the shot
    piece_groove_weight: float = (
        8.0  # log-score bonus per unit of rhythm likeness to the likest earlier bar of the piece
    )
    over_melody_cost: float = 10.0  # log-score cost per share of a bar's notes lying over the melody sounding then
    loop_cost: float = (
        10.0  # log-score cost of playing again all the notes of 8 bars before, in proportion past LOOP_FREE
    )
    leap_weight: float = (
        1.5  # log-score cost per semitone the upper hand's mean pitch moves past LEAP_FREE from the bar before
    )
    bass_weight: float = 8.0  # log-score bonus per unit of bass onset overlap with a bar 1, 2 or 4 back, same chords
    # log-score bonus per unit of onset overlap with the bar 1 or 2 back over other chords (common tones kept)
    common_tone_weight: float = 8.0
    # log-score bonus of a bass note sounding on the bar's downbeat, struck there or held into it (POP909: 96%
    # of bars); at 4, counting only a bass struck there, the bar critic took a 3-minute single shot's bars off it
    downbeat_bass_bonus: float = 8.0
    # log-score cost per unit of onset overlap with the take a span written again played there; at 10, with the
    # roll critic at 6 x, a regenerated 2-bar shot returning to a phrase got 83% of its notes back at 12 of 12
    # seeds (the tests' A B A B clip as x264 wrote it at stop 78), at 20 15-24%
    fresh_cost: float = 20.0
    voicing_weight: float = 32.0  # log-score bonus per unit of chord-tone likeness to the beats restated (voice_of)
    temperature: float = 1.0  # of the draw among candidates by score (0: the best one)
    echo_tolerance: float = 0.4  # an echoed bar is copied where its onsets differ from the count by this share (or 2)
    # a shot starting mid-bar takes a figure of its own there only where its pace (onsets a bar asked)
    # differs from the shot before by this factor; else the bar plays one figure across the cut (figure_shots)
    split_pace: float = 1.25
    register_sigma: float = 0.7  # width (semitones) of the prior on the bar's mean onset pitch, melody included
    critic_weight: float = 5.0  # log-score bonus per unit of the bar critic's log-odds that a whole bar is POP909's
    roll_critic_weight: float = 6.0  # log-score bonus per unit of the roll critic's log-odds, alike


@dataclass
class Pianist:
    """Who accompanies a piece: the library song whose figures it plays (-1: any), the major key's
    pitch class it plays in (None: not known), the library figure played in each bar so far
    (by the bar's first step), per beat the earlier beat whose pitch classes it plays again in
    new figures (a long phrase repeated at once, model.composer.voiced_returns; None or -1: none),
    and the working roll (4, steps, model pitches) before its span was cleared: the take a span
    written again replaces, whose figures it plays again only at a cost (None: none). Regenerating
    a shot asks for new music: drawn afresh from the same pianist's few fitting figures, a short
    shot got its own notes back at 2 of 8 seeds (the tests' tiny model)."""

    song: int
    key: int | None = None
    played: dict[int, int] = field(default_factory=dict)
    voice_of: np.ndarray | None = None
    last_take: np.ndarray | None = None


def draw_pianist(
    lib: TextureLibrary, rng: np.random.Generator, key: int | None = None, bar_notes: float | None = None
) -> Pianist:
    """A pianist drawn among the library's songs, playing in the given key. Where the piece's usual
    bar asks `bar_notes` accompaniment notes (usual_bar_notes), a song whose median bar holds about as
    many is likelier (normal weights PIANIST_SPREAD notes wide); None: every song alike.

    Drawn alike, a pianist whose bars were denser than the piece's played its sparsest ones, most on
    the beat: 0.63 of our accompaniment's notes fell on beats, against 0.55 of the library's and of
    POP909's, and a classifier told windows apart by it first (validation songs 803-818)."""
    songs, usual = lib.song_bar_notes
    if bar_notes is None:
        return Pianist(int(rng.choice(songs)), key)
    weight = np.exp(-0.5 * ((usual - bar_notes) / PIANIST_SPREAD) ** 2)
    return Pianist(int(rng.choice(songs, p=weight / weight.sum())), key)


def usual_bar_notes(density: np.ndarray, melody_onsets: np.ndarray) -> float:
    """The accompaniment notes a piece's usual bar asks for: over its bars with a density, the median
    of the bar's density (per beat, onsets a bar) less the melody onsets the melody's plan asks of the
    bar (per bar), rounded to a whole note. From the plan, not the notes written, so that a span
    written again with a new melody draws the same pianist."""
    n_bars = min(len(density) // BEATS_PER_BAR, len(melody_onsets))
    asked = density[: n_bars * BEATS_PER_BAR : BEATS_PER_BAR]
    wants = np.maximum(np.round(asked - melody_onsets[:n_bars]), 0)[asked > 0]
    return float(np.round(np.median(wants))) if len(wants) else 0.0


def figure_shots(ctrl: Controls, split_pace: float) -> np.ndarray:
    """int (n_beats,): the shot each beat's figure is drawn for, as Controls.segment_ids, except that a
    shot starting mid-bar at much the pace of the shot before (onsets a bar asked within a factor
    `split_pace`, at least 1 a bar) goes on with that shot's figure to the bar line. A pianist
    carries a bar's figure over a cut at a steady pace, the cut marked by its chord and bass. Split
    there, the roll judge (held out by video) found the footage's accompaniment most in the bars a cut
    splits (their share of its call 0.24 a bar, -0.01 in bars without a cut); at split_pace 1.25 the
    real footage read 57.1% / 57.5% against 59.0% / 59.2% (stop 67), motion against onsets per shot
    0.70 / 0.64 (0.71 / 0.65; at 1.5, 0.70-0.73 / 0.59-0.61)."""
    starts = ctrl.segment_start.astype(bool)
    beats = np.flatnonzero(starts)
    beats = beats[beats % BEATS_PER_BAR > 0]
    pace = np.maximum(ctrl.density, 1.0)
    steady = np.maximum(pace[beats] / pace[beats - 1], pace[beats - 1] / pace[beats]) < split_pace
    starts[beats[steady]] = False
    return replace(ctrl, segment_start=starts).segment_ids()


def choose_figures(
    lib: TextureLibrary,
    onset_p: np.ndarray,
    roll: np.ndarray,
    ctrl: Controls,
    a: int,
    b: int,
    spans,
    melody_onsets: np.ndarray,
    echo: np.ndarray,
    cfg: FigureConfig,
    rng: np.random.Generator,
    pianist: Pianist,
    critic: BarCritic | None = None,
    roll_critic: RollCritic | None = None,
) -> list[tuple[int, int, int]]:
    """(step, pitch index, length) of the accompaniment notes for steps [a, b).

    onset_p: (steps, 96) the accompaniment's onset probabilities from step a; roll: the piece
    (4, T, 96) as written so far; spans: (s0, s1) bar parts relative to a (split where figure_shots starts a shot);
    melody_onsets: int (steps,) melody onsets from a, taken off each bar's count; echo: per beat the
    earlier beat whose music it plays again (-1 none): a whole echoed bar part copies it where the copy's
    onsets are within cfg.echo_tolerance of the part's count (a return much busier or sparser than its
    source draws figures of its own: copied whatever it asked, POP909's busier second verses fell 15%
    short of their onsets, and density asked and played agreed at rho 0.79, train songs 803-818).
    pianist: whose figures are candidates; its figure of each bar is filled in here, and the figure
    the library's pianist played next is favoured in the following bar of the same shot.
    critic: weighs each candidate for a whole bar by how like POP909's its notes make the bar
    (model.bar_critic; None: not weighed); roll_critic: likewise, read from the bar's roll
    (model.roll_critic; None: not weighed).
    """
    out: list[tuple[int, int, int]] = []
    roll = roll.copy()  # each bar's figure is sketched in, so the bars after it in [a, b) hear it
    melody_top = _melody_pitch(roll, a, b)
    log_p = np.log(np.clip(onset_p, 1e-4, 1.0))
    n_beats = len(ctrl.chord_root)
    segment = ctrl.segment_ids()
    for s0, s1 in spans:
        g0, g1 = a + s0, a + s1
        bar = g0 - g0 % STEPS_PER_BAR
        beats = np.minimum(bar // STEPS_PER_BEAT + np.arange(BEATS_PER_BAR), n_beats - 1)
        roots, pcs = ctrl.chord_root[beats].astype(np.int64), ctrl.chord_pcs[beats]
        tones = pcs.astype(bool)
        if (roots[(g0 - bar) // STEPS_PER_BEAT : (g1 - bar - 1) // STEPS_PER_BEAT + 1] < 0).any():
            continue  # no chord to play against
        table = role_table(roots, pcs)
        beat = g0 // STEPS_PER_BEAT
        # onsets a bar asked over the part's beats: those of both shots where a cut does not split the bar
        asked = float(ctrl.density[beat : (g1 - 1) // STEPS_PER_BEAT + 1].mean())
        want = max(0, int(round(asked * (s1 - s0) / STEPS_PER_BAR)) - int(melody_onsets[s0:s1].sum()))
        if want == 0:
            continue
        ends = (g1, _ring_end(ctrl, segment, g0, g1, b), _tone_ring(ctrl, segment, g0, g1, b))
        melody_pitches = _melody_onset_pitches(roll, g0, g1)
        copied = _echoed(roll, echo, ctrl, g0, g1)
        if copied is not None and not _near(_onsets_in(copied, g0 - bar, g1 - bar), want, cfg.echo_tolerance):
            copied = None
        if copied is not None:  # played again, in the octave nearest this bar's register
            pitches = _realized(copied, roots, table, pianist.key)
            shift = _register_shift(pitches, melody_pitches, ctrl.register[beat])
            notes = _placed(copied, pitches, bar, g0, ends, shift, melody_top, a, roots, tones)
            _sketch(roll, notes)
            out += notes
            continue
        fb0, fb1 = (g0 - bar) // STEPS_PER_BEAT, (g1 - bar) // STEPS_PER_BEAT
        same_chords = lib.over_same_chords(fb0, fb1, roots, pcs)
        gap = _count_gap(lib, fb0, fb1, want)
        candidates = _bar_candidates(lib, pianist, ctrl, segment, bar, g0, g1, gap, want, cfg, rng)
        piece_groove = _piece_groove(roll, bar, g0, g1)
        fitting = same_chords & _fits(gap, want, cfg)
        candidates += [
            (int(i), 0.0)
            for i in _same_chord_candidates(lib, pianist.song, fitting, g0 - bar, g1 - bar, piece_groove, cfg, rng)
        ]
        grooves = [
            _rhythm(roll, bar - k * STEPS_PER_BAR, g0, g1)
            for k in (1, 2)
            if _same_shot(segment, bar - k * STEPS_PER_BAR, g0)
        ]
        looped = _onset_set(roll, bar - LOOP_BARS * STEPS_PER_BAR, g0 - bar, g1 - bar)
        voicing = _restated_voicing(roll, pianist.voice_of, g0, g1)
        bass_before = _bass_recalls(roll, ctrl, segment, bar, g0, g1)
        tones_before = _common_tone_recalls(roll, ctrl, segment, bar, g0, g1)
        last_take = set() if pianist.last_take is None else _onset_set(pianist.last_take, bar, g0 - bar, g1 - bar)
        previous = _upper_mean(roll, bar - STEPS_PER_BAR) if _same_shot(segment, bar - STEPS_PER_BAR, g0) else None
        held_in = MODEL_PITCH_LOW + np.flatnonzero(roll[3, bar])  # accompaniment sounding on into the bar
        bass_held = bool((held_in < BASS_CEILING).any())
        sung = MODEL_PITCH_LOW + np.nonzero(roll[0, bar : bar + STEPS_PER_BAR])[1]  # the bar's melody onsets
        scored: list[tuple[float, tuple[int, list[tuple[int, int, int]]]]] = []
        for index, follows in candidates:
            fig = lib.figure(index)
            pitches = _realized(fig, roots, table, pianist.key)
            shift = _register_shift(pitches, melody_pitches, ctrl.register[beat], previous, cfg.leap_weight)
            notes = _placed(fig, pitches, bar, g0, ends, shift, melody_top, a, roots, tones)
            if notes:
                score = (
                    follows
                    + cfg.same_chords_bonus * same_chords[index]
                    + _score(
                        notes,
                        log_p,
                        a,
                        g0,
                        g1,
                        want,
                        grooves,
                        piece_groove,
                        melody_top,
                        melody_pitches,
                        ctrl.register[beat],
                        cfg,
                    )
                )
                onsets = {(s - bar, p) for s, p, _ in notes}
                if looped:
                    score -= cfg.loop_cost * max(0.0, _overlap(onsets, looped) - LOOP_FREE) / (1 - LOOP_FREE)
                if bass_before:
                    score += cfg.bass_weight * max(_overlap(_bass_onsets(onsets), b) for b in bass_before)
                if tones_before:
                    score += cfg.common_tone_weight * max(_overlap(onsets, t) for t in tones_before)
                if g0 == bar and (bass_held or any(step == 0 for step, _ in _bass_onsets(onsets))):
                    score += cfg.downbeat_bass_bonus
                if last_take:
                    score -= cfg.fresh_cost * _overlap(onsets, last_take)
                if voicing is not None:
                    score += cfg.voicing_weight * _likeness(_notes_chroma(notes, g0, g1), voicing)
                upper = [MODEL_PITCH_LOW + p for _, p, _ in notes if MODEL_PITCH_LOW + p >= BASS_CEILING]
                if previous is not None and upper:
                    score -= _leap_cost(float(np.mean(upper)), previous, cfg.leap_weight)
                if critic is not None and g0 == bar and g1 == bar + STEPS_PER_BAR:
                    score += cfg.critic_weight * critic.log_odds(_critic_features(notes, bar, held_in, sung))
                scored.append((score, (index, notes)))
        if roll_critic is not None and g1 == bar + STEPS_PER_BAR and scored:
            scored = _roll_critic_scored(roll_critic, roll, bar, scored, cfg.roll_critic_weight)
        if scored:
            index, notes = _draw(scored, cfg.temperature, rng)
            pianist.played[bar] = index
            _sketch(roll, notes)
            out += notes
    return _cut_at_restrikes(out)


def _critic_features(notes: list[tuple[int, int, int]], bar: int, held_in: np.ndarray, sung: np.ndarray) -> np.ndarray:
    """bar_features of the whole bar starting at step `bar` played with these notes (step, pitch
    index, length), with the MIDI pitches of the notes sounding into it and of its melody onsets."""
    rows = np.array(notes, np.int64)
    return bar_features(rows[:, 0] - bar, MODEL_PITCH_LOW + rows[:, 1], rows[:, 2], held_in, sung)


def _roll_critic_scored(
    critic: RollCritic,
    roll: np.ndarray,
    bar: int,
    scored: list[tuple[float, tuple[int, list[tuple[int, int, int]]]]],
    weight: float,
) -> list[tuple[float, tuple[int, list[tuple[int, int, int]]]]]:
    """The candidates for the bar starting at step `bar` that complete it (all of it, or its part
    after a cut), each score raised by `weight` x the roll critic's log-odds of the bar it makes over
    what the bar already holds: the notes held into it, its melody and the part before the cut. A
    bar's part before a cut is not asked: the critic learnt whole bars, and asked of a bar left
    empty after the cut it steered the real footage's montages toward windows the roll judge
    called ours more often (stop 78)."""
    steps = slice(bar, bar + STEPS_PER_BAR)
    struck = roll[2, steps]
    rolls = candidate_rolls(
        struck, struck | roll[3, steps], roll[0, steps] | roll[1, steps], bar, [n for _, (_, n) in scored]
    )
    odds = critic.log_odds(rolls)
    return [(score + weight * float(o), pick) for (score, pick), o in zip(scored, odds)]


def _sketch(roll: np.ndarray, notes: list[tuple[int, int, int]]) -> None:
    """Write a bar's chosen notes (step, pitch index, length) into the working roll's accompaniment
    onsets and holds, for the bars chosen after it to compare themselves with."""
    for step, pitch, length in notes:
        roll[2, step, pitch] = True
        roll[3, step + 1 : step + length, pitch] = True


def _ring_end(ctrl: Controls, segment: np.ndarray, g0: int, g1: int, b: int) -> int:
    """How far past the end g1 of a bar part its notes on the last chord may ring: on through the
    next bar while that chord goes on in the same shot, never past b. In POP909 3% of the
    accompaniment's notes ring past a bar line, 70% of them into the same chord (train split, bars
    on the music's downbeats); figures cut at the bar line left ours shorter and thinner."""
    last = ctrl.chord_root[(g1 - 1) // STEPS_PER_BEAT]
    end = g1
    for step in _ring_beats(ctrl, segment, g0, g1, b):
        if ctrl.chord_root[step // STEPS_PER_BEAT] != last:
            break
        end = step + STEPS_PER_BEAT
    return min(end, b)


def _tone_ring(ctrl: Controls, segment: np.ndarray, g0: int, g1: int, b: int) -> np.ndarray:
    """int (12,): per pitch class, how far past the end g1 of a bar part a note of that pitch class
    may ring on into the next bar while it is a tone of every chord there (same shot, up to a bar,
    never past b). Of POP909's accompaniment notes ringing past a bar line, 26% ring into a new
    chord that holds their pitch class (63% into the same chord, 12% into one that does not; train
    songs 001-802)."""
    ends = np.full(12, g1)
    held = np.ones(12, bool)
    for step in _ring_beats(ctrl, segment, g0, g1, b):
        beat = step // STEPS_PER_BEAT
        held &= ctrl.chord_pcs[beat].astype(bool) & (ctrl.chord_root[beat] >= 0)
        if not held.any():
            break
        ends[held] = min(step + STEPS_PER_BEAT, b)
    return ends


def _ring_beats(ctrl: Controls, segment: np.ndarray, g0: int, g1: int, b: int) -> list[int]:
    """The first steps of the beats past the end g1 of a bar part that its notes may ring into: the
    next bar's, in the same shot, before b and the piece's end; none where g1 is not a bar line."""
    if g1 % STEPS_PER_BAR or g1 >= b or not _same_shot(segment, g1, g0):
        return []
    out = []
    for step in range(g1, min(b, g1 + STEPS_PER_BAR, len(ctrl.chord_root) * STEPS_PER_BEAT), STEPS_PER_BEAT):
        if not _same_shot(segment, step, g0):
            break
        out.append(step)
    return out


def _cut_at_restrikes(notes: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """The notes with each one that rings into a later bar stopped where its pitch is struck there
    again (within its own bar, the note sounding goes on and the later one is not struck)."""
    later: dict[int, list[int]] = {}
    for step, pitch, _ in notes:
        later.setdefault(pitch, []).append(step)
    out = []
    for step, pitch, length in notes:
        next_bar = step - step % STEPS_PER_BAR + STEPS_PER_BAR
        restrikes = [s for s in later[pitch] if next_bar <= s < step + length]
        out.append((step, pitch, min([length] + [s - step for s in restrikes])))
    return out


def _bar_candidates(
    lib: TextureLibrary,
    pianist: Pianist,
    ctrl: Controls,
    segment: np.ndarray,
    bar: int,
    g0: int,
    g1: int,
    gap: np.ndarray,
    want: int,
    cfg: FigureConfig,
    rng: np.random.Generator,
) -> list[tuple[int, float]]:
    """(library figure, log-score bonus) to weigh for steps [g0, g1) of the bar starting at step
    `bar` (segment: the shot of each beat): figures of about the right size (_candidates, gap
    from _count_gap); the figure the pianist of the bar before
    played next, in the same shot; the figure played 1 bar before (in the same shot), 2 or 4 bars
    before over the same chords, as a pianist plays a chord held on, or a progression that comes
    round again within a phrase, much as before. Over a chord held into the next bar, POP909's
    pianists play again 0.53 of their bass onsets and 0.32 of the hand above it (train songs
    700-818); without the bar just before, ours played 0.29-0.36 and 0.19-0.23 (songs 771-786)."""
    played = pianist.played
    out = [(int(i), 0.0) for i in _candidates(lib, gap, want, cfg, rng, pianist.song)]
    before = played.get(bar - STEPS_PER_BAR, -1) if _same_shot(segment, bar - STEPS_PER_BAR, g0) else -1
    if before >= 0 and lib.following[before] >= 0 and _playable(lib)[lib.following[before]]:
        out.append((int(lib.following[before]), cfg.follow_bonus))
    for back in (1, 2, 4):
        earlier = bar - back * STEPS_PER_BAR
        in_reach = back > 1 or _same_shot(segment, earlier, g0)
        if earlier in played and in_reach and _same_chords(ctrl, earlier, bar):
            out.append((played[earlier], cfg.recall_bonus))
    return out


def _near(count: int, want: int, tolerance: float) -> bool:
    """Whether `count` onsets lie within `tolerance` of the bar's `want` (by its share, at least 2)."""
    return abs(count - want) <= max(2.0, tolerance * want)


def _onsets_in(fig: np.ndarray, s0: int, s1: int) -> int:
    """The figure's onsets in steps [s0, s1) of its bar."""
    return int(((fig[:, STEP] >= s0) & (fig[:, STEP] < s1)).sum())


def _score(
    notes: list[tuple[int, int, int]],
    log_p: np.ndarray,
    a: int,
    g0: int,
    g1: int,
    want: int,
    grooves: list[np.ndarray],
    piece_groove: np.ndarray | None,
    melody_top: np.ndarray,
    melody_pitches: np.ndarray,
    register: float,
    cfg: FigureConfig,
) -> float:
    """Log-score of playing these notes in steps [g0, g1): the mean log-probability the diffusion
    model gives them, less the miss of the bar's count, plus rhythm likeness to the bars before in
    the shot (grooves) and to the likest of the piece's earlier rhythms (piece_groove: one per
    row), less the share of notes over the melody sounding at their onset
    (melody_top: its MIDI pitch per step from a, 0 none), plus the register prior on the bar's mean
    pitch, melody included. POP909's pianists play 9.5% of their notes over the melody; without
    the cost, figures under a melody lifted low played 14% (train songs 803-818)."""
    cells = np.array([(s - a, p) for s, p, _ in notes])
    miss = cfg.count_weight * abs(len(notes) - want) / want
    here = np.zeros(g1 - g0, bool)
    here[cells[:, 0] + a - g0] = True
    groove = 0.0
    if grooves:
        groove = cfg.groove_weight * float(np.mean([1 - (here ^ g).mean() for g in grooves]))
    if piece_groove is not None:
        groove += cfg.piece_groove_weight * float((1 - (here ^ piece_groove).mean(axis=1)).max())
    top = melody_top[cells[:, 0]]
    over = cfg.over_melody_cost * float(((top > 0) & (MODEL_PITCH_LOW + cells[:, 1] > top)).mean())
    prior = _register_log_prior(np.concatenate([melody_pitches, cells[:, 1]]), register, cfg.register_sigma)
    return float(log_p[cells[:, 0], cells[:, 1]].mean()) - miss + groove - over + prior


def _candidates(
    lib: TextureLibrary, gap: np.ndarray, want: int, cfg: FigureConfig, rng: np.random.Generator, song: int
) -> np.ndarray:
    """Library figures whose onsets in the bar's span number about `want` (gap: their count less
    `want`, _count_gap): those of `song` (the piece's pianist; -1 none) where it has at least
    cfg.min_own of them, else those of it and of the cfg.kindred songs whose pianists play likest
    it (TextureLibrary.kindred_of) where they have as many, else any; never one a pianist could not
    play (_playable). A quarter of a validation song's bars ask a count its pianist seldom plays (the
    sparsest and the busiest); drawn from every song's figures there, they played a mean pianist's
    rhythms, and a piece's 8-bar windows spread less than POP909's (models/HISTORY.md, stop 60)."""
    fits = _fits(gap, want, cfg)
    own = lib.figures_of_song(song) if song >= 0 else np.zeros(0, np.int64)
    pool = own[fits[own]]
    if len(pool) < cfg.min_own and song >= 0 and cfg.kindred > 0:
        kin = np.concatenate([own, lib.kindred_figures(song, cfg.kindred)])
        pool = kin[fits[kin]]
    if len(pool) < cfg.min_own:
        pool = np.flatnonzero(fits)
    if len(pool) == 0:
        pool = np.flatnonzero(np.abs(gap) == np.abs(gap).min())
    return rng.choice(pool, size=min(cfg.candidates, len(pool)), replace=False)


def _same_chord_candidates(
    lib: TextureLibrary,
    song: int,
    fitting: np.ndarray,
    s0: int,
    s1: int,
    piece_groove: np.ndarray | None,
    cfg: FigureConfig,
    rng: np.random.Generator,
) -> np.ndarray:
    """Up to cfg.same_chords figures of `song` (the piece's pianist; -1: none) played over the same
    chords as steps [s0, s1) of the bar whose onsets there number about the bar's count (fitting:
    bool (F,), TextureLibrary.over_same_chords and _fits), or where it has none, those of the
    cfg.kindred songs whose pianists play likest it (TextureLibrary.kindred_of); where more fit, the
    likest in rhythm to one the piece has played (piece_groove, from _piece_groove; None: drawn at
    random). Drawn at random from every song's, they loosened the groove (GPS 0.742, by rhythm 0.762,
    without them 0.768). Taken from every song's where the pianist has none, they told the roll judge
    less (61.7-64.2% against 70.4%, seed 0) but the feature classifier more (71.6% against 66.2%):
    other pianists' bars over the same chords strike fewer odd 16ths and span less (models/HISTORY.md,
    stop 54); from the 15 kindred songs', the roll judge 63.0 / 70.2% against 70.4 / 74.7% (generation
    seeds 0 / 1; 66.4% against 71.9% over 3 judge seeds) and the feature classifier 67.9% against
    67.4% (4 x 4 seeds; stop 55)."""
    own = lib.figures_of_song(song) if song >= 0 else np.zeros(0, np.int64)
    pool = own[fitting[own]]
    if not len(pool) and song >= 0 and cfg.kindred > 0:
        kin = lib.kindred_figures(song, cfg.kindred)
        pool = kin[fitting[kin]]
    if piece_groove is not None and len(pool) > cfg.same_chords:
        pool = rng.permutation(pool)  # ties in rhythm fall at random
        likeness = (lib.onset_steps[pool, s0:s1][:, None, :] == piece_groove[None]).mean(axis=2).max(axis=1)
        return pool[np.argsort(-likeness, kind="stable")[: cfg.same_chords]]
    return rng.choice(pool, size=min(cfg.same_chords, len(pool)), replace=False)


def _count_gap(lib: TextureLibrary, fb0: int, fb1: int, want: int) -> np.ndarray:
    """int (F,): each figure's onsets in beats [fb0, fb1) less `want`; the most an int holds for a
    figure a pianist could not play (_playable)."""
    counts = lib.beat_onsets[:, fb0:fb1].sum(axis=1).astype(np.int64)
    return np.where(_playable(lib), counts - want, np.iinfo(np.int64).max)


def _fits(gap: np.ndarray, want: int, cfg: FigureConfig) -> np.ndarray:
    """bool: the figures whose onsets lie within cfg.count_tolerance of `want` (at least 1) and
    never fewer (gap from _count_gap; a few notes fall on held ones)."""
    return (gap >= 0) & (gap <= max(1, cfg.count_tolerance * want))


def _playable(lib: TextureLibrary) -> np.ndarray:
    """bool (F,): the library figures with at most MOST_BEAT_ONSETS onsets in every beat. A
    pianist's glissando, quantized to sixteenths, lands as clusters of 6-9 notes on each step of a
    beat (0.27% of the library's bars strike more than 16 notes in a beat); realized on other
    chords it sounded as a smear of clusters across two octaves at a chorus's first bar (test song
    826, seed 0)."""
    mask: np.ndarray = lib.beat_onsets.max(axis=1) <= MOST_BEAT_ONSETS
    return mask


def _realized(fig: np.ndarray, roots: np.ndarray, table: np.ndarray, key: int | None) -> np.ndarray:
    """The figure's pitches on the bar's chords (texture.realize), each passing note that falls
    outside the major key `key` (None: left as it is) a semitone lower, into it. A passing note
    keeps its interval above the root, which on another chord can leave the key: such notes were
    2.2% of the accompaniment against POP909's 0.15% (train songs 803-818)."""
    pitches = realize(fig, roots, table)
    if key is None:
        return pitches
    out = (fig[:, ROLE] >= PASSING) & ~MAJOR_SCALE[(pitches - key) % 12]
    return np.where(out, pitches - 1, pitches)  # both neighbours of a note outside a major key are in it


def _placed(
    fig: np.ndarray,
    pitches: np.ndarray,
    bar: int,
    g0: int,
    ends: tuple[int, int, np.ndarray],
    shift: int,
    melody_top: np.ndarray,
    a: int,
    roots: np.ndarray,
    tones: np.ndarray,
) -> list[tuple[int, int, int]]:
    """The figure's notes (pitches: realized on the bar's chords, per beat their `roots` and
    `tones`, bool (4, 12)) that start in [g0, g1), ends = (g1, ring, tone_ring): each ends by g1, by
    ring if it sounds the bar's last chord, or by tone_ring of its pitch class (_tone_ring) where
    that is later, or where the chord changes in the bar to one without it, from where the note goes
    on as a tone of the new chord (_led_through_changes), as (step,
    pitch index, length): those above the bass moved by `shift` semitones, never down into the bass
    (an octave higher instead) nor over an octave above the melody sounding at their onset (an
    octave lower), never under C2 (BASS_FLOOR; an octave higher), inside the model's pitch range,
    one note per key and step.
    melody_top: the melody's pitch per step from a (0: none). A note may sit above the melody, as a tenth of POP909's accompaniment
    notes do, nearly all within an octave of it."""
    g1, ring, tone_ring = ends
    steps = bar + fig[:, STEP].astype(np.int64)
    keep = (steps >= g0) & (steps < g1)
    steps, pitches, lengths = steps[keep], pitches[keep], fig[keep, LENGTH].astype(np.int64)
    last_chord = roots[(steps - bar) // STEPS_PER_BEAT] == roots[(g1 - 1 - bar) // STEPS_PER_BEAT]
    end = np.maximum(np.where(last_chord, ring, g1), tone_ring[pitches % 12])
    steps, pitches, lengths, end = _led_through_changes(steps, pitches, lengths, end, bar, roots, tones)
    upper = pitches >= BASS_CEILING
    pitches = np.where(upper, pitches + shift, pitches)
    pitches = np.where(upper & (pitches < BASS_CEILING), pitches + 12, pitches)
    top = melody_top[steps - a]
    pitches = np.where((top > 0) & (pitches > top + 12) & (pitches - 12 >= BASS_CEILING), pitches - 12, pitches)
    pitches = np.where(pitches < BASS_FLOOR, pitches + 12, pitches)
    pitches = pitches - MODEL_PITCH_LOW
    fits = (pitches >= 0) & (pitches < MODEL_PITCHES)
    rows = np.stack([steps, pitches, np.minimum(lengths, end - steps)], axis=1)[fits]
    longest: dict[tuple[int, int], int] = {}
    for step, pitch, length in rows.tolist():  # two notes realized on one key make one, the longer
        longest[step, pitch] = max(length, longest.get((step, pitch), 0))
    return sorted((step, pitch, length) for (step, pitch), length in longest.items())


def _led_through_changes(
    steps: np.ndarray,
    pitches: np.ndarray,
    lengths: np.ndarray,
    end: np.ndarray,
    bar: int,
    roots: np.ndarray,
    tones: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The notes (steps, pitches, lengths, end per note) with each one held into a change of chord in
    the bar to a chord without its pitch class stopped at the change (_clash_cuts) and sounded on from
    there as the new chord's nearest tone on its side of G3 (a bass note: the new root) up to the bar
    line at most, as a pianist holding a chord moves each voice to the next chord; one that would
    sound on for less than SHORTEST_MOVE only stops (moved, it sounded a 16th). Held on, ours clashed
    in 2.1% of their notes against POP909's 0.7%; only stopped, the roll judge read the gaps left
    (66.2 / 72.2% against 63.0 / 70.2%, validation songs, generation seeds 0 / 1); moved on, 64.3 /
    69.3% (models/HISTORY.md, stop 56)."""
    held = np.minimum(steps + lengths, end)
    within = np.minimum(held, bar + STEPS_PER_BAR)  # a voice moved on knows only the bar's chords
    cut = _clash_cuts(bar, roots, tones)
    end = np.minimum(end, cut[(steps - bar) // STEPS_PER_BEAT, pitches % 12])
    moved = []
    for i in np.flatnonzero(end + SHORTEST_MOVE <= held):  # a note ending just past the change stops there
        change = int(end[i])
        beat = (change - bar) // STEPS_PER_BEAT
        bass = pitches[i] < BASS_CEILING
        for q in pitches[i] + np.array([0, -1, 1, -2, 2, -3, 3, -4, 4, -5, 5, -6]):
            fits = q % 12 == roots[beat] % 12 if bass else tones[beat, q % 12]
            if fits and (q < BASS_CEILING) == bass:
                stop = min(int(within[i]), int(cut[beat, q % 12]))
                moved.append((change, q, stop - change))
                break
    if not moved:
        return steps, pitches, lengths, end
    step, pitch, length = np.array(moved, np.int64).T
    return np.r_[steps, step], np.r_[pitches, pitch], np.r_[lengths, length], np.r_[end, step + length]


def _clash_cuts(bar: int, roots: np.ndarray, tones: np.ndarray) -> np.ndarray:
    """int (4, 12): where a note struck on each beat of the bar, of each pitch class, is cut: the
    first later beat where the chord changes to one without its pitch class (roots, tones: the bar's
    chords per beat), or never (the largest int64). A figure played over a chord changing on other
    beats held notes into chords they clash with: 48% of ours held over a change clashed, POP909's
    22% (2.1% of all notes against 0.7%; validation songs 771-818). One table a candidate, read for
    each note: taken note by note at each change, the cut was a tenth of scoring a long video."""
    cut = np.full((BEATS_PER_BAR, 12), np.iinfo(np.int64).max, np.int64)
    for b in range(BEATS_PER_BAR - 1, 0, -1):  # the last first, so the earliest change is kept
        if roots[b] < 0:
            continue
        for struck in range(b):
            if roots[b] != roots[struck] or (tones[b] != tones[struck]).any():
                cut[struck, ~tones[b]] = bar + b * STEPS_PER_BEAT
    return cut


def _register_shift(
    pitches: np.ndarray,
    melody_pitches: np.ndarray,
    register: float,
    previous: float | None = None,
    leap_weight: float = 0.0,
) -> int:
    """The octave move (-12, 0 or 12) of a figure's notes above the bass that brings the bar's mean
    onset pitch, melody included, nearest the requested register (0 where none is asked), less
    leap_weight per semitone the upper notes' mean moves past LEAP_FREE from `previous` (the
    bar before's; None: not weighed)."""
    upper_notes = pitches[pitches >= BASS_CEILING]
    if register <= 0 or len(upper_notes) == 0:
        return 0
    total = pitches.sum() + (melody_pitches + MODEL_PITCH_LOW).sum()
    n = len(pitches) + len(melody_pitches)

    def cost(k: int) -> float:
        miss = abs((total + k * len(upper_notes)) / n - register)
        if previous is None:
            return miss
        return miss + _leap_cost(float(upper_notes.mean()) + k, previous, leap_weight)

    return min((0, -12, 12), key=cost)


def _leap_cost(upper_mean: float, previous: float, leap_weight: float) -> float:
    """Log-score cost of the upper hand's mean pitch moving from the bar before's, past LEAP_FREE."""
    return leap_weight * max(0.0, abs(upper_mean - previous) - LEAP_FREE)


def _draw(
    scored: list[tuple[float, tuple[int, list[tuple[int, int, int]]]]], temperature: float, rng: np.random.Generator
) -> tuple[int, list[tuple[int, int, int]]]:
    scores = np.array([s for s, _ in scored])
    if temperature <= 0:
        return scored[int(scores.argmax())][1]
    w = np.exp((scores - scores.max()) / temperature)
    return scored[int(rng.choice(len(scored), p=w / w.sum()))][1]


def _register_log_prior(pitches: np.ndarray, register: float, sigma: float) -> float:
    """Log weight of a bar whose onsets (model pitch indices) have this mean pitch, toward the
    requested register (0: none asked)."""
    if register <= 0 or sigma <= 0:
        return 0.0
    return float(-0.5 * ((MODEL_PITCH_LOW + pitches.mean() - register) / sigma) ** 2)


def _upper_mean(roll: np.ndarray, bar: int) -> float | None:
    """Mean MIDI pitch of the accompaniment's onsets above the bass in the bar starting at step
    `bar` (None: before the piece, or none there)."""
    if bar < 0:
        return None
    pitches = MODEL_PITCH_LOW + np.nonzero(roll[2, bar : bar + STEPS_PER_BAR])[1]
    upper = pitches[pitches >= BASS_CEILING]
    return float(upper.mean()) if len(upper) else None


def _melody_onset_pitches(roll: np.ndarray, g0: int, g1: int) -> np.ndarray:
    """Model pitch indices of the melody's onsets in steps [g0, g1)."""
    return np.nonzero(roll[0, g0:g1])[1]


def _melody_pitch(roll: np.ndarray, a: int, b: int) -> np.ndarray:
    """int (b - a,): MIDI pitch of the melody sounding at each step from a (0: none)."""
    sounding = roll[0, a:b] | roll[1, a:b]
    return np.where(sounding.any(axis=1), MODEL_PITCH_LOW + MODEL_PITCHES - 1 - sounding[:, ::-1].argmax(axis=1), 0)


def _same_chords(ctrl: Controls, bar_a: int, bar_b: int) -> bool:
    """Whether the bars starting at steps bar_a and bar_b have the same chord on every beat."""
    n = len(ctrl.chord_root)
    beats_a = np.minimum(bar_a // STEPS_PER_BEAT + np.arange(BEATS_PER_BAR), n - 1)
    beats_b = np.minimum(bar_b // STEPS_PER_BEAT + np.arange(BEATS_PER_BAR), n - 1)
    return bool(
        (ctrl.chord_root[beats_a] == ctrl.chord_root[beats_b]).all()
        and (ctrl.chord_pcs[beats_a] == ctrl.chord_pcs[beats_b]).all()
    )


def _same_shot(segment: np.ndarray, step: int, g0: int) -> bool:
    """Whether step lies in the piece and in the shot of step g0 (segment: shot of each beat)."""
    return step >= 0 and segment[step // STEPS_PER_BEAT] == segment[g0 // STEPS_PER_BEAT]


def _rhythm(roll: np.ndarray, bar: int, g0: int, g1: int) -> np.ndarray:
    """bool (g1 - g0,): the accompaniment's onsets in the bar starting at step `bar`, at the
    places in the bar of steps [g0, g1)."""
    off = g0 % STEPS_PER_BAR
    return np.asarray(roll[2, bar + off : bar + off + g1 - g0].any(axis=1))


def _piece_groove(roll: np.ndarray, bar: int, g0: int, g1: int) -> np.ndarray | None:
    """bool (rhythms, g1 - g0): the distinct onset rhythms the piece's earlier bars (before step
    `bar`, those with any onset) play at the places in the bar of steps [g0, g1); None if none
    has one. A POP909 song's accompaniment keeps one groove through the song: its bars' onset
    patterns match 0.79 of their places, pair for pair over the whole song (GPS). Weighed by its
    likeness to the earlier bars' mean instead, a figure gained most by onsets on the places most
    bars strike, the beats: 0.60-0.63 of our accompaniment's onsets fell on beats against 0.53 of
    the real songs' (0.58-0.62 now; GPS about the same, 0.739-0.766 then, 0.748-0.762 now; songs
    803-818, seeds 0-2)."""
    onsets = np.asarray(roll[2, :bar].any(axis=1)).reshape(-1, STEPS_PER_BAR)
    onsets = onsets[onsets.any(axis=1)]
    if not len(onsets):
        return None
    off = g0 - bar
    return np.unique(onsets[:, off : off + g1 - g0], axis=0)


def _restated_voicing(roll: np.ndarray, voice_of: np.ndarray | None, g0: int, g1: int) -> np.ndarray | None:
    """float (beats, 12): for each beat of steps [g0, g1) (on beats) that restates an earlier one
    (voice_of), the pitch classes the accompaniment sounds in that earlier beat (steps each);
    zeros elsewhere; None where no beat does. POP909's pianists play a long phrase repeated at once
    in new rhythms but on much the same chord tones (accompaniment chroma cosine 0.85 with the
    phrase before, beat for beat, train songs 803-818), where ours, drawn afresh, had 0.76 and the
    form's likeness (SI) fell short."""
    if voice_of is None:
        return None
    beats = np.arange(g0 // STEPS_PER_BEAT, g1 // STEPS_PER_BEAT)
    source = np.where(beats < len(voice_of), voice_of[np.minimum(beats, len(voice_of) - 1)], -1)
    if (source < 0).all():
        return None
    out = np.zeros((len(beats), 12))
    for k in np.flatnonzero(source >= 0):
        steps = slice(source[k] * STEPS_PER_BEAT, (source[k] + 1) * STEPS_PER_BEAT)
        out[k] = _beat_chroma(np.asarray(roll[2, steps] | roll[3, steps]))[0]
    return out


def _notes_chroma(notes: list[tuple[int, int, int]], g0: int, g1: int) -> np.ndarray:
    """float (beats, 12): steps each pitch class sounds per beat of [g0, g1) in these notes
    (step, pitch index, length)."""
    sounding = np.zeros((g1 - g0, MODEL_PITCHES), bool)
    for step, pitch, length in notes:
        sounding[step - g0 : min(step + length, g1) - g0, pitch] = True
    return _beat_chroma(sounding)


def _beat_chroma(sounding: np.ndarray) -> np.ndarray:
    """float (beats, 12): steps each pitch class sounds per beat, from bool (steps, model pitches)."""
    n_beats = len(sounding) // STEPS_PER_BEAT
    per_step = np.zeros((len(sounding), 12))
    np.add.at(per_step.T, (MODEL_PITCH_LOW + np.arange(MODEL_PITCHES)) % 12, sounding.T.astype(float))
    return per_step[: n_beats * STEPS_PER_BEAT].reshape(n_beats, STEPS_PER_BEAT, 12).sum(axis=1)


def _likeness(chroma: np.ndarray, other: np.ndarray) -> float:
    """Mean cosine of two per-beat chromas over the beats where both sound (0 if none)."""
    norms = np.linalg.norm(chroma, axis=1) * np.linalg.norm(other, axis=1)
    both = norms > 0
    if not both.any():
        return 0.0
    return float(((chroma * other).sum(axis=1)[both] / norms[both]).mean())


def _onset_set(roll: np.ndarray, bar: int, off0: int, off1: int) -> set[tuple[int, int]]:
    """(step in bar, pitch index) of the accompaniment onsets at places [off0, off1) of the bar
    starting at step `bar` (empty before the piece)."""
    if bar < 0:
        return set()
    steps, pitches = np.nonzero(roll[2, bar + off0 : bar + off1])
    return {(int(s) + off0, int(p)) for s, p in zip(steps, pitches)}


def _bass_recalls(
    roll: np.ndarray, ctrl: Controls, segment: np.ndarray, bar: int, g0: int, g1: int
) -> list[set[tuple[int, int]]]:
    """The bass onsets (step in bar, pitch index) at places [g0, g1) of each bar 1, 2 and 4 before,
    in the same shot, with the same chords and a bass there. A POP909 bass plays much what it
    played over the same chords (onset overlap 0.53 / 0.60 / 0.62 at 1 / 2 / 4 bars, train split);
    figures drawn for their own bar matched 0.43 / 0.38 / 0.50 (train songs 803-818), and the
    classifier told windows apart by it."""
    earlier = _earlier_onsets(roll, ctrl, segment, bar, g0, g1, (1, 2, 4), same_chords=True)
    return [bass for bass in map(_bass_onsets, earlier) if bass]


def _common_tone_recalls(
    roll: np.ndarray, ctrl: Controls, segment: np.ndarray, bar: int, g0: int, g1: int
) -> list[set[tuple[int, int]]]:
    """The accompaniment onsets (step in bar, pitch index) at places [g0, g1) of each bar 1 and 2 before,
    in the same shot, over other chords. On a new chord a POP909 pianist keeps the tones the chords share
    where they were: 0.073 / 0.094 of a bar's onsets are struck again on the same step and key as 1 / 2
    bars before (train songs 771-818), where figures drawn for their own bar struck 0.054 / 0.063, and
    the classifier told windows apart by the bar-to-bar overlap first."""
    return [onsets for onsets in _earlier_onsets(roll, ctrl, segment, bar, g0, g1, (1, 2), same_chords=False) if onsets]


def _earlier_onsets(
    roll: np.ndarray,
    ctrl: Controls,
    segment: np.ndarray,
    bar: int,
    g0: int,
    g1: int,
    backs: tuple[int, ...],
    same_chords: bool,
) -> list[set[tuple[int, int]]]:
    """The accompaniment onsets at places [g0, g1) of each bar `backs` bars before (in that order), in
    the same shot, whose chords are the bar's (same_chords) or are not."""
    out = []
    for back in backs:
        earlier = bar - back * STEPS_PER_BAR
        if _same_shot(segment, earlier, g0) and _same_chords(ctrl, earlier, bar) == same_chords:
            out.append(_onset_set(roll, earlier, g0 - bar, g1 - bar))
    return out


def _bass_onsets(onsets: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """The onsets (step, pitch index) below G3 (BASS_CEILING)."""
    return {o for o in onsets if MODEL_PITCH_LOW + o[1] < BASS_CEILING}


def _overlap(a: set[tuple[int, int]], b: set[tuple[int, int]]) -> float:
    """Jaccard overlap of two onset sets."""
    return len(a & b) / max(len(a | b), 1)


def _bar_notes(roll: np.ndarray, bar: int) -> np.ndarray:
    """int (n, 3) [step in bar, MIDI pitch, length] of the accompaniment notes struck in the bar
    starting at step `bar` (lengths as the roll holds them)."""
    rows = []
    for s, p in zip(*np.nonzero(roll[2, bar : bar + STEPS_PER_BAR])):
        e = bar + s + 1
        while e < roll.shape[1] and roll[3, e, p] and not roll[2, e, p]:
            e += 1
        rows.append((s, MODEL_PITCH_LOW + p, e - bar - s))
    return np.array(rows, np.int64).reshape(-1, 3)


def _bar_figure(roll: np.ndarray, ctrl: Controls, bar: int) -> np.ndarray | None:
    """The figure the accompaniment plays in the bar's length of music starting at step `bar` (on
    a beat), or None."""
    if bar < 0:
        return None
    notes = _bar_notes(roll, bar)
    beats = np.minimum(bar // STEPS_PER_BEAT + np.arange(BEATS_PER_BAR), len(ctrl.chord_root) - 1)
    return encode_bar(notes, ctrl.chord_root[beats], ctrl.chord_pcs[beats]) if len(notes) else None


def _echoed(roll: np.ndarray, echo: np.ndarray, ctrl: Controls, g0: int, g1: int) -> np.ndarray | None:
    """The figure of the earlier bar's length of music that steps [g0, g1) echo, where every beat
    there echoes the same distance back; else None."""
    beats = np.arange(g0 // STEPS_PER_BEAT, g1 // STEPS_PER_BEAT)
    if len(beats) == 0 or beats[-1] >= len(echo) or (echo[beats] < 0).any():
        return None
    back = beats - echo[beats]
    if (back != back[0]).any() or back[0] <= 0:
        return None
    return _bar_figure(roll, ctrl, g0 - g0 % STEPS_PER_BAR - back[0] * STEPS_PER_BEAT)
