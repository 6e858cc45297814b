import numpy as np
import pytest
import torch

from bgm_studio.controls.music_controls import Controls
from bgm_studio.errors import BgmError
from bgm_studio.model.checkpoint import load_model, resolve_checkpoint
from bgm_studio.model.conditioning import segment_attention_mask
from bgm_studio.model.denoiser import Denoiser, ModelConfig
from bgm_studio.model.pipeline import SampleConfig, ScorePipeline
from bgm_studio.music.pianoroll import roll_to_note_array


def controls(n_beats: int, cuts=(), density=16.0) -> Controls:
    seg = np.zeros(n_beats, bool)
    seg[list(cuts)] = True
    pcs = np.zeros((n_beats, 12), bool)
    pcs[:, [0, 4, 7]] = True
    return Controls(
        np.full(n_beats, density),
        np.full(n_beats, 0.6),
        np.full(n_beats, 62.0),
        np.zeros(n_beats),
        seg,
        pcs,
        np.zeros(n_beats, np.int64),
    )


def test_denoiser_shapes_and_guidance():
    m = Denoiser(ModelConfig(dim=32, depth=1, heads=2))
    x = torch.randn(2, 4, 128, 96)
    args = (
        torch.tensor([10, 500]),
        torch.zeros(2, 2, 128, 96),
        torch.zeros(2, 32, 6),
        torch.zeros(2, 32, dtype=torch.long),
    )
    assert m(x, *args).shape == x.shape
    assert m.forward_with_cond_scale(x, *args, cond_scale=2.0).shape == x.shape


def test_cross_attention_sees_only_its_segments_controls():
    """Changing segment 1's controls leaves the control read-out of segment-0 tokens unchanged."""
    torch.manual_seed(0)
    m = Denoiser(ModelConfig(dim=32, depth=1, heads=2)).eval()
    seg = torch.zeros(1, 32, dtype=torch.long)
    seg[:, 16:] = 1
    c1 = torch.randn(1, 32, 6)
    c2 = c1.clone()
    c2[:, 16:] += 3.0
    tokens = torch.randn(1, 32 * m.cfg.n_bands, 32)
    mask = segment_attention_mask(seg).repeat_interleave(m.cfg.n_bands, dim=1)
    context = lambda c: torch.cat([m.global_token.expand(1, 1, 32), m.control_in(c) + m.control_pos[None]], 1)  # noqa: E731
    with torch.no_grad():
        y1 = m.blocks[0].cross_attn(tokens, context(c1), mask)
        y2 = m.blocks[0].cross_attn(tokens, context(c2), mask)
    first = 16 * m.cfg.n_bands
    assert torch.allclose(y1[:, :first], y2[:, :first])
    assert not torch.allclose(y1[:, first:], y2[:, first:])


def test_a_guided_pass_shares_the_control_free_half_and_gives_the_two_full_passes_bit_for_bit():
    """Guidance runs the embedding and the first block's self-attention once for both passes (they never
    see the controls): the logits must be exactly those of the two passes run in full, or the music changes."""
    torch.manual_seed(1)
    m = Denoiser(ModelConfig(dim=32, depth=2, heads=2)).eval()
    with torch.no_grad():
        m.null_control.normal_()
        m.global_token.normal_()
    x, chords = torch.randn(2, 4, 128, 96), (torch.rand(2, 2, 128, 96) > 0.8).float()
    t, ctrl = torch.tensor([900, 40]), torch.randn(2, 32, 6)
    seg = (torch.rand(2, 32) > 0.8).long().cumsum(1)
    with torch.no_grad():
        both = m(*(torch.cat([a, a]) for a in (x, t, chords, ctrl, seg)), torch.arange(4) >= 2)
        full = both[2:] + 3.0 * (both[:2] - both[2:])
        shared = m.guided(x, t, chords, m.guided_condition(ctrl, seg, 3.0), 3.0)
    assert torch.equal(shared, full)
    assert torch.equal(m.forward_with_cond_scale(x, t, chords, ctrl, seg, 3.0), full)


@pytest.mark.parametrize("cond_scale", [1.0, 3.0])
def test_the_controls_are_embedded_once_per_window_not_once_per_step(tiny_model_path, cond_scale):
    model, _ = load_model(tiny_model_path)
    pipe = ScorePipeline(model, SampleConfig(steps=5, cond_scale=cond_scale))
    windows, steps = [], []
    model.control_in.register_forward_hook(lambda *_: windows.append(1))
    model.t_mlp.register_forward_hook(lambda *_: steps.append(1))
    pipe.generate(controls(80, cuts=(30,)), seed=0)
    assert len(windows) > 1
    assert len(steps) == 5 * len(windows)  # the steps of a window all read the one embedding made for it


def test_changing_one_segments_controls_changes_only_its_notes(tiny_model_path):
    model, _ = load_model(tiny_model_path)
    pipe = ScorePipeline(model, SampleConfig(steps=4))
    c = controls(48, cuts=(16, 32))
    piece = pipe.generate(c, seed=3)
    louder = controls(48, cuts=(16, 32))
    louder.density[16:32], louder.energy[16:32] = 30.0, 0.95
    before = roll_to_note_array(piece)
    after = roll_to_note_array(pipe.inpaint(piece, louder, 16, 32, seed=3))
    outside = lambda n: n[(n[:, 0] < 64) | (n[:, 0] >= 128)]  # noqa: E731
    inside = lambda n: n[(n[:, 0] >= 64) & (n[:, 0] < 128)]  # noqa: E731
    assert np.array_equal(outside(before), outside(after))
    assert len(inside(after)) > len(inside(before))
    assert inside(after)[:, 3].mean() > inside(before)[:, 3].mean()


def test_generate_is_seeded_and_regenerating_a_span_holds_everything_else(tiny_model_path):
    model, _ = load_model(tiny_model_path)
    pipe = ScorePipeline(model, SampleConfig(steps=4))
    c = controls(56, cuts=(20, 36))
    a = pipe.generate(c, seed=1)
    b = pipe.generate(c, seed=1)
    assert np.array_equal(a.onset, b.onset) and np.array_equal(a.sustain, b.sustain)
    before = roll_to_note_array(a)
    assert len(before) > 0
    after = roll_to_note_array(pipe.inpaint(a, c, 20, 36, seed=7))
    lo, hi = 20 * 4, 36 * 4
    outside = lambda n: n[(n[:, 0] < lo) | (n[:, 0] >= hi)]  # noqa: E731
    assert np.array_equal(outside(before), outside(after))
    inside = after[(after[:, 0] >= lo) & (after[:, 0] < hi)]
    assert (inside[:, 0] + inside[:, 2] <= hi).all()  # new notes end with the segment
    assert not np.array_equal(before, after)


def test_density_calibration_matches_request(tiny_model_path):
    model, _ = load_model(tiny_model_path)
    pipe = ScorePipeline(model, SampleConfig(steps=4, min_onset_prob=0.0))
    for want in (8.0, 24.0):
        notes = roll_to_note_array(pipe.generate(controls(32, density=want), seed=0))
        per_bar = np.bincount(notes[:, 0] // 16, minlength=8)
        assert np.median(np.abs(per_bar / want - 1)) <= 0.2


def test_a_shot_starting_mid_bar_gets_its_own_share_of_the_bar(tiny_model_path):
    """Beats 4-5 (busy shot) and 6-7 (calm shot) share bar 1; each part holds its own shot's count."""
    model, _ = load_model(tiny_model_path)
    pipe = ScorePipeline(model, SampleConfig(steps=4, min_onset_prob=0.0, bass_floor=1.0))
    c = controls(32, cuts=(6,), density=32.0)
    c.density[6:] = 8.0
    notes = roll_to_note_array(pipe.generate(c, seed=0))
    busy, calm = ((notes[:, 0] >= lo) & (notes[:, 0] < lo + 8) for lo in (16, 24))
    assert busy.sum() == 16 and calm.sum() == 4


def test_a_piece_shorter_than_a_window_keeps_its_density_to_the_end():
    """With the shipped model: a calm 3-bar piece is not sampled as if silence followed it
    (padding the window with silent controls gave a median of 4.5 onsets a bar for 12 asked)."""
    model, _ = load_model(resolve_checkpoint(None))
    pipe = ScorePipeline(model, SampleConfig())
    per_bar = [
        np.bincount(roll_to_note_array(pipe.generate(controls(12, density=12.0), seed=s))[:, 0] // 16, minlength=3)
        for s in range(4)
    ]
    assert np.median(np.concatenate(per_bar)) >= 9, per_bar


def test_the_melody_takes_no_more_than_its_share_of_a_bars_onsets(tiny_model_path):
    model, _ = load_model(tiny_model_path)
    per_bar = {}
    for cap in (0.1, 1.0):
        notes = roll_to_note_array(
            ScorePipeline(model, SampleConfig(steps=4, melody_share_max=cap)).generate(
                controls(32, density=20.0), seed=1
            )
        )
        melody = notes[notes[:, 4] == 0]
        per_bar[cap] = np.bincount(melody[:, 0] // 16, minlength=8)
    assert per_bar[0.1].max() <= 2 and per_bar[1.0].max() > 2


def test_melody_is_one_voice(tiny_model_path):
    model, _ = load_model(tiny_model_path)
    roll = ScorePipeline(model, SampleConfig(steps=4)).generate(controls(32, density=30), seed=2)
    sounding = roll.onset[0] | roll.sustain[0]
    assert sounding.sum(axis=1).max() <= 1


def test_missing_and_corrupt_checkpoints(tmp_path):
    with pytest.raises(BgmError, match="not found"):
        load_model(tmp_path / "none.pt")
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(BgmError, match="not a valid BGM Studio checkpoint"):
        load_model(bad)


def test_a_bar_without_bass_gets_the_likeliest_low_onset():
    from bgm_studio.model.data import MODEL_PITCH_NUMBERS
    from bgm_studio.model.pipeline import _ensure_bass

    idx = {int(p): i for i, p in enumerate(MODEL_PITCH_NUMBERS)}
    chosen = np.zeros((48, 96), bool)
    chosen[[0, 8], idx[64]] = True  # bar 1: no bass
    chosen[16, idx[40]] = True  # bar 2 has its bass
    onset_p = np.full((48, 96), 0.001)
    onset_p[4, idx[43]] = 0.3  # bar 1: the likeliest low onset
    onset_p[20, idx[45]] = 0.9  # bar 2: likely, but a bass is there already
    onset_p[36, idx[36]] = 0.01  # bar 3: under the floor
    sustain = np.zeros((48, 96), bool)
    _ensure_bass(chosen, onset_p, sustain, 0, floor=0.02)
    low = MODEL_PITCH_NUMBERS < 55
    assert [tuple(x) for x in np.argwhere(chosen[:, low])] == [(4, idx[43]), (16, idx[40])]


def test_every_bar_of_a_piece_gets_a_bass_note_that_rings_a_beat(tiny_model_path):
    from bgm_studio.music.metrics import bass_bar_ratio

    model, _ = load_model(tiny_model_path)
    roll = ScorePipeline(model, SampleConfig(steps=4, bass_floor=0.0)).generate(controls(32, density=4), seed=1)
    assert bass_bar_ratio(roll_to_note_array(roll), 128) >= 0.85  # even from a random model


def test_register_fit_moves_the_upper_accompaniment_by_an_octave_and_keeps_the_rest():
    from bgm_studio.model.data import MODEL_PITCH_NUMBERS
    from bgm_studio.model.pipeline import _fit_register

    idx = {int(p): i for i, p in enumerate(MODEL_PITCH_NUMBERS)}
    chosen = np.zeros((2, 32, 96), bool)
    chosen[0, [0, 8], idx[72]] = True  # melody C5
    chosen[1, [0, 4, 8, 12], idx[60]] = True  # accompaniment C4 on the beats
    chosen[1, 0, idx[36]] = True  # bass C2
    chosen[1, [16, 20], idx[64]] = True  # second bar
    c = controls(8)
    c.register[:4], c.register[4:] = 75.0, 64.0  # bar 1 asks far higher; bar 2 gets what it asks
    before = chosen.copy()
    moved = _fit_register(chosen, c, 0, gain=2.0)
    assert list(moved[:16]) == [12] * 16 and not moved[16:].any()
    assert np.array_equal(chosen[1, [0, 4, 8, 12], idx[72]], [True] * 4) and not chosen[1, :16, idx[60]].any()
    assert chosen[1, 0, idx[36]] and np.array_equal(chosen[0], before[0])  # bass and melody stay
    assert np.array_equal(chosen[:, 16:], before[:, 16:])
    assert np.array_equal(chosen.any(axis=2), before.any(axis=2))  # the rhythm stays


def test_bass_strikes_on_cuts_and_chord_changes_and_leaves_other_downbeats_to_the_figures():
    from bgm_studio.model.data import MODEL_PITCH_NUMBERS
    from bgm_studio.model.pipeline import _mark_bass

    idx = {int(p): i for i, p in enumerate(MODEL_PITCH_NUMBERS)}
    c = controls(12, cuts=(6,))
    c.chord_root[8:], c.chord_pcs[8:] = 7, False
    c.chord_pcs[8:, [7, 11, 2]] = True  # G from beat 8
    chosen = np.zeros((48, 96), bool)
    onset_p = np.full((48, 96), 0.01)
    onset_p[:, idx[40]] = 0.2  # E: a chord tone of C, not its root
    onset_p[:, idx[43]] = 0.1  # G
    sustain = np.zeros((48, 96), bool)
    sustain[:16, idx[36]] = True  # a C struck before step 0 rings through bar 1 (over the same chord)
    _mark_bass(chosen, onset_p, sustain, c, 0, np.random.default_rng(0))
    struck = {int(s): int(MODEL_PITCH_NUMBERS[p]) for s, p in np.argwhere(chosen)}
    # beat 6 (the cut): E, likelier than G and a tone of C; beat 8 (a change to G): G, the root,
    # weighted up; nothing on the downbeats of bars 0 and 1, over an unchanged chord
    assert struck == {24: 40, 32: 43}
    sustain[:] = False
    chosen[:] = False
    chosen[33, idx[31]] = True  # a figure's own bass a step after the change
    _mark_bass(chosen, onset_p, sustain, c, 0, np.random.default_rng(0))
    assert sorted(np.argwhere(chosen)[:, 0].tolist()) == [24, 32, 33]


def test_a_chord_change_gets_a_bass_at_pop909s_odds_and_a_cut_always():
    """POP909's pianists strike a bass at 0.954 of the chord changes on a downbeat and 0.803 of those
    on another beat (train songs 700-818); ours struck one at every change, and a classifier told our
    windows by the bass's regularity. Where a figure has none, a change now gets one at
    change_bass_odds (downbeat, other beat); a cut still always does."""
    from bgm_studio.model.pipeline import _mark_bass

    c = controls(64, cuts=(16, 18))
    c.chord_root[1::2] = 7  # the chord changes on every beat: C G C G ...
    c.chord_pcs[1::2] = False
    c.chord_pcs[1::2, [7, 11, 2]] = True
    onset_p = np.full((256, 96), 0.1)
    sustain = np.zeros((256, 96), bool)
    chosen = np.zeros((256, 96), bool)
    _mark_bass(chosen, onset_p, sustain, c, 0, np.random.default_rng(0), (0.7, 0.4))
    struck = chosen[::4].any(axis=1)
    downbeats, others = np.arange(4, 64, 4), np.array([b for b in range(1, 64) if b % 4])
    assert struck[16] and struck[18]  # the cuts
    assert 0.5 < struck[downbeats[downbeats != 16]].mean() < 0.9
    assert 0.25 < struck[np.setdiff1d(others, [18])].mean() < 0.55
    always = np.zeros((256, 96), bool)
    _mark_bass(always, onset_p, sustain, c, 0, np.random.default_rng(0))
    assert always[4::4].any(axis=1).all()


def test_an_added_bass_note_is_never_under_c2():
    from bgm_studio.model.data import MODEL_PITCH_NUMBERS
    from bgm_studio.model.pipeline import _ensure_bass, _mark_bass

    idx = {int(p): i for i, p in enumerate(MODEL_PITCH_NUMBERS)}
    c = controls(8, cuts=(4,))
    onset_p = np.full((32, 96), 0.01)
    onset_p[:, idx[24]] = 0.9  # C1, the likeliest low onset by far
    onset_p[:, idx[48]] = 0.3  # C3
    sustain = np.zeros((32, 96), bool)
    for add in (
        lambda ch: _ensure_bass(ch, onset_p, sustain, 0, floor=0.02),
        lambda ch: _mark_bass(ch, onset_p, sustain, c, 0, np.random.default_rng(0)),
    ):
        chosen = np.zeros((32, 96), bool)
        add(chosen)
        assert chosen.any() and set(MODEL_PITCH_NUMBERS[np.nonzero(chosen)[1]].tolist()) == {48}


def test_sampling_is_guided_by_earlier_music_only_where_its_harmony_returns():
    from bgm_studio.model.pipeline import _same_harmony

    c = controls(16)
    c.chord_root[12:], c.chord_pcs[12:] = 9, False
    c.chord_pcs[12:, [9, 0, 4]] = True  # A minor from beat 12
    echo = np.full(16, -1)
    echo[8:16] = np.arange(0, 8)  # bars 2-3 echo bars 0-1
    assert _same_harmony(echo, c).tolist() == [-1] * 8 + list(range(4)) + [-1] * 4
