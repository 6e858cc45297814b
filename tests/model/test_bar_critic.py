"""The bar critic: a bar's features, the logistic fit, its file, and the figure choice it steers."""

import json

import numpy as np
import pytest

from bgm_studio.controls.music_controls import Controls
from bgm_studio.errors import BgmError
from bgm_studio.model.bar_critic import FEATURE_NAMES, BarCritic, bar_features, fit_critic, piece_bar_features
from bgm_studio.model.checkpoint import load_model
from bgm_studio.model.denoiser import MODEL_PITCH_LOW, MODEL_PITCHES
from bgm_studio.model.pipeline import SampleConfig, ScorePipeline
from bgm_studio.model.texture import TextureLibrary
from bgm_studio.music.pianoroll import PianoRoll, roll_to_note_array
from bgm_studio.music.pop909 import load_split

from tests.model.test_texture import controls


def feature(values: np.ndarray, name: str) -> float:
    return float(values[FEATURE_NAMES.index(name)])


def test_a_bar_of_bass_quarters_under_a_held_chord_reads_as_such():
    """C2 on every beat, a quarter each, and a C-E-G chord struck on the downbeat held the whole
    bar, one note held in from the bar before, the melody at E5."""
    steps = np.array([0, 4, 8, 12, 0, 0, 0])
    pitches = np.array([36, 36, 36, 36, 60, 64, 67])
    lengths = np.array([4, 4, 4, 4, 16, 16, 20])
    x = bar_features(steps, pitches, lengths, np.array([72]), np.array([76]))
    assert len(x) == len(FEATURE_NAMES)
    assert feature(x, "notes") == 7 and feature(x, "onset steps") == 4
    assert feature(x, "bass notes") == 4 and feature(x, "pitch classes") == 3
    assert feature(x, "bass quarters on a beat") == pytest.approx(4 / 7)
    assert feature(x, "beat apart") == 1.0 and feature(x, "16th apart") == 0.0
    assert feature(x, "held in") == 1 and feature(x, "ringing out") == pytest.approx(1 / 7)
    assert feature(x, "ending on a beat") == 1.0 and feature(x, "on odd 16ths") == 0.0
    assert feature(x, "bass sounding on the downbeat") == 1.0 and feature(x, "silent steps") == 0.0
    assert feature(x, "melody over mean pitch") == pytest.approx(76 - pitches.mean())
    assert feature(x, "onsets at step 0") == pytest.approx(4 / 7)


def test_a_pieces_bars_count_the_notes_held_into_them():
    notes = np.array(
        [
            [0, 48, 24, 80, 1],  # rings 8 steps into bar 1
            [4, 60, 4, 80, 1],
            [8, 64, 4, 80, 1],
            [16, 62, 4, 80, 1],
            [20, 65, 4, 80, 1],
            [24, 69, 4, 80, 1],
            [16, 74, 8, 90, 0],
            [40, 60, 2, 80, 1],  # bar 2 has one note: too few to read
        ]
    )
    bars = piece_bar_features(notes)
    assert bars.shape == (2, len(FEATURE_NAMES))
    assert feature(bars[0], "held in") == 0 and feature(bars[1], "held in") == 1
    # bar 1 strikes no bass on its downbeat, but the C3 of bar 0 still sounds there
    assert (
        feature(bars[0], "bass sounding on the downbeat") == 1.0
        and feature(bars[1], "bass sounding on the downbeat") == 1.0
    )
    assert feature(bars[0], "melody over mean pitch") == 12.0  # no melody in bar 0
    assert feature(bars[1], "melody over mean pitch") == pytest.approx(74 - (62 + 65 + 69) / 3)


def test_the_fit_tells_two_kinds_of_bars_apart_and_survives_its_file(tmp_path):
    rng = np.random.default_rng(0)
    real = rng.normal(0.0, 1.0, (400, len(FEATURE_NAMES)))
    ours = rng.normal(0.0, 1.0, (300, len(FEATURE_NAMES)))
    odd = FEATURE_NAMES.index("on odd 16ths")
    real[:, odd] += 1.5  # POP909's bars strike more odd 16ths
    critic = fit_critic(real, ours)
    calls = np.array([critic.log_odds(x) for x in np.r_[real, ours]]) > 0
    assert calls[:400].mean() > 0.7 and calls[400:].mean() < 0.3
    assert np.argmax(np.abs(critic.coef)) == odd and critic.coef[odd] > 0
    critic.save(tmp_path / "critic.json")
    again = BarCritic.load(tmp_path / "critic.json")
    assert again.log_odds(real[0]) == pytest.approx(critic.log_odds(real[0]))


def test_a_missing_damaged_or_other_critic_file_is_one_line(tmp_path):
    with pytest.raises(BgmError, match="train --critic"):
        BarCritic.load(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(BgmError, match="not a bar critic"):
        BarCritic.load(bad)
    other = tmp_path / "other.json"
    data = {"version": 1, "features": ["notes"], "mean": [0], "scale": [1], "coef": [1], "bias": 0}
    other.write_text(json.dumps(data))
    with pytest.raises(BgmError, match="another format"):
        BarCritic.load(other)


def test_the_shipped_critic_reads_pop909s_unseen_bars_as_pop909s():
    """Songs 771-790 are neither the critic's POP909 side (001-770) nor its pieces' (001-200)."""
    critic = BarCritic.load()
    songs = [s for s in load_split("train")[0] if 771 <= int(s.song_id) <= 790]
    odds = np.array([critic.log_odds(x) for s in songs for x in piece_bar_features(s.notes)])
    assert len(odds) > 1000 and (odds > 0).mean() > 0.6


def odd_16ths_chosen(model_path, ctrl: Controls | None = None, **critics) -> float:
    """The share of onsets on odd 16ths the figure choice plays over 32 beats at seeds 3-5 (a pipeline
    given these critics, or none), under these controls (None: one shot, 12 onsets a bar)."""
    model, lib = load_model(model_path)[0], TextureLibrary.load()
    ctrl = controls(32, density=12.0) if ctrl is None else ctrl
    melody = PianoRoll.empty(32 * 4, MODEL_PITCH_LOW, MODEL_PITCHES)
    pipe = ScorePipeline(model, SampleConfig(steps=2), lib, **critics)
    notes = [roll_to_note_array(pipe.inpaint(melody, ctrl, 0, 32, seed=s, hold_melody=True)) for s in (3, 4, 5)]
    return float(np.mean([np.mean(n[:, 0] % 2 == 1) for n in notes]))


def test_a_critic_steers_the_figures_toward_the_bars_it_favours(tiny_model_path):
    """A critic that likes only odd 16ths makes the chosen figures strike more of them."""
    coef = np.zeros(len(FEATURE_NAMES))
    coef[FEATURE_NAMES.index("on odd 16ths")] = 10.0
    liking = BarCritic(np.zeros(len(FEATURE_NAMES)), np.ones(len(FEATURE_NAMES)), coef, 0.0)
    # seeds 3-5: 0.23 against 0.09
    assert odd_16ths_chosen(tiny_model_path, critic=liking) > odd_16ths_chosen(tiny_model_path) + 0.1


@pytest.mark.parametrize("flag, name", [("--critic", "critic.json"), ("--roll-critic", "roll_critic.pt")])
def test_fitting_a_critic_over_a_file_of_the_pop909_folder_is_refused_before_any_work(tmp_path, capsys, flag, name):
    from bgm_studio.cli import main

    pop909 = tmp_path / "pop909"
    pop909.mkdir()
    kept = pop909 / name
    kept.write_text("someone's file")
    assert main(["train", flag, "--pop909", str(pop909), "--out", str(pop909)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and name in err[0]
    assert kept.read_text() == "someone's file" and [p.name for p in pop909.iterdir()] == [name]
