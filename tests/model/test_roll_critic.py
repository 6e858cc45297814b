"""The roll critic: a bar's roll, drawn alike for training and for candidates, its fit, its file, the
shipped weights and the figure choice it steers."""

import numpy as np
import pytest
import torch

from bgm_studio.errors import BgmError
from bgm_studio.model.checkpoint import load_roll_critic, save_roll_critic
from bgm_studio.model.denoiser import MODEL_PITCH_LOW, MODEL_PITCHES
from bgm_studio.model.roll_critic import ROLL_KEYS, RollCritic, candidate_rolls, piece_bar_rolls
from bgm_studio.model.roll_critic_train import RollCriticTraining, fit_roll_critic
from bgm_studio.music.pop909 import load_split

from tests.model.test_bar_critic import odd_16ths_chosen
from tests.model.test_texture import controls

NOTES = np.array(
    [
        [0, 48, 24, 80, 1],  # C3 rings 8 steps into bar 1
        [4, 60, 4, 80, 1],
        [8, 64, 4, 80, 1],
        [16, 62, 4, 80, 1],
        [21, 65, 3, 80, 1],
        [24, 69, 12, 80, 1],  # rings 4 steps into bar 2
        [14, 74, 6, 90, 0],  # the melody: D5 from bar 0 into bar 1
        [40, 60, 2, 80, 1],  # bar 2 has one note: too few to read
    ]
)


def test_a_pieces_bar_rolls_hold_its_onsets_sounding_notes_and_melody():
    rolls = piece_bar_rolls(NOTES)
    assert rolls.shape == (2, 3, 16, ROLL_KEYS)
    bar1 = rolls[1]
    assert {(int(s), int(k) + MODEL_PITCH_LOW) for s, k in zip(*np.nonzero(bar1[0]))} == {(0, 62), (5, 65), (8, 69)}
    assert bar1[1, :8, 48 - MODEL_PITCH_LOW].all() and not bar1[1, 8:, 48 - MODEL_PITCH_LOW].any()  # held in
    assert bar1[1, 8:, 69 - MODEL_PITCH_LOW].all()  # rings on past the bar line: the bar keeps its part
    assert bar1[2, :4, 74 - MODEL_PITCH_LOW].all() and bar1[2].sum() == 4


def test_a_candidate_is_drawn_into_its_bar_as_a_pieces_bar_is():
    """What the critic is asked of a candidate in the figure choice is what it learnt from a piece:
    bar 1 of NOTES drawn from the working roll of bar 0 and its own notes."""
    held = np.zeros((16, MODEL_PITCHES), bool)
    held[:8, 48 - MODEL_PITCH_LOW] = True
    melody = np.zeros((16, MODEL_PITCHES), bool)
    melody[:4, 74 - MODEL_PITCH_LOW] = True
    bar1 = [(16, 62 - MODEL_PITCH_LOW, 4), (21, 65 - MODEL_PITCH_LOW, 3), (24, 69 - MODEL_PITCH_LOW, 12)]
    rolls = candidate_rolls(np.zeros_like(held), held, melody, 16, [bar1, bar1[:1]])
    assert np.array_equal(rolls[0], piece_bar_rolls(NOTES)[1])
    assert rolls[1, 0].sum() == 1


def test_a_candidate_after_a_cut_is_drawn_with_the_bars_part_before_it():
    """Bar 1 of NOTES split at step 5 (20 of the piece): the part after the cut, drawn over the part
    before it, is the whole bar as a piece's."""
    struck = np.zeros((16, MODEL_PITCHES), bool)
    struck[0, 62 - MODEL_PITCH_LOW] = True
    sounding = struck.copy()
    sounding[:8, 48 - MODEL_PITCH_LOW] = True
    sounding[:4, 62 - MODEL_PITCH_LOW] = True
    melody = np.zeros((16, MODEL_PITCHES), bool)
    melody[:4, 74 - MODEL_PITCH_LOW] = True
    after = [(21, 65 - MODEL_PITCH_LOW, 3), (24, 69 - MODEL_PITCH_LOW, 12)]
    assert np.array_equal(candidate_rolls(struck, sounding, melody, 16, [after])[0], piece_bar_rolls(NOTES)[1])


def test_the_fit_tells_two_kinds_of_bars_apart_and_survives_its_file(tmp_path):
    """POP909's side strikes odd 16ths, ours only beats: held-out bars of each are told apart."""
    rng = np.random.default_rng(0)

    def bars(n: int, steps: np.ndarray) -> np.ndarray:
        rolls = np.zeros((n, 3, 16, ROLL_KEYS), np.uint8)
        for roll in rolls:
            for step in rng.choice(steps, 4, replace=False):
                key = rng.integers(20, 60)
                roll[0, step, key] = 1
                roll[1, step : step + 2, key] = 1
        return rolls

    real, ours = bars(600, np.arange(1, 16, 2)), bars(600, np.arange(0, 16, 4))
    critic = fit_roll_critic(real[:500], ours[:500], RollCriticTraining(steps=150, batch=32))
    assert (critic.log_odds(real[500:]) > 0).mean() > 0.9 and (critic.log_odds(ours[500:]) < 0).mean() > 0.9
    save_roll_critic(critic, tmp_path / "roll_critic.pt")
    again = load_roll_critic(tmp_path / "roll_critic.pt")
    assert np.allclose(again.log_odds(real[500:510]), critic.log_odds(real[500:510]), atol=1e-5)


def test_a_missing_or_damaged_roll_critic_is_one_line(tmp_path):
    with pytest.raises(BgmError, match="train --roll-critic"):
        load_roll_critic(tmp_path / "none.pt")
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a zip")
    with pytest.raises(BgmError, match="not a valid roll critic"):
        load_roll_critic(bad)
    other = tmp_path / "other.pt"
    torch.save({"roll_critic_config": {"channels": [4, 4], "hidden": 8}, "state_dict": {}}, other)
    with pytest.raises(BgmError, match="not a valid roll critic"):
        load_roll_critic(other)


def test_the_shipped_critic_reads_pop909s_unseen_bars_as_pop909s_and_prefers_them_to_the_same_bars_on_the_beats():
    """Songs 771-790 are neither its POP909 side (001-770) nor its pieces' (001-200). Each bar's
    notes moved onto the beat before them, a beat long: the on-beat bars ours leant to."""
    critic = load_roll_critic()
    songs = [s for s in load_split("train")[0] if 771 <= int(s.song_id) <= 790]
    real = np.concatenate([piece_bar_rolls(s.notes) for s in songs])
    beats = []
    for song in songs:
        moved = song.notes.copy()
        acc = moved[:, 4] != 0
        moved[acc, 0] -= moved[acc, 0] % 4
        moved[acc, 2] = 4
        beats.append(piece_bar_rolls(moved))
    beats = np.concatenate(beats)
    odds, on_beats = critic.log_odds(real), critic.log_odds(beats)
    assert len(real) > 1000 and (odds > 0).mean() > 0.6
    assert (odds > on_beats).mean() > 0.7


class _Liking(torch.nn.Module):
    """A stand-in network whose log-odds are 10 x the share of a bar's onsets on odd 16ths."""

    def __init__(self) -> None:
        super().__init__()
        self.unused = torch.nn.Parameter(torch.zeros(1))

    def forward(self, rolls: torch.Tensor) -> torch.Tensor:
        onsets = rolls[:, 0].sum(dim=2)
        return 10 * onsets[:, 1::2].sum(dim=1) / onsets.sum(dim=1).clamp(min=1)


def test_a_roll_critic_steers_the_figures_toward_the_bars_it_favours(tiny_model_path):
    liking = RollCritic(_Liking())  # type: ignore[arg-type]
    assert odd_16ths_chosen(tiny_model_path, roll_critic=liking) > odd_16ths_chosen(tiny_model_path) + 0.1


def test_a_roll_critic_steers_the_figures_of_bars_a_cut_splits(tiny_model_path):
    """Every bar split on its third beat by a shot at another pace (figure_shots splits it there):
    the part after the cut, which completes the bar, is chosen with the critic's word, as whole bars
    are. Left unread before, the real footage's split bars read -3.3 to the critic where the whole
    bars read 0.9 (stop 77's code)."""
    ctrl = controls(32, density=12.0)
    ctrl.segment_start[2::4] = True
    ctrl.density[np.arange(32) % 4 >= 2] = 24.0
    liking = RollCritic(_Liking())  # type: ignore[arg-type]
    assert odd_16ths_chosen(tiny_model_path, ctrl, roll_critic=liking) > odd_16ths_chosen(tiny_model_path, ctrl) + 0.1
