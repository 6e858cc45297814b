"""Inference only: sample a whole piece or one segment of it from per-beat controls.

A piece is a PianoRoll on the model's 96-pitch grid. Long pieces are sampled in
overlapping windows: each window inpaints the beats not yet sampled while holding the
beats before it (and, when regenerating one segment, the beats after it), so there is
no seam. The last sampled probabilities are decoded into notes: onsets chosen per bar
to match the requested density, each note held through the sustain that follows it,
the melody kept monophonic.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np
import torch

from ..controls.music_controls import Controls
from ..music.metrics import BASS_CEILING
from ..music.notes import BEATS_PER_BAR, MELODY, STEPS_PER_BAR, STEPS_PER_BEAT
from ..music.pianoroll import PianoRoll
from ..progress import ProgressFn, no_progress
from .conditioning import control_features, segment_ids_from_starts
from .data import MODEL_PITCH_NUMBERS, chord_roll
from .denoiser import MODEL_PITCH_LOW, MODEL_PITCHES, Denoiser
from .bar_critic import BarCritic
from .roll_critic import RollCritic
from .figure_choice import BASS_FLOOR, FigureConfig, Pianist, choose_figures, draw_pianist, figure_shots
from .schedule import DDIMScheduler, ScheduleConfig
from .texture import TextureLibrary


@dataclass(frozen=True)
class SampleConfig:
    steps: int = 6  # DDIM steps per window (20 until stop 24: the classifier told them no better)
    cond_scale: float = 3.0  # classifier-free guidance scale
    context_beats: int = 8  # held beats before the sampled part of a window
    onset_threshold: float = 0.5  # onset probability that always makes a note
    min_onset_prob: float = 0.03  # weakest accompaniment onset density calibration may add
    melody_share: float = 0.22  # least share of a bar's onsets that go to the melody (POP909 train: 0.22)
    melody_share_max: float = (
        0.3  # most share of a bar's onsets that go to the melody (keeps a melody-heavy model near POP909)
    )
    melody_floor: float = 0.02  # weakest melody onset calibration may add
    register_sigma: float = 5.0  # width (semitones) of the register prior on pitch choice; 0 = none
    register_octave: float = (
        1.0  # move a bar's upper accompaniment an octave when that nears the register by this; 0 = never
    )
    onset_temperature: float = 0.0  # 0: calibration keeps the likeliest onsets; 1: draws them by probability
    sustain_threshold: float = 0.4  # a note goes on while sustain probability exceeds this
    calibrate_density: bool = True  # match onsets per bar to the requested density
    groove_weight: float = 10.0  # calibration favours accompaniment steps struck a bar earlier in the shot
    melody_groove: float = 3.0  # ... and melody steps struck a bar earlier (a rhythm motif returns)
    bass_floor: float = 0.02  # a bar with no bass gets its likeliest low onset if above this; 1 = never
    # Odds of a bass struck where the chord changes and the figure has none, on a downbeat and on another beat:
    # with them, 0.96 / 0.84 of our chord changes get a bass against POP909's 0.954 / 0.803 (train songs 700-818).
    change_bass_odds: tuple[float, float] = (0.7, 0.6)
    echo_strength: float = 0.6  # share of the DDIM steps a beat follows the earlier beat it echoes (themes)
    threads: int = 1  # torch CPU threads while sampling: one avoids thread-pool stalls when cores are busy


class ScorePipeline:
    """Joins a trained Denoiser and the DDIM scheduler for inference."""

    def __init__(
        self,
        model: Denoiser,
        config: SampleConfig = SampleConfig(),
        textures: TextureLibrary | None = None,
        figures: FigureConfig = FigureConfig(),
        critic: BarCritic | None = None,
        roll_critic: RollCritic | None = None,
    ) -> None:
        """textures: real accompaniment figures the model chooses among when the melody is given
        (model.figure_choice); None decodes the model's likeliest cells. critic: weighs the figures
        by how like POP909's they make a bar (model.bar_critic; None: not weighed); roll_critic: alike,
        read from the bar's roll (model.roll_critic)."""
        self.model = model.eval()
        self.config = config
        self.textures = textures
        self.figures = figures
        self.critic = critic
        self.roll_critic = roll_critic
        self.scheduler = DDIMScheduler(ScheduleConfig())
        self.window = model.cfg.n_beats
        self.device = next(model.parameters()).device  # every window tensor is made there

    def generate(
        self, controls: Controls, seed: int = 0, progress: ProgressFn = no_progress, echo_of: np.ndarray | None = None
    ) -> PianoRoll:
        """Sample a whole piece for the given per-beat controls (a roll on the model's pitch grid)."""
        empty = PianoRoll.empty(controls.n_beats * STEPS_PER_BEAT, MODEL_PITCH_LOW, MODEL_PITCHES)
        return self.inpaint(empty, controls, 0, controls.n_beats, seed, progress, echo_of)

    def inpaint(
        self,
        piece: PianoRoll,
        controls: Controls,
        start_beat: int,
        end_beat: int,
        seed: int,
        progress: ProgressFn = no_progress,
        echo_of: np.ndarray | None = None,
        hold_melody: bool = False,
        style_seed: int | None = None,
        key: int | None = None,
        voice_of: np.ndarray | None = None,
        bar_notes: float | None = None,
    ) -> PianoRoll:
        """Re-sample beats [start_beat, end_beat) holding every note that starts outside them.

        echo_of: int (n_beats,), for each beat the earlier beat whose music it should vary
        (a shot returning to an earlier shot's look), -1 for none; a beat echoes only music
        already there (sampled before it, or held outside the span).
        hold_melody: the piece's melody is given (written by the melody model) and held everywhere:
        only the accompaniment is sampled, around it (inpainting, as Polyffusion does).
        style_seed: draws the piece's pianist (model.figure_choice; None: seed), so a span written
        again with a new seed is played by the pianist of the music around it; key: the major key's
        pitch class the accompaniment keeps its passing notes in (None: not known); voice_of: int
        (n_beats,) per beat the earlier beat whose chord tones its new figures play again (-1 none,
        see model.composer.voiced_returns); bar_notes: the accompaniment notes the piece's usual bar
        asks (figure_choice.usual_bar_notes), which the pianist is drawn to match (None: any pianist).
        """
        n_beats = controls.n_beats
        pad = max(0, self.window - n_beats)
        ctrl = _pad_controls(controls, pad)
        extra = np.zeros((4, pad * STEPS_PER_BEAT, MODEL_PITCHES), bool)
        roll = np.concatenate([piece.to_array().astype(bool), extra], axis=1)  # (4, T, 96) working copy
        melody, last_take = roll[:2].copy(), roll.copy()
        _clear_span(roll, start_beat, end_beat)
        if hold_melody:
            roll[:2] = melody
        vel = np.concatenate([piece.velocity, np.zeros((2, pad * STEPS_PER_BEAT, MODEL_PITCHES), np.uint8)], axis=1)
        echo = np.full(n_beats + pad, -1)
        if echo_of is not None and self.config.echo_strength > 0:
            echo[:n_beats] = echo_of
        guided = _same_harmony(echo, ctrl)
        gen = torch.Generator().manual_seed(seed)
        rng = np.random.default_rng(seed)
        cursor, total = start_beat, end_beat - start_beat
        pianist = (
            Pianist(-1, key)
            if self.textures is None
            else draw_pianist(
                self.textures, np.random.default_rng(seed if style_seed is None else style_seed), key, bar_notes
            )
        )
        pianist.voice_of, pianist.last_take = voice_of, last_take
        with torch_threads(self.config.threads):
            while cursor < end_beat:
                ws = self._window_start(cursor, end_beat, n_beats + pad)
                free_to = min(end_beat, ws + self.window)
                ready = np.where((echo < cursor) | (echo >= end_beat), echo, -1)  # echo only music already there
                # A returning shot whose music is sampled in this window too waits for the next one.
                waiting = [w for w in range(cursor, free_to) if cursor <= echo[w] < end_beat]
                stop = waiting[0] if waiting else free_to
                probs = self._sample_window(
                    roll, ctrl, ws, cursor, free_to, gen, np.where(ready >= 0, guided, -1), n_beats, hold_melody
                )
                self._decode(
                    roll, vel, probs, ctrl, ws, cursor, stop, cursor > start_beat, rng, hold_melody, ready, pianist
                )
                cursor = stop
                progress(cursor - start_beat, total, "sampling")
        t = n_beats * STEPS_PER_BEAT
        return PianoRoll(roll[[0, 2], :t], roll[[1, 3], :t], vel[:, :t], MODEL_PITCH_LOW)

    def _window_start(self, cursor: int, end_beat: int, n_beats: int) -> int:
        remaining = end_beat - cursor
        left = (
            (self.window - remaining) // 2
            if remaining <= self.window - self.config.context_beats
            else self.config.context_beats
        )
        return int(np.clip(cursor - left, 0, n_beats - self.window))

    @torch.no_grad()
    def _sample_window(
        self,
        roll,
        ctrl: Controls,
        ws: int,
        g0: int,
        g1: int,
        gen,
        echo: np.ndarray,
        end: int,
        hold_melody: bool = False,
    ) -> np.ndarray:
        """Sampled x0 probabilities (4, W*4, 96) for window [ws, ws+W), beats [g0, g1) free,
        free beats with an echo (echo >= 0) guided by the music of the beat they echo. Beats from
        `end` (past the end of a piece shorter than a window) are sampled too but never kept."""
        s0, s1 = ws * STEPS_PER_BEAT, (ws + self.window) * STEPS_PER_BEAT
        win = ctrl.slice(ws, ws + self.window)
        known = torch.from_numpy(roll[:, s0:s1].astype(np.float32))[None].to(self.device) * 2 - 1
        mask = torch.ones_like(known, dtype=torch.bool)
        mask[:, :, (g0 - ws) * STEPS_PER_BEAT : (g1 - ws) * STEPS_PER_BEAT] = False
        if hold_melody:
            mask[:, :2] = True  # the melody is given: the accompaniment is sampled around it
        mask[:, :, max(0, end - ws) * STEPS_PER_BEAT :] = False  # past the piece's end: free, never kept
        mask |= known > 0  # notes held across the span (started before it) stay
        chords = torch.from_numpy(chord_roll(win.chord_pcs, win.chord_root))[None].to(self.device)
        feats = control_features(
            *(
                torch.tensor(a, dtype=torch.float32, device=self.device)[None]
                for a in (win.density, win.energy, win.register, win.minor, win.segment_start)
            )
        )
        seg = segment_ids_from_starts(torch.from_numpy(win.segment_start)[None].to(self.device))
        scale = self.config.cond_scale
        # The controls' tokens and masks are the same on every step: made once for the window.
        condition = self.model.guided_condition(feats, seg, scale)

        def predict_x0(x_t, t):
            return torch.tanh(self.model.guided(x_t, t, chords, condition, scale) / 2)  # = 2 * sigmoid(logits) - 1

        guide, guide_mask = _echo_guide(roll, echo, ws, g0, g1, self.window)
        if guide is not None and guide_mask is not None:
            guide, guide_mask = guide.to(self.device), guide_mask.to(self.device) & ~mask  # held cells stay held
        x0 = self.scheduler.sample(
            predict_x0,
            tuple(known.shape),
            self.config.steps,
            gen,
            known,
            mask,
            guide,
            guide_mask,
            round(self.config.echo_strength * self.config.steps),
            self.device,
        )
        return ((x0[0] + 1) / 2).cpu().numpy()

    def _decode(
        self,
        roll,
        vel,
        probs,
        ctrl: Controls,
        ws: int,
        g0: int,
        g1: int,
        continuing: bool,
        rng: np.random.Generator,
        hold_melody: bool,
        echo: np.ndarray | None,
        pianist: Pianist,
    ) -> None:
        """Write notes for beats [g0, g1) into roll/vel from window probabilities.

        Notes that start before g0 are never changed, except when `continuing` a piece
        sampled window by window, where a note sounding at g0 may go on into this window.
        With hold_melody, the melody in the roll stays and only the accompaniment is written,
        taking what the bar's density leaves after the melody's onsets: with a texture library,
        as figures the model chooses (model.figure_choice), a bar echoing an earlier one (echo)
        playing its figure again.
        """
        cfg = self.config
        off = ws * STEPS_PER_BEAT
        a, b = g0 * STEPS_PER_BEAT, g1 * STEPS_PER_BEAT
        sustain_p = probs[[1, 3]]  # (2, W*4, 96)
        # The melody is one voice: a melody note lasts while the model holds any melody pitch,
        # so an uncertain pitch does not cut the line into short dabs.
        sustain_p[0] = sustain_p[0].max(axis=1, keepdims=True)
        tracks = (1,) if hold_melody else (0, 1)
        if continuing and a > 0:
            for track in tracks:
                sounding = np.nonzero(roll[2 * track, a - 1] | roll[2 * track + 1, a - 1])[0]
                for p in sounding:
                    self._hold(roll[2 * track + 1], sustain_p[track], p, a, b, off, None)
        onset_p = probs[[0, 2], a - off : b - off]  # (2, steps, 96)
        if hold_melody and self.textures is not None:
            self._write_figures(roll, vel, onset_p[1], sustain_p[1], ctrl, a, b, off, rng, echo, pianist)
            return
        chosen = onset_p > cfg.onset_threshold
        if cfg.calibrate_density:
            given = roll[0, a:b].any(axis=1) if hold_melody else None
            chosen = _calibrate(onset_p, chosen, ctrl, a, cfg, rng, roll[[0, 2], :a].any(axis=2), given)
        if hold_melody:
            chosen[0] = False
        chosen &= ~roll[[1, 3], a:b]  # never strike on top of a note already sounding
        _ensure_bass(chosen[1], onset_p[1], roll[3, a:b], a, cfg.bass_floor)
        if hold_melody:
            _mark_bass(chosen[1], onset_p[1], roll[3, a:b], ctrl, a, rng, cfg.change_bass_odds)
        chosen[0] = _monophonic(chosen[0], onset_p[0])
        chosen[0][roll[1, a:b].any(axis=1)] = False  # the melody is one voice
        if hold_melody:  # the given melody counts toward the bar's register too; it is never moved
            chosen[0] = roll[0, a:b]
        moved = _fit_register(chosen, ctrl, a, cfg.register_octave)
        if hold_melody:
            chosen[0] = False
        chosen[1] &= ~roll[3, a:b]
        for track in tracks:
            for s, p in sorted(zip(*np.nonzero(chosen[track]))):
                step = a + s
                roll[2 * track, step, p] = True
                vel[track, step, p] = _velocity(ctrl.energy[step // STEPS_PER_BEAT], track)
                stop_at = chosen[track].any(axis=1) if track == MELODY else chosen[track, :, p]
                is_bass = track != MELODY and MODEL_PITCH_NUMBERS[p] < BASS_CEILING
                shift = 0 if track == MELODY or is_bass else int(moved[s])
                self._hold(
                    roll[2 * track + 1],
                    sustain_p[track],
                    p,
                    step + 1,
                    b,
                    off,
                    stop_at,
                    a,
                    step + STEPS_PER_BEAT if is_bass else 0,
                    p - shift,
                )

    def _write_figures(
        self,
        roll,
        vel,
        onset_p: np.ndarray,
        sustain_p: np.ndarray,
        ctrl: Controls,
        a: int,
        b: int,
        off: int,
        rng: np.random.Generator,
        echo: np.ndarray | None,
        pianist: Pianist,
    ) -> None:
        """Write the accompaniment of steps [a, b) as chosen figures, with a bass note added where a
        shot starts, the chord changes or a downbeat has none (_ensure_bass, _mark_bass)."""
        assert self.textures is not None  # figures are written only with a texture library
        echo = np.full(len(ctrl.chord_root), -1) if echo is None else echo
        spans = list(_bar_spans(a, b - a, figure_shots(ctrl, self.figures.split_pace)))
        notes = choose_figures(
            self.textures,
            onset_p,
            roll,
            ctrl,
            a,
            b,
            spans,
            roll[0, a:b].sum(axis=1),
            echo,
            self.figures,
            rng,
            pianist,
            self.critic,
            self.roll_critic,
        )
        figure_onsets = np.zeros((b - a, MODEL_PITCHES), bool)
        for s, p, length in notes:
            if roll[2, s, p] or roll[3, s, p]:
                continue  # never strike on top of a note already sounding
            end = min(s + length, b)
            if roll[2:, s + 1 : end, p].any():  # stop before the next note on that pitch
                end = s + 1 + int(np.argmax(roll[2:, s + 1 : end, p].any(axis=0)))
            roll[2, s, p] = True
            roll[3, s + 1 : end, p] = True
            vel[1, s, p] = _velocity(ctrl.energy[s // STEPS_PER_BEAT], 1)
            figure_onsets[s - a, p] = True
        chosen = figure_onsets.copy()
        _ensure_bass(chosen, onset_p, roll[3, a:b], a, self.config.bass_floor)
        _mark_bass(chosen, onset_p, roll[3, a:b], ctrl, a, rng, self.config.change_bass_odds)
        chosen &= ~figure_onsets & ~roll[3, a:b]
        for s, p in sorted(zip(*np.nonzero(chosen))):
            roll[2, a + s, p] = True
            vel[1, a + s, p] = _velocity(ctrl.energy[(a + s) // STEPS_PER_BEAT], 1)
            self._hold(roll[3], sustain_p, p, a + s + 1, b, off, chosen[:, p], a, a + s + STEPS_PER_BEAT)

    def _hold(
        self,
        sustain: np.ndarray,
        sustain_p: np.ndarray,
        p: int | np.integer,
        e: int,
        b: int,
        off: int,
        stop_at: np.ndarray | None,
        a: int = 0,
        ring_until: int = 0,
        source: int | None = None,
    ) -> None:
        """Extend a note at pitch p from step e while the model holds it (at pitch `source` for a
        note moved by an octave; at least until ring_until: a bass note rings for a beat), up to
        step b or the next onset in stop_at."""
        q = p if source is None else source
        while (
            e < b
            and (sustain_p[e - off, q] > self.config.sustain_threshold or e < ring_until)
            and not (stop_at is not None and stop_at[e - a])
        ):
            sustain[e, p] = True
            e += 1


def _same_harmony(echo: np.ndarray, ctrl: Controls) -> np.ndarray:
    """The echo (earlier beat per beat, -1 none) kept only where the earlier beat's chord is the
    beat's own: the sampling is guided by earlier music only where its harmony returns too."""
    beats = np.nonzero(echo >= 0)[0]
    src = echo[beats]
    same = (ctrl.chord_root[beats] == ctrl.chord_root[src]) & (ctrl.chord_pcs[beats] == ctrl.chord_pcs[src]).all(axis=1)
    return np.where(np.isin(np.arange(len(echo)), beats[same]), echo, -1)


def _echo_guide(
    roll: np.ndarray, echo: np.ndarray, ws: int, g0: int, g1: int, window: int
) -> tuple[torch.Tensor | None, torch.Tensor | None]:
    """(guide, mask) tensors (1, 4, W*4, 96) for the window's free beats that echo earlier music,
    or (None, None) where none does."""
    beats = [w for w in range(g0, g1) if echo[w] >= 0]
    if not beats:
        return None, None
    guide = np.zeros((4, window * STEPS_PER_BEAT, MODEL_PITCHES), np.float32)
    mask = np.zeros(guide.shape, bool)
    for w in beats:
        src, dst = echo[w] * STEPS_PER_BEAT, (w - ws) * STEPS_PER_BEAT
        guide[:, dst : dst + STEPS_PER_BEAT] = roll[:, src : src + STEPS_PER_BEAT]
        mask[:, dst : dst + STEPS_PER_BEAT] = True
    return torch.from_numpy(guide)[None] * 2 - 1, torch.from_numpy(mask)[None]


@contextlib.contextmanager
def torch_threads(n: int):
    """Use n torch threads inside the block, restoring the previous number after."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _velocity(energy: float, track: int) -> int:
    """Velocity from the energy control; the melody sits a little above the accompaniment."""
    base = 40 + 80 * float(np.clip(energy, 0, 1))
    return int(np.clip(base + (8 if track == MELODY else -4), 1, 127))


def _ranked(p: np.ndarray, temperature: float, rng: np.random.Generator) -> np.ndarray:
    """Indices of p, most wanted first: by probability, or drawn in proportion to it (Gumbel top-k)."""
    keys = np.log(np.maximum(p, 1e-9))
    if temperature > 0:
        keys = keys / temperature + rng.gumbel(size=p.shape)
    return np.argsort(keys)[::-1]


def _calibrate(
    onset_p: np.ndarray,
    chosen: np.ndarray,
    ctrl: Controls,
    a: int,
    cfg: "SampleConfig",
    rng: np.random.Generator,
    struck_before: np.ndarray,
    given_melody: np.ndarray | None = None,
) -> np.ndarray:
    """Per bar, keep the most probable onsets so their count matches the requested density.
    A bar that a shot starts in is counted as two parts, each holding its own shot's share,
    so a busy shot cannot take the onsets of the calm one beside it.

    The melody gets its own treatment: where the model expects any melody in a bar, it takes
    at least `melody_share` of the bar's onsets and never more than `melody_share_max`, one
    pitch per step (the most probable), on the steps the model is surest of; the
    accompaniment takes the rest of the count. With a
    groove weight, onsets on steps its track struck one bar earlier in the same shot rank
    higher (an accompaniment figure, a melody's rhythm, tends to repeat through a section).
    struck_before: bool (2, a), whether melody / accompaniment strike at each step before a.
    given_melody: bool (steps,), the onsets of a melody that is given; the accompaniment then
    takes what each bar's count leaves after them.
    """
    out = np.zeros_like(chosen)
    steps = onset_p.shape[1]
    struck = np.concatenate([struck_before, np.zeros((2, steps), bool)], axis=1)  # per track, filled as bars are chosen
    segment = ctrl.segment_ids()
    for s0, s1 in _bar_spans(a, steps, segment):
        beat = (a + s0) // STEPS_PER_BEAT
        want = ctrl.density[beat] * (s1 - s0) / STEPS_PER_BAR
        mel, acc = onset_p[0, s0:s1], onset_p[1, s0:s1]
        prior = _register_prior(ctrl.register[beat], cfg.register_sigma)
        total = mel.sum() + acc.sum()
        share = mel.sum() / total if total > 0 else 0.0
        if mel.sum() >= (s1 - s0) / STEPS_PER_BAR:  # the model expects a melody note in a bar's time
            share = max(share, cfg.melody_share)
        share = min(share, cfg.melody_share_max)
        best_pitch = (mel * prior).argmax(axis=1)
        step_p = mel.max(axis=1)
        n_mel = min(int(round(want * share)), int((step_p > cfg.melody_floor).sum()))
        if given_melody is not None:
            n_mel, want = 0, want - int(given_melody[s0:s1].sum())
        g = a + s0
        same_shot = g >= STEPS_PER_BAR and segment[(g - STEPS_PER_BAR) // STEPS_PER_BEAT] == segment[beat]
        bar_before = struck[:, g - STEPS_PER_BAR : g - STEPS_PER_BAR + s1 - s0] if same_shot else np.zeros((2, s1 - s0))
        candidates = np.where(step_p > cfg.melody_floor, step_p * (1 + cfg.melody_groove * bar_before[0]), 0.0)
        for s in _ranked(candidates, cfg.onset_temperature, rng)[:n_mel]:
            out[0, s0 + s, best_pitch[s]] = True
        allowed = acc > cfg.min_onset_prob
        n_acc = min(int(round(want)) - n_mel, int(allowed.sum()))
        rank = acc * (1 + cfg.groove_weight * bar_before[1, :, None])
        keep = np.zeros(acc.size, bool)
        keep[_ranked(np.where(allowed, rank, 0.0).ravel(), cfg.onset_temperature, rng)[: max(n_acc, 0)]] = True
        out[1, s0:s1] = _lean_pitches(keep.reshape(acc.shape), np.where(allowed, acc * prior, 0.0))
        struck[:, g : a + s1] = out[:, s0:s1].any(axis=2)
    return out


def _bar_spans(a: int, steps: int, segment: np.ndarray | None = None):
    """(s0, s1) spans, relative to step a, of each bar among the `steps` steps from a; with
    `segment` (segment id per beat), a bar is also split where a segment starts."""
    s0 = 0
    while s0 < steps:
        s1 = min(steps, s0 + STEPS_PER_BAR - (a + s0) % STEPS_PER_BAR)
        if segment is not None:
            beat = (a + s0) // STEPS_PER_BEAT
            later = np.nonzero(segment[beat:] != segment[beat])[0]
            if len(later):
                s1 = min(s1, (beat + int(later[0])) * STEPS_PER_BEAT - a)
        yield s0, s1
        s0 = s1


def _register_prior(register: float, sigma: float) -> np.ndarray:
    """(96,) weights leaning pitch choice toward a requested register (a Gaussian over pitch);
    flat where there is no request, and never on the bass line below G3."""
    if register <= 0 or sigma <= 0:
        return np.ones(len(MODEL_PITCH_NUMBERS))
    prior = np.exp(-0.5 * ((MODEL_PITCH_NUMBERS - register) / sigma) ** 2)
    prior[MODEL_PITCH_NUMBERS < BASS_CEILING] = 1.0
    return prior


def _lean_pitches(keep: np.ndarray, weighted: np.ndarray) -> np.ndarray:
    """Keep each step's number of onsets (the rhythm) but take that many pitches of the step
    with the highest register-weighted probability."""
    out = np.zeros_like(keep)
    for s in np.nonzero(keep.any(axis=1))[0]:
        out[s, np.argsort(weighted[s])[::-1][: keep[s].sum()]] = True
    return out


def _fit_register(chosen: np.ndarray, ctrl: Controls, a: int, gain: float) -> np.ndarray:
    """Per bar, move the accompaniment's notes above the bass an octave up or down where that
    brings the bar's mean onset pitch at least `gain` semitones nearer the requested register
    (rhythm, pitch classes and the bass line stay). chosen: (2, steps, 96) onsets from step a,
    changed in place. Returns int (steps,): the shift applied at each step."""
    moved = np.zeros(chosen.shape[1], int)
    if gain <= 0:
        return moved
    upper = MODEL_PITCH_NUMBERS >= BASS_CEILING
    for s0, s1 in _bar_spans(a, chosen.shape[1]):
        target = ctrl.register[(a + s0) // STEPS_PER_BEAT]
        _, mel_p = np.nonzero(chosen[0, s0:s1])
        acc_s, acc_p = np.nonzero(chosen[1, s0:s1])
        movable = upper[acc_p]
        pitches = MODEL_PITCH_NUMBERS[np.concatenate([mel_p, acc_p])]
        if target > 0 and movable.any():
            mean = pitches.mean()
            best = min((-12, 0, 12), key=lambda k: abs(mean + k * movable.sum() / len(pitches) - target))
            new_p = acc_p[movable] + best
            fits = best != 0 and new_p.min() >= np.argmax(upper) and new_p.max() < len(upper)
            if fits and abs(mean - target) - abs(mean + best * movable.sum() / len(pitches) - target) >= gain:
                block = chosen[1, s0:s1]
                block[acc_s[movable], acc_p[movable]] = False
                block[acc_s[movable], new_p] = True
                moved[s0:s1] = best
    return moved


_BASS_KEYS = MODEL_PITCH_NUMBERS < BASS_CEILING  # model pitches a bass note may sound on
_LOW_KEYS = np.nonzero(_BASS_KEYS & (MODEL_PITCH_NUMBERS >= BASS_FLOOR))[0]  # ... and an added one may take


def _ensure_bass(chosen: np.ndarray, onset_p: np.ndarray, sustain: np.ndarray, a: int, floor: float) -> None:
    """Give every bar a bass note: where no accompaniment note below G3 starts or rings in a
    bar, add the likeliest low onset from C2 up (when the model gives it at least `floor`).

    chosen, onset_p and sustain are the accompaniment's (steps, 96) arrays for steps from a.
    """
    for s0, s1 in _bar_spans(a, chosen.shape[0]):
        if not (chosen[s0:s1, _BASS_KEYS].any() or sustain[s0, _BASS_KEYS].any()):
            p = np.where(sustain[s0:s1, _LOW_KEYS], 0.0, onset_p[s0:s1, _LOW_KEYS])  # never on a sounding note
            if p.size and p.max() > floor:
                s, k = np.unravel_index(int(p.argmax()), p.shape)
                chosen[s0 + s, _LOW_KEYS[k]] = True


def _monophonic(onsets: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Keep at most one melody onset per step: the most probable."""
    out = np.zeros_like(onsets)
    steps = np.nonzero(onsets.any(axis=1))[0]
    for s in steps:
        cand = np.where(onsets[s], probs[s], -1)
        out[s, int(cand.argmax())] = True
    return out


def _clear_span(roll: np.ndarray, start_beat: int, end_beat: int) -> None:
    """Remove notes that start in the span, tails past its end included; notes from before
    it keep their full length."""
    a, b = start_beat * STEPS_PER_BEAT, end_beat * STEPS_PER_BEAT
    held = np.zeros(roll[[1, 3], a:b].shape, bool)
    for i, ch in enumerate((1, 3)):
        run = roll[ch, a - 1] | roll[ch - 1, a - 1] if a > 0 else np.zeros(roll.shape[2], bool)
        for s in range(a, b):
            run = run & roll[ch, s] & ~roll[ch - 1, s]
            held[i, s - a] = run
        tail = (roll[ch, b - 1] | roll[ch - 1, b - 1]) & ~held[i, -1] if b > a else np.zeros(roll.shape[2], bool)
        for s in range(b, roll.shape[1]):  # a note begun in the span goes, all of it
            tail = tail & roll[ch, s] & ~roll[ch - 1, s]
            if not tail.any():
                break
            roll[ch, s] &= ~tail
    roll[:, a:b] = False
    roll[1, a:b], roll[3, a:b] = held[0], held[1]


def _pad_controls(c: Controls, pad: int) -> Controls:
    """Extend controls by `pad` beats that go on as the last beat does (for pieces shorter than a
    window): padding with silence would make the model taper the music off long before the end."""
    if pad == 0:
        return c
    z = lambda a: np.concatenate([a, np.repeat(a[-1:], pad, axis=0)])  # noqa: E731
    return Controls(
        z(c.density),
        z(c.energy),
        z(c.register),
        z(c.minor),
        np.concatenate([c.segment_start, np.zeros(pad, bool)]),
        z(c.chord_pcs),
        z(c.chord_root),
    )


def _mark_bass(
    chosen: np.ndarray,
    onset_p: np.ndarray,
    sustain: np.ndarray,
    ctrl: Controls,
    a: int,
    rng: np.random.Generator,
    change_odds: tuple[float, float] = (1.0, 1.0),
) -> None:
    """A bass attack on every beat where a shot starts, and where the chord changes at change_odds
    (on a downbeat, on another beat), where the figure strikes none there (a downbeat over the
    same chord keeps whatever bass its figure plays).

    The pitch is the model's likeliest low onset from C2 up at that step, weighted toward the
    chord's root and tones. chosen, onset_p and sustain are the accompaniment's (steps, 96) arrays
    from step a.
    """
    pcs = MODEL_PITCH_NUMBERS[_LOW_KEYS] % 12
    n = len(ctrl.chord_root)
    for s in range(0, chosen.shape[0], STEPS_PER_BEAT):
        beat = (a + s) // STEPS_PER_BEAT
        if beat >= n:
            break
        changed = beat > 0 and (
            ctrl.chord_root[beat] != ctrl.chord_root[beat - 1]
            or (ctrl.chord_pcs[beat] != ctrl.chord_pcs[beat - 1]).any()
        )
        if chosen[s, _BASS_KEYS].any() or not (ctrl.segment_start[beat] or changed):
            continue
        if not ctrl.segment_start[beat] and rng.random() >= change_odds[beat % BEATS_PER_BAR > 0]:
            continue
        root, tones = int(ctrl.chord_root[beat]), ctrl.chord_pcs[beat]
        weight = np.where(pcs == root, 4.0, np.where(tones[pcs], 1.5, 0.2)) if root >= 0 else np.ones(len(_LOW_KEYS))
        score = np.where(sustain[s, _LOW_KEYS], 0.0, onset_p[s, _LOW_KEYS] * weight)
        if score.max() > 0:
            chosen[s, _LOW_KEYS[int(score.argmax())]] = True
