"""Dynamics: velocities learned from POP909's players, each bar's mean held at its energy."""

import numpy as np
import pytest

from bgm_studio.errors import BgmError
from bgm_studio.model.dynamics import (
    FIELDS,
    FLOAT_FIELDS,
    DynamicsModel,
    Performer,
    energy_movement,
    perform,
    snap_to_used,
)
from bgm_studio.music.pianoroll import notes_to_roll, roll_to_note_array
from bgm_studio.music.pop909 import load_song, default_root

START, PITCH, LENGTH, VELOCITY, TRACK = range(5)


def _song(n_bars: int, melody_velocity, acc_velocity) -> np.ndarray:
    """A melody of quarter notes over a bass on beat 1 and a chord on beats 1 and 3, per bar."""
    rows = []
    for bar in range(n_bars):
        s = bar * 16
        for k, step in enumerate((0, 4, 8, 12)):
            rows.append((s + step, 72 + 2 * ((k + bar) % 4), 4, melody_velocity(step), 0))
        rows.append((s, 40, 8, acc_velocity(0, 40), 1))
        for step in (0, 8):
            for pitch in (60, 64, 67):
                rows.append((s + step, pitch, 4, acc_velocity(step, pitch), 1))
    return np.array(rows, np.int64)


def _player(**kw) -> Performer:
    """A player who plays every note alike, at any velocity, but for the fields given."""
    return Performer(**(dict.fromkeys(FLOAT_FIELDS, 0.0) | kw))


def test_fit_reads_each_songs_melody_over_its_accompaniment_and_its_accents():
    loud_downbeat = _song(24, lambda step: 110 if step == 0 else 96, lambda step, pitch: 70 if pitch < 55 else 80)
    flat = _song(24, lambda step: 90, lambda step, pitch: 88)
    model = DynamicsModel.fit([loud_downbeat, flat])
    assert model.players.shape == (2, FIELDS)
    gaps = model.players[:, 0]
    assert gaps[0] == pytest.approx(99.5 - 78.57, abs=0.1)  # melody mean over accompaniment mean, per bar
    assert gaps[1] == pytest.approx(2.0)
    assert model.position[0, 0] > model.position[0, 4] + 3  # the melody's downbeat is played louder
    flat_player = Performer(*model.players[1])
    assert flat_player.melody_sd == pytest.approx(0.0, abs=1e-6)  # one velocity: no scatter, no accent
    assert flat_player.melody_accent == pytest.approx(0.0, abs=1e-6)
    assert flat_player.chord_sd == pytest.approx(0.0, abs=1e-6)
    assert set(np.flatnonzero(model.used[1])) == {88, 90}  # the velocities the song strikes


def test_a_player_is_drawn_among_the_songs_whose_bars_move_as_the_piece_asks():
    """A still song's bars keep one level, a swinging one's bars alternate 70 / 100: a piece asked to
    hold still draws the still song's player, one asked to swing the other's; asked nothing, either."""
    still = _song(24, lambda step: 90, lambda step, pitch: 80)
    swing = np.concatenate([_song(1, lambda step, v=v: v + 6, lambda step, pitch, v=v: v) for v in [70, 100] * 12])
    swing[:, START] += np.repeat(np.arange(24) * 16, len(swing) // 24)
    model = DynamicsModel.fit([still, swing])
    assert model.movement[0] == pytest.approx(0.0, abs=1e-6)
    assert model.movement[1] == pytest.approx(30.0)  # every bar's mean 30 from the one before

    def gaps(movement: float | None) -> set[float]:
        return {model.draw_performer(np.random.default_rng(s), movement).melody_gap for s in range(20)}

    assert gaps(0.5) == {model.players[0, 0]} and gaps(28.0) == {model.players[1, 0]}
    assert gaps(None) == set(model.players[:, 0])
    assert energy_movement(np.repeat([0.5, 0.7, 0.0, 0.5], 4)) == pytest.approx(25.4)  # a bar asked none is left out
    assert energy_movement(np.full(4, 0.5)) is None  # one bar does not move


def test_fit_needs_a_song_with_enough_notes():
    with pytest.raises(BgmError, match="no song"):
        DynamicsModel.fit([_song(2, lambda s: 90, lambda s, p: 80)])


def _roll_and_energy(n_bars: int = 8):
    notes = _song(n_bars, lambda s: 64, lambda s, p: 64)
    roll = notes_to_roll(notes, n_bars * 16)
    energy = np.repeat(np.linspace(0.4, 0.9, n_bars), 4)
    return roll, energy


def test_each_bar_keeps_the_energy_asked_with_the_melody_over_the_accompaniment():
    roll, energy = _roll_and_energy()
    model = DynamicsModel.load()
    player = _player(melody_gap=12.0, melody_accent=1.0, accent=1.0, melody_sd=6.0, onset_sd=3.0, chord_sd=5.0)
    played = roll_to_note_array(perform(roll, energy, 0, roll.n_steps, model, player, np.random.default_rng(0)))
    bar = played[:, START] // 16
    gaps = []
    for b in range(8):
        here = played[bar == b]
        assert here[:, VELOCITY].mean() == pytest.approx(127 * energy[4 * b], abs=0.6)  # rounding only
        melody = here[:, TRACK] == 0
        gaps.append(here[melody, VELOCITY].mean() - here[~melody, VELOCITY].mean())
        assert len(np.unique(here[~melody, VELOCITY])) > 3  # a chord's notes are not struck alike
    assert np.mean(gaps) == pytest.approx(12.0, abs=3.0)  # each bar's scatter leaves about 4 either way


def test_only_notes_struck_in_the_span_are_played_again():
    roll, energy = _roll_and_energy()
    roll.velocity[roll.onset] = 50
    model = DynamicsModel.load()
    player = _player(melody_gap=10.0, accent=1.0, melody_sd=4.0, onset_sd=3.0, chord_sd=5.0)
    a, b = 20, 72  # from beat 2 of bar 1 to the middle of bar 4
    out = perform(roll, energy, a, b, model, player, np.random.default_rng(1))
    changed = np.argwhere(out.velocity != roll.velocity)
    assert len(changed) and changed[:, 1].min() >= a and changed[:, 1].max() < b
    again = perform(roll, energy, a, b, model, player, np.random.default_rng(1))
    assert np.array_equal(out.velocity, again.velocity)


def test_a_damaged_table_is_one_clear_error(tmp_path):
    bad = tmp_path / "dynamics.json"
    bad.write_text('{"version": 4, "position": [[0]]}')
    with pytest.raises(BgmError, match="cannot read dynamics model"):
        DynamicsModel.load(bad)
    model = DynamicsModel.load()
    model.save(tmp_path / "copy.json")
    copy = DynamicsModel.load(tmp_path / "copy.json")
    assert np.allclose(copy.players, model.players, atol=0.01) and copy.bass == pytest.approx(model.bass, abs=1e-3)


def test_a_pop909_song_played_by_the_shipped_players_varies_as_real_songs_do():
    """Song 001 with its velocities flattened, then played at its own bar energies by drawn players:
    its bars keep their energy, and its notes vary within a bar as much as POP909's (a velocity
    from the energy alone gave one velocity per beat and track)."""
    song = load_song(default_root() / "001")
    notes = song.notes.astype(np.int64)
    n_bars = song.n_steps // 16
    bar = notes[:, START] // 16
    energy = np.repeat(np.bincount(bar, notes[:, VELOCITY], n_bars) / np.maximum(np.bincount(bar, None, n_bars), 1), 4)
    roll = notes_to_roll(notes, song.n_steps)
    model = DynamicsModel.load()
    spreads = []
    for seed in range(12):
        player = model.draw_performer(np.random.default_rng(seed))
        out = roll_to_note_array(
            perform(roll, energy / 127, 0, roll.n_steps, model, player, np.random.default_rng(seed))
        )
        out_bar = out[:, START] // 16
        means = np.bincount(out_bar, out[:, VELOCITY], n_bars) / np.maximum(np.bincount(out_bar, None, n_bars), 1)
        sounding = np.bincount(out_bar, None, n_bars) > 0
        assert np.corrcoef(means[sounding], energy[::4][sounding])[0, 1] > 0.9
        acc = out[out[:, TRACK] != 0]
        spreads.append(np.mean([acc[acc[:, START] // 16 == b, VELOCITY].std() for b in np.unique(acc[:, START] // 16)]))
    assert 3.0 < np.median(spreads) < 16.0  # POP909's accompaniment: 5-20 within 8 bars (5th-95th percentile)


def test_the_shipped_players_of_a_still_piece_scatter_less_than_those_of_a_swinging_one():
    """In POP909 a song whose bars hold one level plays its notes close together: a piece asked one
    energy throughout draws such players, one whose bars swing by 13 velocity draws wide ones."""
    model = DynamicsModel.load()

    def scatter(energy: np.ndarray) -> float:
        players = [model.draw_performer(np.random.default_rng(s), energy_movement(energy)) for s in range(40)]
        return float(np.median([p.onset_sd + p.chord_sd for p in players]))

    still, swinging = np.full(64, 0.6), np.repeat(np.tile([0.55, 0.65], 8), 4)
    assert scatter(still) + 6.0 < scatter(swinging)


def test_a_players_velocities_keep_to_those_its_song_strikes():
    """Many POP909 songs strike only some velocities within their range (a keyboard's steps: song
    790 plays 74, 77, 80, 81, 83, ... 105), so a window of theirs holds fewer distinct ones than a
    scatter rounded to every integer gives. Within the song's range a velocity moves to the
    nearest it struck; outside it, it stays."""
    assert snap_to_used(np.array([1, 61, 62, 66, 70, 127]), (60, 63, 64, 68)).tolist() == [1, 60, 63, 64, 70, 127]
    assert snap_to_used(np.array([61, 62]), ()).tolist() == [61, 62]
    roll, energy = _roll_and_energy()
    steps = (70, 75, 80, 85, 90, 95, 100, 105, 110, 115, 120)
    player = _player(melody_gap=12.0, chord_sd=6.0, onset_sd=4.0, melody_sd=5.0, velocities=steps)
    out = roll_to_note_array(
        perform(roll, energy * 0.9 + 0.1, 0, roll.n_steps, DynamicsModel.load(), player, np.random.default_rng(0))
    )
    inside = (out[:, VELOCITY] >= 70) & (out[:, VELOCITY] <= 120)
    assert inside.mean() > 0.5 and set(out[inside, VELOCITY]) <= set(steps)
