"""The melody model: tokens, conditions, sampling under hard limits, training and resume."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from bgm_studio.controls.music_controls import Controls
from bgm_studio.errors import BgmError
from bgm_studio.model.checkpoint import load_melody
from bgm_studio.model.melody import (
    DWELL_WEIGHT,
    MelodyConfig,
    MelodyModel,
    MelodySampling,
    _draw,
    pitch_dwell,
    sample_melody,
)
from bgm_studio.model.melody_data import (
    COND_DIM,
    HOLD,
    REST,
    VOCAB,
    MelodyPlan,
    articulation,
    bar_onset_counts,
    lookback_tokens,
    melody_tokens,
    phrase_level,
    pitch_token,
    song_plan,
    step_conditions,
    sung_onsets,
    syncopation,
    tonic_shift,
    token_pitch,
)
from bgm_studio.model.melody_train import DEBUG_MELODY_CONFIG, MelodyCorpus, MelodyTrainConfig, train_melody
from bgm_studio.model.melody_writer import (
    MelodyPlanConfig,
    MelodyWriter,
    _returning_steps,
    melody_busyness,
    melody_lift,
    melody_repetition,
    melody_style,
)
from bgm_studio.model.denoiser import MODEL_PITCH_LOW, MODEL_PITCHES
from bgm_studio.music.notes import MELODY
from bgm_studio.music.pianoroll import PianoRoll, roll_to_note_array
from bgm_studio.music.pop909 import default_root, load_song
from bgm_studio.music.structure import Phrase, song_phrases


def test_tokens_hold_the_top_note_until_the_next_onset():
    notes = np.array(
        [
            [0, 60, 4, 80, MELODY],
            [0, 64, 2, 80, MELODY],
            [4, 67, 8, 80, MELODY],
            [8, 69, 2, 80, MELODY],
            [2, 40, 8, 80, 1],
        ]
    )
    tok = melody_tokens(notes, 16, shift=0)
    assert tok[0] == pitch_token(64) and tok[1] == HOLD and tok[2] == REST and tok[3] == REST
    assert tok[4] == pitch_token(67) and list(tok[5:8]) == [HOLD] * 3  # cut by the next onset
    assert tok[8] == pitch_token(69) and tok[9] == HOLD and tok[10] == REST
    assert token_pitch(pitch_token(64)) == 64 and token_pitch(pitch_token(100)) == 88  # folded by octaves


def test_tonic_shift_takes_the_shorter_way_to_c():
    assert [tonic_shift(t) for t in (0, 2, 5, 6, 7, 11)] == [0, -2, -5, -6, 5, 1]


def plan(n_bars: int = 4) -> MelodyPlan:
    beats = n_bars * 4
    pcs = np.zeros((beats, 12), bool)
    pcs[:, [0, 4, 7]] = True
    return MelodyPlan(
        np.zeros(beats, int),
        pcs,
        [Phrase("A", 0, 2), Phrase("A", 2, 2)],
        np.zeros(beats),
        np.full(n_bars, 4.0),
        np.full(n_bars, 72.0),
        0.4,
        0.1,
    )


def cadence_plan(phrases: list[Phrase], articulation: float, syncopation: float = 0.15) -> MelodyPlan:
    """8 bars of I-IV-V-I (a chord a bar) asking 5 melody onsets a bar around C5."""
    roots = np.repeat([0, 5, 7, 0] * 2, 4)
    pcs = np.zeros((32, 12), bool)
    for b, r in enumerate(roots):
        pcs[b, [(r + i) % 12 for i in (0, 4, 7)]] = True
    return MelodyPlan(roots, pcs, phrases, np.zeros(32), np.full(8, 5.0), np.full(8, 72.0), articulation, syncopation)


def test_conditions_say_where_a_step_lies_in_its_phrase():
    cond = step_conditions(plan())
    assert cond.shape == (64, COND_DIM)
    assert np.all(cond[:, -2] == np.float32(0.4))  # the piece's articulation, on every step
    assert np.all(cond[:, -1] == np.float32(0.1))  # its syncopation
    assert cond[17, 1] == 1 and cond[17].sum() > 5  # step 1 of bar 1
    returns = 16 + 13 + 12 + 1 + 8 + 4 + 1  # the 'returns' flag of the phrase features
    assert cond[:32, returns].max() == 0 and cond[32:, returns].min() == 1  # the second A returns


def test_each_step_reads_the_tokens_at_its_place_one_two_and_four_bars_back_silence_before_the_start():
    tokens = np.arange(5 * 16) % 40 + 2
    back = lookback_tokens(tokens)
    assert back.shape == (80, 3)
    assert (back[:16] == REST).all() and (back[16:32, 1:] == REST).all() and (back[:64, 2] == REST).all()
    assert np.array_equal(back[16:, 0], tokens[:-16]) and np.array_equal(back[32:, 1], tokens[:-32])
    assert np.array_equal(back[64:, 2], tokens[:16])


def test_conditions_say_whether_the_chord_one_two_and_four_bars_back_was_this_steps():
    """Chords C, F, C, F, C, F, C, G a bar: the bar 2 and the bar 4 back hold the same chord but in the
    last bar, the bar before never; nothing is read before the start."""
    p = cadence_plan([Phrase("A", 0, 8)], 0.3)
    roots = np.repeat([0, 5, 0, 5, 0, 5, 0, 7], 4)
    pcs = np.zeros((32, 12), bool)
    for b, r in enumerate(roots):
        pcs[b, [(r + i) % 12 for i in (0, 4, 7)]] = True
    cond = step_conditions(replace(p, chord_root=roots, chord_pcs=pcs))
    same = cond[::16, COND_DIM - 7 : COND_DIM - 4]  # one row a bar: the bar 1, 2 and 4 back
    assert same[:, 0].tolist() == [0] * 8
    assert same[:, 1].tolist() == [0, 0, 1, 1, 1, 1, 1, 0]
    assert same[:, 2].tolist() == [0, 0, 0, 0, 1, 1, 1, 0]


class EchoModel(torch.nn.Module):
    """Strikes, at every step, the token the step's place held one bar back (a new note where that held none)."""

    def __init__(self) -> None:
        super().__init__()
        self.unused = torch.nn.Parameter(torch.zeros(1))

    def forward(self, prev, back, cond, state):
        logits = torch.full((1, prev.shape[1], VOCAB), -20.0)
        echo = torch.where(back[0, :, 0] >= 2, back[0, :, 0], torch.tensor(pitch_token(60)))
        logits[0, torch.arange(prev.shape[1]), echo] = 0.0
        return logits, state


def test_sampling_hands_the_model_the_tokens_bars_back_kept_and_written():
    """Bar 0 kept, bars 1-3 written by a model that plays the bar before again: each is bar 0's."""
    fixed = np.full(64, -1)
    fixed[:16] = [pitch_token(60 + i % 7) for i in range(16)]
    out = sample_melody(
        EchoModel(), np.zeros((64, COND_DIM), np.float32), MelodySampling(dwell_cap=1.0), torch.Generator(), fixed=fixed
    )
    assert np.array_equal(out[16:32], fixed[:16]) and np.array_equal(out[48:64], fixed[:16])


def test_training_windows_read_the_tokens_bars_back_from_before_their_start_within_their_song():
    songs = [load_song(default_root() / f"{i:03d}") for i in (1, 2)]
    corpus = MelodyCorpus.build(songs)
    second = corpus.song_bars[1][0] * 16
    assert np.array_equal(corpus.back[second:], lookback_tokens(corpus.tokens[second:]))  # not song 1's tail
    assert np.array_equal(corpus.back[:second], lookback_tokens(corpus.tokens[:second]))
    tokens = np.arange(8 * 16) + 2
    made = MelodyCorpus(
        np.zeros((128, COND_DIM), np.float32), tokens, lookback_tokens(tokens), [(0, 8)], np.zeros((1, 3))
    )
    prev, back, cond, target = made.batch(np.random.default_rng(0), 6, 2)
    assert back.shape == (6, 32, 3) and cond.shape == (6, 32, COND_DIM)
    starts = target[:, 0].numpy() - 2
    assert (starts > 0).any()  # some windows start after the first bar
    for s, b in zip(starts, back.numpy()):
        assert np.array_equal(b, lookback_tokens(tokens)[s : s + 32])


def test_sampling_keeps_fixed_tokens_copies_returns_and_obeys_the_limits():
    torch.manual_seed(0)
    model = MelodyModel(MelodyConfig(embed=8, cond_hidden=8, hidden=16, layers=1))
    cond = step_conditions(plan())
    allowed = np.ones((64, model.cfg.vocab), bool)
    allowed[:, 2 + 30 :] = False  # nothing above MELODY_LOW + 29
    fixed = np.full(64, -1)
    fixed[:4] = [pitch_token(60), HOLD, REST, pitch_token(62)]
    source = np.full(64, -1)
    source[40:48] = np.arange(8, 16)
    out = sample_melody(
        model,
        cond,
        MelodySampling(temperature=1.5, top_p=1.0),
        torch.Generator().manual_seed(1),
        allowed,
        fixed,
        source,
    )
    assert list(out[:4]) == list(fixed[:4])
    assert np.array_equal(out[40:48], out[8:16])
    assert out.max() < 2 + 30 and (out >= 0).all()
    assert not any(b == HOLD and a == REST for a, b in zip(out[:-1], out[1:]))  # nothing held after a rest


def test_a_bar_taking_up_an_earlier_bars_rhythm_plays_its_onset_places_with_pitches_of_its_own():
    """Bar 2 takes bar 0's rhythm (the model draws its pitches); bar 3 would take bar 1's, which
    was kept silent, so it is written freely."""
    torch.manual_seed(0)
    model = MelodyModel(MelodyConfig(embed=8, cond_hidden=8, hidden=16, layers=1))
    fixed = np.full(64, -1)
    fixed[16:32] = REST
    rhythm = np.full(64, -1)
    rhythm[32:64] = np.arange(0, 32)
    outs = [
        sample_melody(
            model,
            step_conditions(plan()),
            MelodySampling(temperature=2.0, top_p=1.0),
            torch.Generator().manual_seed(seed),
            fixed=fixed,
            rhythm=rhythm,
        )
        for seed in range(6)
    ]
    for out in outs:
        kinds = np.minimum(out, 2)
        assert np.array_equal(kinds[32:48], kinds[0:16]) and (out[0:16] >= 2).any()
        assert not any(b == HOLD and a == REST for a, b in zip(out[:-1], out[1:]))
    assert any(not np.array_equal(o[32:48], o[0:16]) for o in outs)  # the pitches are drawn anew
    assert any((o[48:64] >= 2).any() for o in outs)  # the bar after a silent one is free


def test_a_new_note_spread_over_many_pitches_is_drawn_at_its_full_odds():
    """An off-beat 16th: hold 85%, a new note 15% spread thinly over 30 pitches. A nucleus over all
    tokens kept hold and a few pitches and drew new notes about half as often as the model says."""
    probs = torch.zeros(2 + 40)
    probs[HOLD] = 0.85
    probs[2:32] = 0.15 / 30
    logits = torch.log(probs.clamp_min(1e-12))
    gen = torch.Generator().manual_seed(0)
    sampling = MelodySampling(top_p=0.92, kind_temperature=1.0)
    draws = [_draw(logits.clone(), pitch_token(60), None, sampling, gen) for _ in range(3000)]
    onsets = np.mean([d >= 2 for d in draws])
    assert 0.13 < onsets < 0.17
    assert all(d == HOLD or 2 <= d < 32 for d in draws)


def test_the_kind_temperature_sharpens_rest_hold_or_note_and_leaves_the_pitch_odds():
    """After a note, hold 70%, rest 20%, a new note 10% (C4 or D4 alike): at kind temperature 0.5
    the odds go as their squares (0.907 / 0.074 / 0.019), and the pitches stay even."""
    probs = torch.zeros(2 + 40)
    probs[HOLD], probs[REST] = 0.7, 0.2
    probs[pitch_token(60)] = probs[pitch_token(62)] = 0.05
    logits = torch.log(probs.clamp_min(1e-12))
    gen = torch.Generator().manual_seed(0)
    sampling = MelodySampling(top_p=1.0, kind_temperature=0.5)
    draws = np.array([_draw(logits.clone(), pitch_token(60), None, sampling, gen) for _ in range(4000)])
    assert abs((draws == HOLD).mean() - 0.907) < 0.015 and abs((draws == REST).mean() - 0.074) < 0.012
    notes = draws[draws >= 2]
    assert set(notes.tolist()) == {pitch_token(60), pitch_token(62)}
    assert 0.35 < (notes == pitch_token(60)).mean() < 0.65


def test_training_a_few_steps_then_resuming_goes_on_from_the_saved_step(tmp_path):
    first = train_melody(DEBUG_MELODY_CONFIG, str(tmp_path))
    state = torch.load(tmp_path / "melody-state.pt", weights_only=True)  # plain data only: loads safely
    assert state["step"] == DEBUG_MELODY_CONFIG.steps and len(state["log"]) == 2
    longer = MelodyTrainConfig(**{**DEBUG_MELODY_CONFIG.__dict__, "steps": DEBUG_MELODY_CONFIG.steps + 3})
    train_melody(longer, str(tmp_path), resume=str(tmp_path / "melody-state.pt"))
    state = torch.load(tmp_path / "melody-state.pt", weights_only=True)
    assert state["step"] == longer.steps and [e["step"] for e in state["log"]] == [3, 6, 9]
    trained = load_melody(first)
    songs = [load_song(default_root() / f"{i:03d}") for i in range(1, 5)]  # the debug run's 4 songs
    styles = MelodyCorpus.build(songs).styles
    kept = trained.styles.numpy()
    assert kept[0] == pytest.approx(styles[styles[:, 2].argmin()]) and kept[-1] == pytest.approx(
        styles[styles[:, 2].argmax()]
    )  # the songs' own, kept in the checkpoint, by onsets a sung bar


def test_resuming_another_architecture_is_one_line(tmp_path):
    train_melody(DEBUG_MELODY_CONFIG, str(tmp_path))
    other = MelodyTrainConfig(**{**DEBUG_MELODY_CONFIG.__dict__, "model": MelodyConfig(hidden=24, layers=1)})
    with pytest.raises(BgmError, match="cannot resume") as err:
        train_melody(other, str(tmp_path / "b"), resume=str(tmp_path / "melody-state.pt"))
    assert "\n" not in str(err.value)


def test_a_damaged_melody_checkpoint_is_one_line(tmp_path):
    bad = tmp_path / "m.pt"
    bad.write_bytes(b"")
    with pytest.raises(BgmError, match="not a valid melody checkpoint"):
        load_melody(bad)


def test_the_shipped_melody_model_writes_a_melody_that_moves():
    """Sampled on a plain I-IV-V-I plan asking 5 onsets a bar: the line moves (few repeats, several
    pitches), keeps the onsets asked (each piece within a quarter, the four within a tenth: the model
    is told a phrase's level, not each bar's count), and rests now and then (seeds 0-3)."""
    model = load_melody()
    n_bars = 8
    p = cadence_plan([Phrase("A", 0, 4), Phrase("B", 4, 4)], 0.4)
    rests, per_bar = [], []
    for seed in range(4):
        out = sample_melody(model, step_conditions(p), MelodySampling(), torch.Generator().manual_seed(seed))
        pitches = np.array([token_pitch(t) for t in out if t >= 2])
        per_bar.append(len(pitches) / n_bars)
        assert abs(per_bar[-1] / 5 - 1) <= 0.25
        assert np.mean(np.diff(pitches) == 0) <= 0.4 and len(set(pitches)) >= 5
        rests.append((out == REST).mean())
    assert abs(np.mean(per_bar) / 5 - 1) <= 0.1
    assert np.mean(rests) >= 0.05


def test_the_shipped_model_plays_the_bar_four_before_again_now_and_then_over_the_same_chords():
    """One 8-bar phrase of I-IV-V-I twice: bars 4-7 strike 0.23 of their notes (place and pitch) as bars
    0-3 did (seeds 0-7), where the model that read only the token before struck 0.07 (POP909's
    melodies, bars 4 apart over the same chords: 0.42); no seed plays the bars through again."""
    model = load_melody()
    p = cadence_plan([Phrase("A", 0, 8)], 0.3)
    shares = []
    for seed in range(8):
        out = sample_melody(model, step_conditions(p), MelodySampling(), torch.Generator().manual_seed(seed))
        onsets = out[64:] >= 2
        shares.append(((out[64:] == out[:64]) & onsets).sum() / max(onsets.sum(), 1))
    assert np.mean(shares) >= 0.15 and max(shares) < 0.9


def test_a_returning_phrase_whose_chords_run_a_beat_early_copies_the_melody_from_a_beat_on():
    p = replace(
        plan(8),
        chord_root=np.concatenate([np.repeat([0, 5, 7, 9], 4), np.roll(np.repeat([0, 5, 7, 9], 4), -1)]),
        phrases=[Phrase("A", 0, 4), Phrase("A", 4, 4)],
    )
    every_bar = MelodyPlanConfig(keep_at_once=(1.0, 0.0))
    source, rhythm = _returning_steps(p.phrases, p, every_bar, np.random.default_rng(0))
    assert source[64:112].tolist() == list(range(4, 52))  # bars 4-6 from a beat into bars 0-2
    assert (source[112:] == -1).all() and (rhythm == -1).all()  # the last bar is written anew


def test_a_phrase_repeated_at_once_keeps_its_bars_at_pop909s_odds_and_the_rhythm_of_the_others():
    """Copied whole but for the last bar, a single shot's repeated phrases made 8-bar loops: a bar
    repeated at once is kept note for note at the odds POP909's are, else takes up its source's
    rhythm; a phrase back after other music is kept but its last bar."""
    bars = 24
    p = replace(plan(bars), phrases=[Phrase("A", 0, 8), Phrase("A", 8, 8), Phrase("B", 16, 4), Phrase("A", 20, 4)])
    config = MelodyPlanConfig()
    kept = np.zeros(8)
    for seed in range(400):
        source, rhythm = _returning_steps(p.phrases, p, config, np.random.default_rng(seed))
        at_once, later = slice(128, 256), slice(320, 384)
        copied = (source[at_once] >= 0).reshape(8, 16).all(axis=1)
        rhythm_only = (rhythm[at_once] >= 0).reshape(8, 16).all(axis=1)
        assert (copied[:7] ^ rhythm_only[:7]).all() and not rhythm_only[7]  # the last bar: kept or anew
        taken = np.maximum(source, rhythm)[at_once]
        assert (taken[taken >= 0] == np.flatnonzero(taken >= 0)).all()  # from the bar 8 before
        assert (source[later][:48] == np.arange(48)).all() and (source[later][48:] == -1).all()
        kept += copied
    assert np.abs(kept / 400 - np.array(config.keep_at_once)).max() < 0.08


def test_a_piece_ending_inside_a_returning_phrase_writes_its_own_last_bar_anew():
    """A 60-s single shot planned A10 B8 B8 over 25 bars: the second B ran a bar past the piece, its
    second ending fell outside it, and the piece's final bar came back note for note (8-bar
    self-similarity 0.314, over the 0.29 allowed). The piece's last bar is the phrase's last."""
    p = replace(plan(15), phrases=[Phrase("A", 0, 8), Phrase("A", 8, 8)])
    every_bar = MelodyPlanConfig(keep_at_once=(1.0, 0.0))
    source, rhythm = _returning_steps(p.phrases, p, every_bar, np.random.default_rng(0))
    assert (source[128:224] == np.arange(96)).all()  # bars 8-13 play bars 0-5 again
    assert (source[224:] == -1).all() and (rhythm[224:] == -1).all()  # bar 14, the piece's last: anew


def test_a_pieces_melody_lift_is_drawn_from_its_style_seed_about_as_wide_as_pop909s_singers():
    """POP909's melodies sit 3.8 semitones higher or lower over their music from song to song: the
    lift is normal with that spread, at most 2 sd, and one style seed gives one lift."""
    lifts = np.array([melody_lift(3.8, s) for s in range(3000)])
    assert 3.3 < lifts.std() < 3.8 and abs(lifts.mean()) < 0.2 and np.abs(lifts).max() <= 7.6
    assert melody_lift(3.8, 11) == melody_lift(3.8, 11) and melody_lift(0.0, 11) == 0.0


def test_a_pieces_melody_busyness_is_drawn_from_its_style_seed_as_wide_as_pop909s_singers_shares():
    """POP909's singers take a share of their songs' onsets that spreads log-sd 0.195 from song to
    song: a piece's factor on the share is log-normal, as wide as configured, at most 2 sd, one per
    style seed, and the plan asks its melody for that much more or less."""
    factors = np.log([melody_busyness(0.18, s) for s in range(3000)])
    assert 0.16 < factors.std() < 0.18 and abs(factors.mean()) < 0.01 and np.abs(factors).max() <= 0.36 + 1e-9
    assert melody_busyness(0.18, 11) == melody_busyness(0.18, 11) and melody_busyness(0.0, 11) == 1.0
    writer = MelodyWriter(load_melody())
    ctrl = replace(_c_major_controls(32), density=np.full(32, 16.0))
    busy, sparse = (
        max(range(50), key=lambda s: melody_busyness(0.18, s)),
        min(range(50), key=lambda s: melody_busyness(0.18, s)),
    )
    ratio = writer.plan(ctrl, [], 0, 0.0, busy).bar_onsets / writer.plan(ctrl, [], 0, 0.0, sparse).bar_onsets
    assert np.allclose(ratio, melody_busyness(0.18, busy) / melody_busyness(0.18, sparse)) and ratio[0] > 1.6

    phrases = [Phrase("A", 0, 4), Phrase("B", 4, 4)]

    def sung(style_seed: int) -> int:
        counts = 0
        for seed in range(4):
            roll = PianoRoll.empty(32 * 4, MODEL_PITCH_LOW, MODEL_PITCHES)
            notes = roll_to_note_array(writer.write(roll, ctrl, phrases, 0, 0, 32, seed, None, style_seed))
            counts += int((notes[:, 4] == MELODY).sum())
        return counts

    assert sung(busy) > 1.3 * sung(sparse)


def test_the_writer_lifts_the_whole_melody_by_its_style_seeds_lift():
    """Two spans written with different seeds under one style seed sit at one height; a style seed
    drawing a lift 12 semitones higher writes the melody about that much higher (over seeds 0-3:
    one piece may sit a few semitones off its register, the more where its style also draws a habit
    of striking a pitch again: 8 bars on fewer pitches)."""
    seeds = sorted(range(200), key=lambda s: melody_lift(3.8, s))
    low, high = seeds[5], seeds[-5]
    assert melody_lift(3.8, high) - melody_lift(3.8, low) > 10
    writer = MelodyWriter(load_melody())
    ctrl = _c_major_controls(32)
    assert np.array_equal(writer.plan(ctrl, [], 0, 2.0).register, writer.plan(ctrl, [], 0).register + 2.0)

    phrases = [Phrase("A", 0, 4), Phrase("B", 4, 4)]  # as a piece always has: the model learned from phrases

    def mean_pitch(style_seed: int, seed: int) -> float:
        roll = PianoRoll.empty(32 * 4, MODEL_PITCH_LOW, MODEL_PITCHES)
        notes = roll_to_note_array(writer.write(roll, ctrl, phrases, 0, 0, 32, seed, None, style_seed))
        return float(notes[notes[:, 4] == MELODY, 1].mean())

    lift = melody_lift(3.8, high) - melody_lift(3.8, low)
    heard = np.mean([mean_pitch(high, seed) - mean_pitch(low, seed) for seed in range(4)])
    assert abs(heard - lift) < 3.0
    assert abs(mean_pitch(high, 1) - mean_pitch(high, 2)) < 3.0


def _c_major_controls(n_beats: int) -> Controls:
    """C major on every beat, 16 onsets a bar, mean pitch 62."""
    pcs = np.zeros((n_beats, 12), bool)
    pcs[:, [0, 4, 7]] = True
    z = np.zeros(n_beats)
    seg = np.eye(1, n_beats, 0, dtype=bool)[0]
    return Controls(
        np.full(n_beats, 16.0), np.full(n_beats, 0.6), np.full(n_beats, 62.0), z, seg, pcs, z.astype(np.int64)
    )


def _melody_steps(notes: np.ndarray, n_bars: int) -> tuple[np.ndarray, np.ndarray]:
    """(melody onsets of each bar, each melody note's steps until the next note or rest) of written notes."""
    mel = notes[notes[:, 4] == MELODY]
    starts = np.sort(mel[:, 0])
    ends = np.minimum(mel[np.argsort(mel[:, 0]), 0] + mel[np.argsort(mel[:, 0]), 2], np.append(starts[1:], 10**9))
    return np.bincount(starts // 16, minlength=n_bars), ends - starts


def test_a_single_shots_melody_is_busy_in_some_bars_and_holds_a_note_in_others():
    """A singer's bars hold few or many notes as the words go: within POP909's phrases a bar's onsets
    run 0.32-1.51 of the phrase's mean (10th-90th percentile), and a phrase's last bar is often one held
    note. A single shot asks about the same density everywhere; swung log-normally about it (0.25
    wide), ours sang even bars of quarter notes: in a 79-s shot its bars' onsets strayed 0.25 of their
    mean (POP909's as sparse songs 0.42) and 0.14 of its notes lasted 5-8 sixteenths (POP909's 0.07)."""
    writer = MelodyWriter(load_melody())
    ctrl = replace(_c_major_controls(96), density=np.full(96, 17.0))  # 4.25 melody onsets a bar
    phrases = [Phrase("A", 0, 8), Phrase("B", 8, 8), Phrase("C", 16, 8)]
    spread, middling = [], []
    for seed in range(6):
        roll = PianoRoll.empty(96 * 4, MODEL_PITCH_LOW, MODEL_PITCHES)
        counts, lengths = _melody_steps(roll_to_note_array(writer.write(roll, ctrl, phrases, 0, 0, 96, seed)), 24)
        sung = counts[counts > 0]
        spread.append(sung.std() / sung.mean())
        middling.append(np.mean((lengths >= 5) & (lengths <= 8)))
    assert np.median(spread) > 0.33 and np.mean(middling) < 0.11


def test_articulation_is_the_share_of_notes_a_rest_parts_from_the_next():
    c, d, e = (pitch_token(p) for p in (60, 62, 64))
    tokens = np.array([REST, c, HOLD, REST, d, HOLD, HOLD, e, REST, REST, c, HOLD])
    assert articulation(tokens) == pytest.approx(2 / 3)  # c rests before d, d runs into e, e rests before c
    assert articulation(np.array([c, HOLD, d, e, HOLD])) == 0.0  # legato
    assert articulation(np.array([REST, c, REST])) == 0.0  # one note parts from nothing


def test_syncopation_is_the_share_of_onsets_between_the_eighths():
    c, d = pitch_token(60), pitch_token(62)
    assert syncopation(np.array([c, d, HOLD, d, REST, REST, c, HOLD, c])) == pytest.approx(2 / 5)  # steps 1 and 3
    assert syncopation(np.array([c, HOLD, d, HOLD])) == 0.0
    assert syncopation(np.array([REST, REST])) == 0.0


def test_a_piece_draws_its_style_from_songs_as_busy_as_its_tune():
    """POP909's songs either rest after nearly no note (19% of train songs: under 5%) or part their
    notes (median 39%), and the busier a tune the more it sings between the eighths; the model keeps
    songs' (articulation, syncopation, onsets a sung bar) and a piece draws one song's pair, from
    songs about as busy as its own tune, by its style seed."""
    model = MelodyModel(MelodyConfig(embed=8, cond_hidden=8, hidden=16, layers=1))
    rng = np.random.default_rng(0)
    busy = rng.uniform(2.0, 9.0, 1000)
    parts = np.where(rng.random(1000) < 0.2, 0.01, rng.uniform(0.2, 0.7, 1000))
    model.learn_styles(np.stack([parts, 0.05 * (busy - 2.0), busy], 1))  # syncopation 0 at 2 a bar, 0.35 at 9
    for sung, syncopating in ((3.0, 0.05), (8.0, 0.3)):
        drawn = np.array([melody_style(model, s, sung) for s in range(1000)])
        assert np.mean(drawn[:, 1]) == pytest.approx(syncopating, abs=0.02)
        assert np.std(drawn[:, 1]) < 0.05  # songs within about a tenth of the tune's onsets a bar
        assert 0.1 < (drawn[:, 0] < 0.05).mean() < 0.3 and 0.3 < np.median(drawn[:, 0]) < 0.55
    anyone = np.array([melody_style(model, s, 0.0) for s in range(1000)])
    assert np.std(anyone[:, 1]) > 0.08  # no tune: any song's
    assert melody_style(model, 7, 5.0) == melody_style(model, 7, 5.0)
    loaded = load_melody().styles.numpy()  # POP909 train's, by onsets a sung bar
    assert 0.12 < (loaded[:, 0] < 0.05).mean() < 0.26 and 0.3 < np.median(loaded[:, 0]) < 0.5
    assert 0.1 < np.median(loaded[:, 1]) < 0.2 and np.all(np.diff(loaded[:, 2]) >= 0)
    assert loaded[-50:, 1].mean() > 0.3 > 0.05 > loaded[:50, 1].mean()


def test_a_busy_tune_is_sung_by_a_singer_who_strikes_between_the_eighths_more():
    """The plan draws its singer's style by its seed from songs as busy as the onsets it asks:
    7 a bar (28 onsets asked of the bar) syncopate far more than 3 (12)."""
    writer = MelodyWriter(load_melody())

    def drawn(density: float) -> np.ndarray:
        ctrl = replace(_c_major_controls(32), density=np.full(32, density))
        return np.array([writer.plan(ctrl, [], 0, 0.0, seed).syncopation for seed in range(40)])

    assert drawn(12.0).mean() < 0.1 < 0.25 < drawn(28.0).mean()
    first, again = (writer.plan(_c_major_controls(32), [], 0, 0.0, 3) for _ in range(2))
    assert (first.articulation, first.syncopation) == (again.articulation, again.syncopation)


def test_the_shipped_model_parts_its_notes_as_its_articulation_asks():
    """Asked a legato singer's articulation, the shipped model's line rests after far fewer of its notes
    than asked a parting one's (seeds 0-3, a plain I-IV-V-I plan)."""
    model = load_melody()

    def parted(style: float) -> float:
        p = cadence_plan([Phrase("A", 0, 8)], style)
        outs = [
            sample_melody(model, step_conditions(p), MelodySampling(), torch.Generator().manual_seed(seed))
            for seed in range(4)
        ]
        return float(np.mean([articulation(out) for out in outs]))

    assert parted(0.0) < 0.1 < 0.3 < parted(0.6)


def test_the_shipped_model_strikes_between_the_eighths_as_its_syncopation_asks():
    """Asked a singer who keeps to the eighths, the shipped model's line strikes far fewer onsets on
    the 16ths between them than asked one who sings there (seeds 0-11, a plain I-IV-V-I plan: asked 0 and
    0.5, 0.075 and 0.42 since the model reads the bars before, which it plays again now and then)."""
    model = load_melody()

    def between(style: float) -> float:
        p = cadence_plan([Phrase("A", 0, 8)], 0.3, style)
        outs = [
            sample_melody(model, step_conditions(p), MelodySampling(), torch.Generator().manual_seed(seed))
            for seed in range(12)
        ]
        return float(np.mean([syncopation(out) for out in outs]))

    assert between(0.0) < 0.1 < 0.35 < between(0.5)


def test_the_final_melody_note_is_the_root_of_the_home_chord():
    """It was any tone of the final chord: a piece in Bb closing on D over Bb-F-D was heard by a
    key finder in D minor. 80% of POP909's melodies end on their key's tonic."""
    writer = MelodyWriter(load_melody())
    ctrl = _c_major_controls(32)
    ctrl.chord_root[28:], ctrl.chord_pcs[28:] = 7, np.isin(np.arange(12), [7, 11, 2])  # closing on G
    phrases = [Phrase("A", 0, 4), Phrase("B", 4, 4)]
    struck = []
    for seed in range(12):
        roll = PianoRoll.empty(32 * 4, MODEL_PITCH_LOW, MODEL_PITCHES)
        notes = roll_to_note_array(writer.write(roll, ctrl, phrases, 0, 0, 32, seed, 28))
        struck += notes[(notes[:, 4] == MELODY) & (notes[:, 0] >= 28 * 4)].tolist()
    assert len(struck) >= 3 and all(n[0] == 28 * 4 and n[1] % 12 == 7 for n in struck)


def test_a_returning_phrase_never_copies_its_notes_over_the_close():
    """A returning phrase's kept bars were copied note for note even over the piece's final chord,
    past the limits that close a piece (its root struck on the final chord's first step, nothing
    struck after). Copied in full (every bar kept), the close is still written under them."""
    writer = MelodyWriter(load_melody(), config=MelodyPlanConfig(keep_later=(1.0, 1.0)))
    ctrl = _c_major_controls(32)
    for bar in (3, 7):  # both phrases end on G: the close's chord root is its source's
        ctrl.chord_root[bar * 4 :], ctrl.chord_pcs[bar * 4 :] = 7, np.isin(np.arange(12), [7, 11, 2])
    ctrl.chord_root[16:28], ctrl.chord_pcs[16:28] = ctrl.chord_root[0:12], ctrl.chord_pcs[0:12]
    phrases = [Phrase("A", 0, 4), Phrase("A", 4, 4)]
    for seed in range(6):
        roll = PianoRoll.empty(32 * 4, MODEL_PITCH_LOW, MODEL_PITCHES)
        notes = roll_to_note_array(writer.write(roll, ctrl, phrases, 0, 0, 32, seed, 28))
        late = notes[(notes[:, 4] == MELODY) & (notes[:, 0] >= 28 * 4)]
        assert all(n[0] == 28 * 4 and n[1] % 12 == 7 for n in late.tolist())


def test_each_bar_asks_its_phrases_level_of_onsets_and_the_model_reads_it_unshaped(monkeypatch):
    """A bar asks the mean of its melodic phrase's density share (a bar without melody none), and the
    model reads that level in every bar of the phrase: it spreads the onsets over the bars itself."""
    writer = MelodyWriter(load_melody())
    density = np.repeat([12.0, 20.0, 16.0, 16.0, 8.0, 8.0, 40, 40, 16, 16, 16, 16], 4)
    ctrl = replace(_c_major_controls(48), density=density)
    phrases = [Phrase("A", 0, 4), Phrase("x", 4, 2), Phrase("B", 6, 6)]
    asked = writer.plan(ctrl, phrases, 0).bar_onsets
    assert np.allclose(asked, [4, 4, 4, 4, 0, 0, 6, 6, 6, 6, 6, 6])  # B: 10 is the most one bar asks
    assert np.allclose(phrase_level(np.arange(4.0), []), np.arange(4.0))  # no form: each bar its own
    read = []

    def sample(model, cond, *args):
        read.append(cond[::16, COND_DIM - 4] * 8)  # the onsets column (melody_data.step_conditions)
        return sample_melody(model, cond, *args)

    monkeypatch.setattr("bgm_studio.model.melody_writer.sample_melody", sample)
    writer.write(PianoRoll.empty(48 * 4, MODEL_PITCH_LOW, MODEL_PITCHES), ctrl, phrases, 0, 0, 48, seed=3)
    assert np.allclose(read[0], writer.plan(ctrl, phrases, 0, 0.0, 3).bar_onsets)  # its singer's busyness drawn
    assert np.allclose(read[0][:4], 4 * melody_busyness(MelodyPlanConfig().busyness_sd, 3))


def test_a_songs_plan_asks_each_bar_of_a_melodic_phrase_its_phrases_mean_onsets():
    """What the model learns from is what the writer asks: a phrase's level, not each bar's count."""
    song = load_song(default_root() / "001")
    phrases = song_phrases(song)
    plan, tokens = song_plan(song, phrases)
    counts = bar_onset_counts(tokens)
    for p in phrases:
        bars = slice(max(p.start_bar, 0), p.end_bar)
        if p.has_melody:
            assert np.allclose(plan.bar_onsets[bars], counts[bars].mean())
        else:
            assert np.array_equal(plan.bar_onsets[bars], counts[bars])
    melodic = [p for p in phrases if p.has_melody and np.ptp(counts[max(p.start_bar, 0) : p.end_bar]) > 0]
    assert len(melodic) >= 4  # the song's bars do differ within its phrases
    assert plan.bar_onsets.sum() == pytest.approx(counts.sum())


def test_the_singers_kept_are_keyed_by_onsets_a_sung_bar_as_the_writer_asks_them():
    """A piece draws its singer by its phrases' mean onsets a sung bar (MelodyWriter.plan); keyed by
    the bars' own counts, which run higher where a phrase holds a bar without notes, it drew sparser ones."""
    song = load_song(default_root() / "001")
    plan, tokens = song_plan(song, song_phrases(song))
    keyed = MelodyCorpus.build([song]).styles[0, 2]
    assert keyed == pytest.approx(sung_onsets(plan.bar_onsets))
    assert keyed < sung_onsets(bar_onset_counts(tokens)) - 0.05


def test_a_pitch_past_its_share_of_the_notes_so_far_is_drawn_the_less():
    counts = np.zeros(VOCAB - 2, int)
    counts[[12, 14]] = [3, 1]
    assert pitch_dwell(counts, 1.0) is None  # no cap
    assert pitch_dwell(counts, 0.8) is None  # C4 again would hold 4 of 5 notes: not past 0.8
    dwell = pitch_dwell(counts, 0.5)
    assert dwell is not None and dwell[12] == pytest.approx(np.exp(-DWELL_WEIGHT * (4 / 5 - 0.5)))
    assert (np.delete(dwell.numpy(), 12) == 1.0).all()
    counts[12] = 2
    assert pitch_dwell(counts, 0.5) is None  # a piece's first three notes may sit on one pitch


class FixedOddsModel(torch.nn.Module):
    """Asks a new note at every step, its pitch at fixed odds ({pitch: probability})."""

    def __init__(self, odds: dict[int, float]) -> None:
        super().__init__()
        self.unused = torch.nn.Parameter(torch.zeros(1))
        probs = torch.full((VOCAB,), 1e-9)
        for pitch, p in odds.items():
            probs[pitch_token(pitch)] = p
        self.logits = torch.log(probs)

    def forward(self, prev, back, cond, state):
        return self.logits.expand(1, prev.shape[1], VOCAB), state


def one_pitch_model() -> FixedOddsModel:
    """C4 at 70%, D4 and E4 at 15% each."""
    return FixedOddsModel({60: 0.7, 62: 0.15, 64: 0.15})


def two_octaves_model() -> FixedOddsModel:
    """C4 or C6, alike."""
    return FixedOddsModel({60: 0.5, 84: 0.5})


def test_a_new_note_leaps_an_octave_at_most_unless_the_limits_leave_nothing_nearer():
    """Two octaves apart at the model's odds, the line stays on its first note's side; where the
    hard limits allow only the far pitch (the register moved), the leap goes rather than a rest."""
    cond = np.zeros((32, COND_DIM), np.float32)
    sampling = MelodySampling(dwell_cap=1.0)
    for seed in range(4):
        out = sample_melody(two_octaves_model(), cond, sampling, torch.Generator().manual_seed(seed))
        assert (out >= 2).all() and np.abs(np.diff(out)).max() <= 12
    allowed = np.ones((32, VOCAB), bool)
    allowed[:16, pitch_token(84)] = False
    allowed[16:, 2:] = False
    allowed[16:, pitch_token(84)] = True
    out = sample_melody(two_octaves_model(), cond, sampling, torch.Generator().manual_seed(0), allowed)
    assert (out[:16] == pitch_token(60)).all() and (out[16:] == pitch_token(84)).all()


def test_a_melody_leaning_on_one_pitch_is_drawn_off_it_and_keeps_its_rhythm():
    """A model leaning on one pitch (70% of its odds) gave it 77% of 64 notes; capped at 0.4, under half
    (the guard is soft: past the cap the odds fall, they are not cut), and every step is still a new note
    (only the pitch draw changes)."""
    cond = np.zeros((64, COND_DIM), np.float32)
    shares = {}
    for cap in (1.0, 0.4):
        out = sample_melody(one_pitch_model(), cond, MelodySampling(dwell_cap=cap), torch.Generator().manual_seed(0))
        assert (out >= 2).all()
        shares[cap] = np.mean(out == pitch_token(60))
    assert shares[1.0] > 0.7 and 0.3 < shares[0.4] < 0.5


def test_a_pieces_repeat_bias_makes_its_melody_strike_the_last_pitch_again_more_or_less_often():
    """The same model and seed: a bias of -2 / 0 / +2 on the last pitch's log-odds gives fewer / more
    notes repeating the one before (0.7 and 0.15 odds: about 0.535 unbiased), every step still a new note."""
    cond = np.zeros((256, COND_DIM), np.float32)
    repeats = []
    for bias in (-2.0, 0.0, 2.0):
        sampling = MelodySampling(dwell_cap=1.0, repeat_bias=bias)
        out = sample_melody(one_pitch_model(), cond, sampling, torch.Generator().manual_seed(0))
        assert (out >= 2).all()
        repeats.append(float(np.mean(out[1:] == out[:-1])))
    assert repeats[0] < 0.35 and 0.45 < repeats[1] < 0.62 and repeats[2] > 0.75


def test_a_pieces_repeat_bias_is_drawn_from_its_style_seed_within_two_spreads():
    biases = np.array([melody_repetition(0.6, s) for s in range(3000)])
    assert abs(biases.std() - 0.6) < 0.05 and np.abs(biases).max() <= 1.2 and abs(biases.mean()) < 0.03
    assert melody_repetition(0.6, 11) == melody_repetition(0.6, 11) and melody_repetition(0.0, 11) == 0.0


def test_an_intro_interlude_and_outro_are_the_accompaniments_but_for_a_pickup():
    """A bar outside the sung phrases asks no onsets, yet the model sang in 6.9% of the bars of
    validation songs' intros, interludes and outros (POP909's own: 3.3%) and in 10% of their bars
    outside every phrase (2.6%): test song 860's first bar held one long high note. Such a
    bar strikes nothing now, but for a pickup in the bar before a sung phrase."""
    writer = MelodyWriter(load_melody())
    ctrl = replace(_c_major_controls(64), density=np.full(64, 22.0))
    phrases = [Phrase("i", 1, 3), Phrase("A", 4, 4), Phrase("x", 8, 4), Phrase("B", 12, 4)]
    quiet = [0, 1, 2, 8, 9, 10]  # before the form, the intro but its last bar, the interlude but its last
    struck = np.zeros(16)
    for seed in range(6):
        roll = PianoRoll.empty(64 * 4, MODEL_PITCH_LOW, MODEL_PITCHES)
        counts, _ = _melody_steps(roll_to_note_array(writer.write(roll, ctrl, phrases, 0, 0, 64, seed)), 16)
        struck += counts
    assert struck[quiet].sum() == 0
    assert struck[[4, 5, 6, 12, 13, 14]].min() > 0  # the sung phrases sing
