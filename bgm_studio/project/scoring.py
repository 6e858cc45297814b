"""The flows that score a video: plan a project from an analysis, generate, regenerate one
shot (optionally over new chords), switch takes, and read the project's controls.

Planning gives the piece a tempo, beats per shot, a form (phrases with letters, controls.form)
and chords. A shot that returns to an earlier shot's look (its theme, see controls.themes) takes
the theme's mode and chord progression, and a phrase whose letter was heard before plays that
phrase's chords again, so the music returns with the picture and as a song's verse does.
Generating writes each span's melody first (the melody model), then samples the accompaniment
and bass around it (the diffusion model), and closes the piece on a held tonic chord.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from ..controls.form import FormModel, letter_register, plan_form, register_wander
from ..controls.music_controls import Controls
from ..controls.phrasing import PhraseEnergy
from ..controls.themes import assign_themes, echo_beats
from ..controls.timing import TimingConfig, eighth_note, plan_beats, stretch_note
from ..controls.video_mapping import ControlQuantiles, ShotControls, ShotOverrides, map_shots, video_pace
from ..errors import BgmError
from ..model.checkpoint import (
    load_melody,
    load_model,
    load_roll_critic,
    resolve_checkpoint,
    resolve_melody_checkpoint,
    resolve_roll_critic,
)
from ..model.bar_critic import BarCritic
from ..model.chords import (
    TONIC_TRIADS,
    ChordModel,
    cadence_start,
    close_on_tonic,
    final_chord,
    heard_close,
    repeat_progression,
    token_chord,
)
from ..model.data import model_roll
from ..model.locate import model_id, resolve_critic, resolve_textures
from ..model.composer import Composer, form_echoes, returning_phrases
from ..model.melody_writer import MelodyWriter
from ..model.pipeline import SampleConfig, ScorePipeline, torch_threads
from ..model.texture import TextureLibrary
from ..music.notes import BEATS_PER_BAR, STEPS_PER_BEAT
from ..music.pianoroll import PianoRoll, roll_to_note_array
from ..music.structure import Phrase
from ..progress import ProgressFn, no_progress
from ..video.analysis import VideoAnalysis
from ..video.cache import fingerprint
from .piece import cut_landings_of, eighth_cut_steps
from .state import Project, ProjectShot, Take, check_seed

COMMON_KEYS = (0, 7, 2, 9, 5, 10, 3)  # C, G, D, A, F, Bb, Eb major
CADENCE_BEATS = 4
MIN_ENERGY = 0.05  # the least energy a bar is played at: soft, never silent (velocity 6)


@dataclass(frozen=True)
class ScoringOptions:
    seed: int = 0  # drawn with the video's content (video_seed): the same video and seed, the same music
    tempo_bpm: float | None = None  # None: chosen from the video's pace and cuts
    key_tonic: int | None = None  # pitch class of the key; None: drawn from the seed
    timing: TimingConfig = field(default_factory=TimingConfig)


def video_seed(seed: int, video_fingerprint: str) -> int:
    """The piece's seed: the user's seed mixed with the video's content (video.cache.fingerprint), below
    2**31 so the take seeds added to it stay in range. The seed draws the key, the form, the pianist and
    the melody's height: taken alone, every video scored with the default seed was in Bb major with one
    pianist (a batch of hundreds alike); now the same video and seed give the same music, and each video
    its own."""
    digest = hashlib.sha256(f"{check_seed(seed)} {video_fingerprint}".encode()).digest()
    return int.from_bytes(digest[:4], "big") >> 1


def shot_feature_dict(analysis: VideoAnalysis, index: int) -> dict[str, float]:
    """The numeric per-shot features of an analysis (no embedding), as stored in projects."""
    f = analysis.shot_features[index]
    return {
        k: float(v) for k, v in asdict(f).items() if k not in ("index", "start_s", "end_s", "embedding", "transition")
    }


def _mapping_rows(shots: list[ProjectShot]) -> list[dict[str, float]]:
    return [{**s.features, "start_s": s.start_s, "end_s": s.end_s} for s in shots]


def _apply_beats(shots: list[ProjectShot], tempo_bpm: float | None, cfg: TimingConfig, pace: float) -> float:
    plan = plan_beats([(s.start_s, s.end_s) for s in shots], pace, tempo_bpm, cfg)
    for s, start, n, tempo in zip(shots, plan.shot_start_beats, plan.shot_beats, plan.shot_tempi):
        s.start_beat, s.n_beats, s.tempo_bpm = int(start), int(n), float(tempo)
    return plan.tempo_bpm


def shot_controls(project: Project, quantiles: ControlQuantiles) -> list[ShotControls]:
    """Each shot's mapped controls, overrides applied; a shot without a mode override takes its theme's mode."""
    mapped = map_shots(_mapping_rows(project.shots), quantiles, [s.overrides for s in project.shots])
    return [
        c if s.overrides.mode is not None else replace(c, minor=mapped[s.theme].minor)
        for s, c in zip(project.shots, mapped)
    ]


REGISTER_SPAN = (0.01, 0.99)  # quantiles of POP909's bar registers a piece's register stays between


def piece_controls(project: Project, quantiles: ControlQuantiles) -> Controls:
    """Per-beat controls of the whole piece: each shot's controls (see shot_controls), the register
    lower in the first melodic letter and higher in later ones (controls.form.letter_register), at
    the piece's own height and wandering phrase by phrase (controls.form.register_wander), never
    past POP909's 1st-99th percentile of bar registers."""
    mapped = shot_controls(project, quantiles)
    n = project.n_beats
    seg = _shot_starts(project)
    per_beat = {k: np.zeros(n) for k in ("density", "energy", "register", "minor")}
    for s, c in zip(project.shots, mapped):
        for k in per_beat:
            per_beat[k][s.start_beat : s.end_beat] = float(getattr(c, k))
    per_beat["register"] += letter_register(project.phrases, n) + register_wander(project.phrases, n, project.seed)
    # inside what the model saw: the wander and the letters' lift can carry a shot past POP909's bars
    low, high = (quantiles.quantile("register", q) for q in REGISTER_SPAN)
    per_beat["register"] = np.clip(per_beat["register"], low, high)
    # Close with a cadence: a calmer last bar.
    per_beat["density"][-CADENCE_BEATS:] *= 0.6
    per_beat["energy"][-CADENCE_BEATS:] *= 0.85
    return Controls(
        per_beat["density"],
        per_beat["energy"],
        per_beat["register"],
        per_beat["minor"],
        seg,
        project.chord_pcs.copy(),
        project.chord_root.copy(),
    )


def played_energy(project: Project, controls: Controls, phrasing: PhraseEnergy) -> np.ndarray:
    """float (n_beats,): the energy each beat's notes are played at (model.dynamics): the controls'
    energy, which the music is written for, moved by the player's touch, over the form and from bar
    to bar as POP909's songs move (controls.phrasing), drawn from the project's seed so that every
    span written hears the same. A performance's: it leaves the notes as they were."""
    offsets = phrasing.energy_offsets(project.phrases, project.n_beats, np.random.default_rng([project.seed, 37]))
    played: np.ndarray = np.clip(controls.energy + offsets, MIN_ENERGY, 1.0)
    return played


def timing_notes(project: Project, cfg: TimingConfig = TimingConfig()) -> list[str]:
    """One line for every cut the music rides over: further than cfg.cut_tolerance_s from its beat
    and from the eighth before it (a shot too short for whole beats near the piece tempo); one
    naming the cuts on an eighth (controls.timing.eighth_note) and one naming the shots whose tempo
    leaves the tempo limit to keep their cuts on the beat (controls.timing.stretch_note)."""
    landings = cut_landings_of(project)
    notes = []
    for s, (beat_ms, eighth_ms) in zip(project.shots[1:], landings):
        if min(beat_ms, eighth_ms) > cfg.cut_tolerance_s * 1000:
            before = project.shots[s.index - 1]
            notes.append(
                f"note: the cut at {s.start_s:.2f} s lands {beat_ms:.0f} ms from its beat: shot "
                f"{before.index} ({before.end_s - before.start_s:.2f} s) is too short for whole beats near "
                f"{project.tempo_bpm:.0f} BPM, so the music rides over this cut"
            )
    eighths = eighth_note([(s.start_s, s.end_s) for s in project.shots], landings, cfg)
    pushed = stretch_note([s.tempo_bpm for s in project.shots], project.tempo_bpm, cfg)
    return notes + [n for n in (eighths, pushed) if n]


def chords_fixed(project: Project, k: int) -> bool:
    """Whether shot k lies wholly in the closing cadence, whose chord is always the home chord."""
    return project.shots[k].start_beat >= cadence_start(project.n_beats)


def check_new_chords(project: Project, k: int) -> None:
    """Refuse new chords for shot k where none can be drawn (see chords_fixed)."""
    if chords_fixed(project, k):
        raise BgmError(
            f"shot {k} lies in the closing bar, whose chord is always the home chord; regenerate it without new chords"
        )


class Scorer:
    """Holds the trained models and runs every flow that needs them."""

    def __init__(
        self,
        model_path: str | None = None,
        sample: SampleConfig = SampleConfig(),
        chord_model: str | None = None,
        quantiles: str | None = None,
        melody_model: str | None = None,
        form_model: str | None = None,
        device: str | None = None,
        textures: str | None = None,
    ) -> None:
        path = resolve_checkpoint(model_path)
        melody_path = resolve_melody_checkpoint(melody_model)
        # On the sampling's torch threads (one): copying the weights on two started OpenMP's second
        # thread, which then spun idle for ~0.2 s of CPU, more than the whole load takes on one.
        with torch_threads(sample.threads):
            model, _ = load_model(path, device)  # device None: $BGM_DEVICE, else CUDA when present
            melody = load_melody(melody_path, next(model.parameters()).device)
            roll_path = resolve_roll_critic()
            roll_critic = load_roll_critic(roll_path)
        textures_path, critic_path = resolve_textures(textures), resolve_critic()
        critic = BarCritic.load(critic_path)
        pipeline = ScorePipeline(
            model, sample, TextureLibrary.load(textures_path), critic=critic, roll_critic=roll_critic
        )
        self.composer = Composer(pipeline, MelodyWriter(melody))
        self.model_id = "+".join(model_id(p) for p in (path, melody_path, textures_path, critic_path, roll_path))
        self.chords = ChordModel.load(chord_model)
        self.quantiles = ControlQuantiles.load(quantiles)
        self.form = FormModel.load(form_model)
        self.phrasing = PhraseEnergy.load()

    def draw_chords(
        self, project: Project, start_beat: int, end_beat: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """The project's chords with beats start..end drawn anew, as in a draw of the whole piece.

        They follow the chords before them, on the piece's half-bar grid, and close on the home chord only
        in the piece's last bar. The chord model reads each shot's mode (see shot_controls) and its
        start as a segment start, where the chord changes; every beat outside start..end keeps its
        chord. A phrase wholly inside start..end whose letter was heard before plays that phrase's
        chords again (see returning_phrases).
        """
        minor = np.zeros(project.n_beats, bool)
        for s, c in zip(project.shots, shot_controls(project, self.quantiles)):
            minor[s.start_beat : s.end_beat] = c.minor
        seg = _shot_starts(project)
        roots, pcs = self.chords.resample(
            project.chord_root, project.chord_pcs, start_beat, end_beat, minor, seg, project.key_tonic, rng
        )
        for source, target in returning_phrases(project.phrases, project.n_beats):
            if start_beat <= target[0] and target[1] <= end_beat:
                roots, pcs = repeat_progression(roots, pcs, source, target)
        if end_beat > cadence_start(project.n_beats):  # the close, read from the chords as they now are
            roots, pcs = close_on_tonic(roots, pcs, project.key_tonic, start_beat)
        return roots, pcs

    def plan(self, analysis: VideoAnalysis, options: ScoringOptions = ScoringOptions()) -> Project:
        """A project for an analysed video: tempo, beats per shot, themes, key and chords; no music yet.

        A shot whose theme is an earlier shot repeats the theme's chords from its start (see
        repeat_progression), except in the closing cadence.
        """
        shots = [
            ProjectShot(s.index, s.start_s, s.end_s, shot_feature_dict(analysis, i))
            for i, s in enumerate(analysis.shots)
        ]
        themes = assign_themes(np.stack([f.embedding for f in analysis.shot_features]), [s.features for s in shots])
        for s, theme in zip(shots, themes):
            s.theme = theme
        pace = video_pace(_mapping_rows(shots))
        tempo = _apply_beats(shots, options.tempo_bpm, options.timing, pace)
        video = str(Path(analysis.info.path).absolute())  # a project opened from another folder still finds it
        content = fingerprint(video)
        seed = video_seed(options.seed, content)
        rng = np.random.default_rng(seed)
        tonic = options.key_tonic if options.key_tonic is not None else int(rng.choice(COMMON_KEYS))
        n_beats = sum(s.n_beats for s in shots)
        project = Project(
            video,
            content,
            analysis.duration_s,
            analysis.config.key(),
            self.model_id,
            tempo,
            tonic % 12,
            seed,
            shots,
            np.full(n_beats, -1, np.int64),
            np.zeros((n_beats, 12), bool),
        )
        project.phrases = self.plan_form(project, rng)
        project.chord_root, project.chord_pcs = self.draw_chords(project, 0, n_beats, rng)
        _repeat_themes(project)
        project.chord_root, project.chord_pcs = close_on_tonic(project.chord_root, project.chord_pcs, tonic)
        return project

    def plan_form(self, project: Project, rng: np.random.Generator) -> list[Phrase]:
        """The piece's phrases over its shots (controls.form), from each bar's requested density."""
        n_bars = -(-project.n_beats // BEATS_PER_BAR)
        density = np.zeros(n_bars * BEATS_PER_BAR)
        for s, c in zip(project.shots, shot_controls(project, self.quantiles)):
            density[s.start_beat : s.end_beat] = c.density
        bar_density = density.reshape(n_bars, BEATS_PER_BAR)[:, 0]
        return plan_form(
            [s.start_beat for s in project.shots], [s.theme for s in project.shots], bar_density, self.form, rng
        )

    def generate(self, project: Project, seed: int | None = None, progress: ProgressFn = no_progress) -> Project:
        """Sample music for every unlocked shot (all of them the first time), holding locked ones."""
        seed = project.seed if seed is None else check_seed(seed)
        controls = piece_controls(project, self.quantiles)
        roll = model_roll(project.notes(), project.n_beats * STEPS_PER_BEAT)
        spans = _unlocked_spans(project)
        total = sum(b - a for a, b in spans)
        done = 0
        progress(0, total, "generating")  # the melody is written before the first beat is sampled: seconds
        for a, b in spans:
            roll = self._compose(
                project, roll, controls, a, b, seed + a, lambda d, t, label: progress(done + d, total, "generating")
            )
            done += b - a
        project, roll = self._close_as_heard(project, roll, seed)
        return _with_takes(
            project, roll_to_note_array(roll), [s.index for s in project.shots if not s.overrides.locked], seed
        )

    def _close_as_heard(self, project: Project, roll: PianoRoll, seed: int) -> tuple[Project, PianoRoll]:
        """The piece closing in the key its music is heard in (model.chords.heard_close): where that
        is not the key of its final chord, the cadence is written again on that key's tonic triad,
        every note before it held. Pieces whose cadence lies in a locked shot keep theirs."""
        cadence = cadence_start(project.n_beats)
        if any(s.overrides.locked and s.end_beat > cadence for s in project.shots):
            return project, roll
        heard = heard_close(roll_to_note_array(roll), cadence, project.key_tonic, project.chord_root)
        if heard is None or project.chord_root[-1] < 0 or heard == final_chord(project.chord_root, project.chord_pcs):
            return project, roll
        project = _copy(project)
        project.chord_root[cadence:], project.chord_pcs[cadence:] = token_chord(TONIC_TRIADS[heard[1]], heard[0])
        controls = piece_controls(project, self.quantiles)
        return project, self._compose(project, roll, controls, cadence, project.n_beats, seed + cadence, no_progress)

    def regenerate(
        self,
        project: Project,
        k: int,
        seed: int | None = None,
        overrides: ShotOverrides | None = None,
        progress: ProgressFn = no_progress,
        new_chords: bool = False,
    ) -> Project:
        """Re-sample shot k only, with a new seed and/or overrides; every note outside it is held. A
        shot that returns (to an earlier look or phrase) keeps its returning melody and gets new figures.

        With new_chords, shot k's chords are first drawn again from the chord model (with the same
        seed), following the chords before the shot; every other shot's chords stay.
        """
        if not 0 <= k < len(project.shots):
            raise BgmError(f"shot {k} does not exist (this project has shots 0-{len(project.shots) - 1})")
        shot = project.shots[k]
        if shot.overrides.locked and (overrides is None or overrides.locked):
            raise BgmError(f"shot {k} is locked; unlock it to regenerate")
        if new_chords:
            check_new_chords(project, k)
        project = _copy(project)
        if overrides is not None:
            project.shots[k].overrides = overrides
        seed = check_seed(seed) if seed is not None else project.seed + 1000 * (k + 1) + len(shot.takes)
        if new_chords:
            project.chord_root, project.chord_pcs = self.draw_chords(
                project, shot.start_beat, shot.end_beat, np.random.default_rng(seed)
            )
        controls = piece_controls(project, self.quantiles)
        roll = model_roll(project.notes(), project.n_beats * STEPS_PER_BEAT)
        echoes = theme_echoes(project)
        # New figures asked for: a returning shot echoed the same ones back.
        echoes[shot.start_beat : shot.end_beat] = -1
        label = f"regenerating shot {k}"
        progress(0, shot.end_beat - shot.start_beat, label)  # before the melody is written (seconds)
        roll = self._compose(
            project,
            roll,
            controls,
            shot.start_beat,
            shot.end_beat,
            seed,
            lambda d, t, _: progress(d, t, label),
            echoes,
        )
        return _with_takes(project, roll_to_note_array(roll), [k], seed)

    def _compose(
        self,
        project: Project,
        roll: PianoRoll,
        controls: Controls,
        a: int,
        b: int,
        seed: int,
        progress: ProgressFn,
        echoes: np.ndarray | None = None,
    ) -> PianoRoll:
        """Beats [a, b) of the roll written anew (model.composer), themes and returning phrases echoed
        (echoes: per beat, the beat whose accompaniment it plays again; None: theme_echoes), by the
        project's pianist (drawn from its seed), so a regenerated shot keeps its neighbours' player."""
        return self.composer.compose(
            roll,
            controls,
            project.phrases,
            project.key_tonic,
            a,
            b,
            seed,
            progress,
            theme_echoes(project) if echoes is None else echoes,
            style_seed=project.seed,
            eighth_cuts=eighth_cut_steps(project),
            played_energy=played_energy(project, controls, self.phrasing),
        )


def theme_echoes(project: Project) -> np.ndarray:
    """int (n_beats,): for each beat of a shot returning to an earlier shot's look, the beat of
    that shot whose music it varies (up to the closing cadence); in a returning phrase that plays
    its source's accompaniment again (see echoed_returns), the beat of the earlier phrase; -1
    elsewhere. Where the two beats' chords differ, the accompaniment plays the same figure on
    its own chords (the pipeline guides the sampling only where the harmony returns too)."""
    echo_of = np.full(project.n_beats, -1)
    cadence = cadence_start(project.n_beats)
    for s in project.shots:
        theme = project.shots[s.theme]
        if theme is not s:
            echo_beats(echo_of, (theme.start_beat, theme.end_beat), (s.start_beat, min(s.end_beat, cadence)))
    form = form_echoes(project.phrases, project.chord_root, _shot_starts(project))
    return np.where(echo_of >= 0, echo_of, form)


def _shot_starts(project: Project) -> np.ndarray:
    """bool (n_beats,): the beats where a shot starts."""
    starts = np.zeros(project.n_beats, bool)
    starts[[s.start_beat for s in project.shots if s.start_beat < project.n_beats]] = True
    return starts


def _repeat_themes(project: Project) -> None:
    """Give every shot whose theme is an earlier shot the theme's chords, up to the closing cadence."""
    cadence = cadence_start(project.n_beats)
    for s in project.shots:
        theme = project.shots[s.theme]
        if theme is not s:
            project.chord_root, project.chord_pcs = repeat_progression(
                project.chord_root,
                project.chord_pcs,
                (theme.start_beat, theme.end_beat),
                (s.start_beat, min(s.end_beat, cadence)),
            )


def _copy(project: Project) -> Project:
    shots = [replace(s, takes=list(s.takes), features=dict(s.features)) for s in project.shots]
    return replace(project, shots=shots, chord_root=project.chord_root.copy(), chord_pcs=project.chord_pcs.copy())


def _unlocked_spans(project: Project) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for s in project.shots:
        if s.overrides.locked:
            continue
        if spans and spans[-1][1] == s.start_beat:
            spans[-1] = (spans[-1][0], s.end_beat)
        else:
            spans.append((s.start_beat, s.end_beat))
    return spans


def _with_takes(project: Project, notes: np.ndarray, shot_indices: list[int], seed: int) -> Project:
    """Store the notes that start in each given shot, with the shot's chords, as a new current take of it."""
    project = _copy(project)
    for k in shot_indices:
        s = project.shots[k]
        a, b = s.start_step, s.end_beat * STEPS_PER_BEAT
        mine = notes[(notes[:, 0] >= a) & (notes[:, 0] < b)] - np.array([a, 0, 0, 0, 0])
        beats = slice(s.start_beat, s.end_beat)
        s.takes.append(
            Take(
                seed,
                s.overrides,
                mine.astype(np.int64),
                project.chord_root[beats].copy(),
                project.chord_pcs[beats].copy(),
            )
        )
        s.take = len(s.takes) - 1
    return project


def select_take(project: Project, k: int, take: int) -> Project:
    """Make an earlier take of shot k current again, with the chords it was generated over."""
    if not 0 <= k < len(project.shots):
        raise BgmError(f"shot {k} does not exist")
    if not 0 <= take < len(project.shots[k].takes):
        raise BgmError(f"shot {k} has no take {take}")
    project = _copy(project)
    shot = project.shots[k]
    shot.take = take
    project.chord_root[shot.start_beat : shot.end_beat] = shot.takes[take].chord_root
    project.chord_pcs[shot.start_beat : shot.end_beat] = shot.takes[take].chord_pcs
    return project
