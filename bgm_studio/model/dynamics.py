"""Dynamics: each note's velocity, as POP909's pianists play it, around the bar's requested energy.

A velocity from the energy alone struck every note of a beat alike: 12 distinct velocities in an
8-bar window where POP909's hold 36, no accent, the melody always 12 over the accompaniment and
the bass as loud as the hand above (validation songs 771-818). A performance varies all of these,
and by the player: in POP909 one song's melody sits 3 over its accompaniment, another's 29.

What is learned (DynamicsModel.fit, train songs): per track (melody, accompaniment), the velocity
offset from the bar's mean by place in the bar and per semitone above the bar's mean pitch, and
for the accompaniment the offset of a bass note (below G3); and, per song, its player: how far the
melody sits over the accompaniment, how strongly each track plays those offsets (some songs were
entered at one velocity, others accent hard), and how widely its velocities scatter around them
(the melody's per note, the accompaniment's per onset, which the notes struck together share, and
per note within an onset); and how many of each track's velocities it set on the ladder 127, 122,
117, ... (a fifth of POP909's melodies hold 60% or more of their notes there, as if entered or
edited in steps of 5; by chance a fifth would be); how much its bar levels move from one bar
to the next; and which velocities it strikes at all (a quarter of POP909's songs strike 70% or
fewer of the values within their range, as a keyboard's velocity steps fall; song 790 plays 74,
77, 80, 81, 83, ... 105). A piece draws one song's player (Performer) among the songs whose bars
move as its energy asks (a still song is played close together, a swinging one wide), and writes
each note as level + accent x offsets + scatter, the bar's level set so its mean onset velocity is
the energy asked (energy x 127: the control is read from POP909 the same way), each velocity
within the song's range then moved to the nearest one it strikes.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from ..atomic import atomic_path
from ..controls.music_controls import measured_bar_controls
from ..errors import BgmError
from ..music.metrics import BASS_CEILING
from ..music.notes import BEATS_PER_BAR, MELODY, STEPS_PER_BAR, STEPS_PER_BEAT
from ..music.pianoroll import PianoRoll

DEFAULT_DYNAMICS_MODEL = Path(__file__).resolve().parents[2] / "models" / "dynamics.json"
VERSION = 6
START, PITCH, LENGTH, VELOCITY, TRACK = range(5)
QUIETEST = 24  # the level of a bar asked no energy (a user's override of 0): soft, never silent
MIN_NOTES = 50  # a song's track with fewer notes tells nothing of its player


@dataclass(frozen=True)
class Performer:
    """One POP909 song's player: melody over accompaniment (velocity), how strongly each track plays
    the learned offsets (1: as POP909 on average), the scatter (sd) of the melody's notes, of
    the accompaniment's onsets and of its notes within an onset, and the odds each track's
    velocity is set on the ladder of LADDER_STEP below 127 (beyond chance); and what its
    accompaniment adds, past those offsets, to its bass notes and to its notes on the beat over
    those off it (POP909's songs range from a bass 21 under the hand above to 4 over it)."""

    melody_gap: float
    melody_accent: float
    accent: float
    melody_sd: float
    onset_sd: float
    chord_sd: float
    melody_ladder: float
    ladder: float
    bass_lift: float
    beat_lift: float
    velocities: tuple[int, ...] = ()  # the velocities its song strikes (snap_to_used); (): any


LADDER_STEP = 5
# The Performer fields a song's player is read as and kept in DynamicsModel.players (all but its velocities).
FLOAT_FIELDS = tuple(name for name, f in Performer.__dataclass_fields__.items() if f.type == "float")
FIELDS = len(FLOAT_FIELDS)
NEIGHBOURS = 0.02  # the share of songs nearest a piece's bar movement its player is drawn among
MOST_ACCENT = 3.0  # a song's accent scale is read no larger (a few notes' chance fit would go wild)


@dataclass
class DynamicsModel:
    """Learned velocity offsets and players (module docstring)."""

    position: np.ndarray  # float (2, STEPS_PER_BAR): offset by place in the bar, melody and accompaniment
    pitch_slope: np.ndarray  # float (2,): offset per semitone above the bar's mean pitch of the track
    bass: float  # offset of an accompaniment note below G3, over its pitch's
    players: np.ndarray  # float (songs, FIELDS): each train song's Performer fields
    movement: np.ndarray  # float (songs,): each one's bar_movement, to draw a player whose bars move alike
    used: np.ndarray  # bool (songs, 128): the velocities each one's notes strike

    @classmethod
    def fit(cls, pieces: Iterable[np.ndarray]) -> "DynamicsModel":
        """pieces: note arrays int (N, 5) of real songs on the 16th grid."""
        pieces = [np.asarray(p, np.int64).reshape(-1, 5) for p in pieces]
        rows = [[_design(p, t) for p in pieces] for t in (0, 1)]
        coef = []
        for t in (0, 1):
            x = np.concatenate([r[0] for r in rows[t]])
            y = np.concatenate([r[1] for r in rows[t]])
            coef.append(np.linalg.lstsq(x, y, rcond=None)[0] if len(y) else np.zeros(x.shape[1]))
        model = cls(
            position=np.array([c[:STEPS_PER_BAR] for c in coef]),
            pitch_slope=np.array([c[STEPS_PER_BAR] for c in coef]),
            bass=float(coef[1][STEPS_PER_BAR + 1]),
            players=np.zeros((0, FIELDS)),
            movement=np.zeros(0),
            used=np.zeros((0, 128), bool),
        )
        kept = [(player, p) for p in pieces if (player := model._player(p)) is not None]
        model.players = np.array([player for player, _ in kept]).reshape(-1, FIELDS)
        model.movement = np.array([_song_movement(p) for _, p in kept], np.float64)
        model.used = np.array([np.bincount(p[:, VELOCITY], minlength=128)[:128] > 0 for _, p in kept]).reshape(-1, 128)
        if not len(model.players):
            raise BgmError(f"no song has {MIN_NOTES} notes in both tracks to learn dynamics from")
        return model

    def _player(self, notes: np.ndarray) -> tuple[float, ...] | None:
        """The Performer fields of one song (None: too few notes in a track)."""
        melody, acc = notes[notes[:, TRACK] == MELODY], notes[notes[:, TRACK] != MELODY]
        if len(melody) < MIN_NOTES or len(acc) < MIN_NOTES:
            return None
        n_bars = int(notes[:, START].max()) // STEPS_PER_BAR + 1
        mel_level, mel_count = _bar_means(melody, n_bars)
        acc_level, acc_count = _bar_means(acc, n_bars)
        both = (mel_count > 0) & (acc_count > 0)
        if not both.any():
            return None
        rest, accents = [], []
        for t, (own, level) in enumerate(((melody, mel_level), (acc, acc_level))):
            rel = own[:, VELOCITY] - level[own[:, START] // STEPS_PER_BAR]
            offsets = self.offsets(own, t)
            accent = float(np.clip(rel @ offsets / max(offsets @ offsets, 1e-9), 0.0, MOST_ACCENT))
            rest.append(rel - accent * offsets)
            accents.append(accent)
        _, onset, counts = np.unique(acc[:, START], return_inverse=True, return_counts=True)
        onset_mean = np.bincount(onset, weights=rest[1]) / counts
        within = rest[1] - onset_mean[onset]
        shared = counts[onset] > 1
        chord_sd = np.sqrt((within[shared] ** 2).sum() / max(int(shared.sum()) - int((counts > 1).sum()), 1))
        # an onset's mean holds its notes' own scatter too, chord_sd^2 / notes: that share is not the onset's
        onset_var = onset_mean.var() - chord_sd**2 * np.mean(1.0 / counts)
        return (
            float(np.mean(mel_level[both] - acc_level[both])),
            *accents,
            float(rest[0].std()),
            float(np.sqrt(max(onset_var, 0.0))),
            float(chord_sd),
            _ladder_odds(melody[:, VELOCITY]),
            _ladder_odds(acc[:, VELOCITY]),
            _lift(rest[1], acc[:, PITCH] < BASS_CEILING),
            _lift(rest[1], acc[:, START] % STEPS_PER_BEAT == 0),
        )

    def offsets(self, notes: np.ndarray, track: int) -> np.ndarray:
        """float (N,): the learned offsets of one track's notes (int (N, 5), the track's whole bars)."""
        x = _features(notes)
        return (
            x[:, :STEPS_PER_BAR] @ self.position[track]
            + x[:, STEPS_PER_BAR] * self.pitch_slope[track]
            + (x[:, STEPS_PER_BAR + 1] * self.bass if track != MELODY else 0.0)
        )

    def draw_performer(self, rng: np.random.Generator, movement: float | None = None) -> Performer:
        """One train song's player, drawn alike among them, or, given the piece's bar_movement,
        among the NEIGHBOURS songs whose bars move most alike: in POP909 a song whose bar levels
        hold still also plays its notes close together (rank correlation 0.68 between the two
        over 8-bar windows; a player drawn regardless of it gave 0.15)."""
        if movement is None:
            song = int(rng.integers(len(self.players)))
        else:
            distance = np.abs(np.log1p(self.movement) - np.log1p(max(movement, 0.0)))
            song = int(rng.choice(np.argsort(distance, kind="stable")[: max(1, round(len(distance) * NEIGHBOURS))]))
        fields = dict(zip(FLOAT_FIELDS, map(float, self.players[song])))
        return Performer(**fields, velocities=tuple(int(v) for v in np.flatnonzero(self.used[song])))

    def save(self, path: str | os.PathLike[str]) -> None:
        data = {
            "version": VERSION,
            "position": self.position.round(3).tolist(),
            "pitch_slope": self.pitch_slope.round(4).tolist(),
            "bass": round(self.bass, 3),
            "players": self.players.round(2).tolist(),
            "movement": self.movement.round(2).tolist(),
            "used": [np.packbits(u).tobytes().hex() for u in self.used],
        }
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(data))

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> "DynamicsModel":
        path = Path(path or DEFAULT_DYNAMICS_MODEL)
        try:
            data = json.loads(path.read_text())
            if data.get("version") != VERSION:
                raise ValueError(f"version {data.get('version')}, not {VERSION}")
            position = np.asarray(data["position"], np.float64)
            players = np.asarray(data["players"], np.float64)
            movement = np.asarray(data["movement"], np.float64)
            used = np.array([np.unpackbits(np.frombuffer(bytes.fromhex(h), np.uint8)) for h in data["used"]], bool)
            if (
                position.shape != (2, STEPS_PER_BAR)
                or players.ndim != 2
                or players.shape[1:] != (FIELDS,)
                or not len(players)
                or movement.shape != (len(players),)
                or used.shape != (len(players), 128)
            ):
                raise ValueError("tables of the wrong shape")
            return cls(
                position,
                np.asarray(data["pitch_slope"], np.float64).reshape(2),
                float(data["bass"]),
                players,
                movement,
                used,
            )
        except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BgmError(f"{path}: cannot read dynamics model ({exc})") from exc


def perform(
    roll: PianoRoll,
    energy: np.ndarray,
    a: int,
    b: int,
    model: DynamicsModel,
    performer: Performer,
    rng: np.random.Generator,
) -> PianoRoll:
    """The roll with the velocity of every note struck in steps [a, b) played by `performer`
    around each bar's energy (per beat, 0..1; a beat asked none takes the piece's median); notes
    struck elsewhere keep theirs. Each bar's offsets are read against all of its notes, so a note
    gets the same offsets whichever span around it is written."""
    out = roll.copy()
    asked = energy[energy > 0]
    fallback = float(np.median(asked)) if len(asked) else QUIETEST / 127
    last_beat = len(energy) - 1
    for bar in range(a - a % STEPS_PER_BAR, b, STEPS_PER_BAR):
        steps = np.arange(bar, min(bar + STEPS_PER_BAR, out.onset.shape[1]))
        struck = [np.argwhere(out.onset[t, steps]) for t in (MELODY, 1)]
        notes = np.concatenate(
            [
                np.column_stack(
                    [w[:, 0], out.pitch_low + w[:, 1], np.ones(len(w)), np.zeros(len(w)), np.full(len(w), t)]
                )
                for t, w in enumerate(struck)
            ]
        ).astype(np.int64)
        if not len(notes):
            continue
        beats = np.minimum((bar + notes[:, START]) // STEPS_PER_BEAT, last_beat)
        level = float(np.where(energy[beats] > 0, energy[beats], fallback).mean()) * 127
        velocity = _bar_velocities(notes, level, model, performer, rng)
        for t, where in enumerate(struck):
            inside = (steps[where[:, 0]] >= a) & (steps[where[:, 0]] < b)
            out.velocity[t, steps[where[inside, 0]], where[inside, 1]] = velocity[notes[:, TRACK] == t][inside]
    return out


def _bar_velocities(
    notes: np.ndarray, level: float, model: DynamicsModel, performer: Performer, rng: np.random.Generator
) -> np.ndarray:
    """int (N,): the velocities of one bar's notes (int (N, 5), start within the bar), whose mean
    is `level` (before rounding, clipping, the ladder and snap_to_used): the melody the performer's
    gap above the accompaniment, and each note moved by the offsets, lifts and scatter, less their
    mean over the bar, as in POP909 a bar's mean velocity is its energy by definition."""
    melody = notes[:, TRACK] == MELODY
    acc_level = level - performer.melody_gap * melody.mean()
    onset_noise = rng.normal(0.0, performer.onset_sd, STEPS_PER_BAR)
    deviation = np.zeros(len(notes))
    for t, own in ((MELODY, melody), (1, ~melody)):
        accent = performer.melody_accent if t == MELODY else performer.accent
        deviation[own] = accent * model.offsets(notes[own], t)
    deviation[melody] += rng.normal(0.0, performer.melody_sd, int(melody.sum()))
    acc = notes[~melody]
    deviation[~melody] += (
        onset_noise[acc[:, START]]
        + rng.normal(0.0, performer.chord_sd, len(acc))
        + performer.bass_lift * (acc[:, PITCH] < BASS_CEILING)
        + performer.beat_lift * (acc[:, START] % STEPS_PER_BEAT == 0)
    )
    played = np.maximum(acc_level, QUIETEST) + performer.melody_gap * melody + deviation - deviation.mean()
    laddered = rng.random(len(notes)) < np.where(melody, performer.melody_ladder, performer.ladder)
    played = np.where(laddered, 127 - LADDER_STEP * np.round((127 - played) / LADDER_STEP), played)
    return snap_to_used(np.clip(np.round(played), 1, 127).astype(np.int64), performer.velocities)


def snap_to_used(velocity: np.ndarray, used: tuple[int, ...]) -> np.ndarray:
    """int (N,): each velocity within the range of those `used` moved to the nearest of them (the
    lower on a tie); outside it, and where none are given, as it was."""
    if not used:
        return velocity
    values = np.asarray(used, np.int64)
    inside = (velocity >= values[0]) & (velocity <= values[-1])
    right = np.clip(np.searchsorted(values, velocity), 1, len(values) - 1)
    left = right - 1
    nearest = np.where(velocity - values[left] <= values[right] - velocity, values[left], values[right])
    return np.where(inside, nearest, velocity)


def _lift(rest: np.ndarray, chosen: np.ndarray) -> float:
    """How much louder the chosen notes' velocity residuals are than the others' (0 if either is empty)."""
    return float(rest[chosen].mean() - rest[~chosen].mean()) if chosen.any() and (~chosen).any() else 0.0


def _ladder_odds(velocity: np.ndarray) -> float:
    """The odds a velocity was set on the ladder, beyond the 1 in LADDER_STEP that lands there by chance."""
    share = float(np.mean((127 - velocity) % LADDER_STEP == 0))
    return max(0.0, (share - 1 / LADDER_STEP) / (1 - 1 / LADDER_STEP))


def bar_movement(levels: np.ndarray) -> float | None:
    """How much a piece's bar levels (mean velocity per bar, bars with notes) move from one bar
    to the next: the root mean square of their differences (None: under 2 bars)."""
    levels = np.asarray(levels, np.float64)
    return float(np.sqrt(np.mean(np.diff(levels) ** 2))) if len(levels) > 1 else None


def energy_movement(energy: np.ndarray) -> float | None:
    """The bar_movement of a piece asked for per beat energy (0..1; 0: none asked), in velocity."""
    energy = np.asarray(energy, np.float64)
    bars = energy[: len(energy) - len(energy) % BEATS_PER_BAR].reshape(-1, BEATS_PER_BAR)
    asked = (bars > 0).sum(axis=1)
    levels = (bars.sum(axis=1)[asked > 0] / asked[asked > 0]) * 127.0
    return bar_movement(levels)


def _song_movement(notes: np.ndarray) -> float:
    """A song's bar_movement over its bars with notes (0 for a one-bar song)."""
    level, count = _bar_means(notes, int(notes[:, START].max()) // STEPS_PER_BAR + 1)
    return bar_movement(level[count > 0]) or 0.0


def _bar_means(notes: np.ndarray, n_bars: int) -> tuple[np.ndarray, np.ndarray]:
    """(mean velocity, onsets) per bar of a note array: its energy x 127 and its density."""
    bars = measured_bar_controls(notes, n_bars)
    return bars["energy"] * 127.0, bars["density"]


def _features(notes: np.ndarray) -> np.ndarray:
    """float (N, STEPS_PER_BAR + 2): place in the bar (one-hot), semitones above the bar's mean
    pitch of these notes, and whether below G3."""
    bar = notes[:, START] // STEPS_PER_BAR
    mean_pitch = measured_bar_controls(notes, int(bar.max()) + 1 if len(bar) else 0)["register"]
    place = np.eye(STEPS_PER_BAR)[notes[:, START] % STEPS_PER_BAR]
    return np.column_stack([place, notes[:, PITCH] - mean_pitch[bar], notes[:, PITCH] < BASS_CEILING])


def _design(notes: np.ndarray, track: int) -> tuple[np.ndarray, np.ndarray]:
    """(features, velocity less the bar's mean) of one song's track, over bars with 2+ of its notes."""
    own = notes[(notes[:, TRACK] == MELODY) == (track == MELODY)]
    if not len(own):
        return np.zeros((0, STEPS_PER_BAR + 2)), np.zeros(0)
    n_bars = int(own[:, START].max()) // STEPS_PER_BAR + 1
    level, count = _bar_means(own, n_bars)
    bar = own[:, START] // STEPS_PER_BAR
    keep = count[bar] > 1
    return _features(own)[keep], (own[:, VELOCITY] - level[bar])[keep]
