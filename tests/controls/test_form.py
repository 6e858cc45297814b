import numpy as np
import pytest

from bgm_studio.errors import BgmError

from bgm_studio.controls.form import (
    register_wander,
    INTERLUDE_PLACES,
    FormConfig,
    FormModel,
    _with_rests,
    letter_register,
    phrase_bounds,
    plan_form,
)
from bgm_studio.music.structure import Phrase

MODEL = FormModel(
    lengths={2: 5, 4: 300, 8: 300, 6: 10}, relations={k: {"same": 40, "return": 35, "new": 25} for k in (1, 2, 3, 4)}
)


def test_the_shipped_form_model_learned_pop_phrase_lengths():
    model = FormModel.load()
    logp = model.length_logp()
    assert {int(np.argmax(logp[1:])) + 1} <= {4, 8} and logp[4] > logp[3] and logp[8] > logp[7]
    assert sum(sum(r.values()) for r in model.relations.values()) > 5000
    assert model.relation_p(2)[0] > 0.3  # a phrase often repeats
    assert (
        model.relation_p(1)[2] > 0.4 and model.relation_p(4)[2] < 0.1
    )  # a second letter comes readily, a fifth seldom


def test_a_three_minute_shot_has_as_few_letters_as_a_song():
    """POP909's train songs have 2-4 melodic letters (median 3); with one table of letter
    relations for every phrase, a 3-minute shot's plan drew a new letter 22% of the time, up to seven."""
    model = FormModel.load()
    distinct = [
        len(
            {
                p.letter
                for p in plan_form([0], [0], np.full(76, 20.0), model, np.random.default_rng(seed))
                if p.has_melody
            }
        )
        for seed in range(40)
    ]
    assert np.mean(distinct) <= 3.5 and max(distinct) <= 5  # one table: 3.8 and 7


def test_an_older_form_table_is_refused_in_one_line(tmp_path):
    old = tmp_path / "form.json"
    old.write_text('{"lengths": {"8": 10}, "relations": {"new": 1, "return": 1, "same": 1}, "version": 1}')
    with pytest.raises(BgmError, match="older table"):
        FormModel.load(old)


def test_phrases_start_on_the_bars_where_cuts_fall():
    bounds = phrase_bounds(24, {8, 16}, MODEL)
    assert {8, 16} <= set(bounds) and bounds[0] == 0 and bounds[-1] == 24
    assert all(b - a in (2, 4, 6, 8) for a, b in zip(bounds, bounds[1:]))


def test_a_returning_look_returns_to_its_letters_and_a_rise_takes_the_chorus():
    energy = np.array([10.0] * 8 + [30.0] * 8 + [10.0] * 8)
    phrases = plan_form([0, 32, 64], [0, 1, 0], energy, MODEL, np.random.default_rng(0))
    letters = {p.start_bar: p.letter for p in phrases}
    assert letters[0] == letters[16]  # shot 2 returns to shot 0's look
    assert letters[8] != letters[0]  # the busier middle is a chorus of its own
    assert sum(p.n_bars for p in phrases) == 24


def test_a_long_single_shot_gets_phrases_that_return_but_no_letter_three_times_running():
    for seed in range(10):
        phrases = plan_form([0], [0], np.full(48, 20.0), MODEL, np.random.default_rng(seed))
        letters = [p.letter for p in phrases]
        assert len(phrases) >= 5 and len(set(letters)) < len(letters)
        assert not any(a == b == c for a, b, c in zip(letters, letters[1:], letters[2:]))


def test_a_piece_with_more_phrases_than_letters_comes_back_to_its_oldest_ones():
    """An hour-long single shot, or a montage of 150 looks, outruns A-Z (a StopIteration before)."""
    for starts, themes, bars in (([0], [0], 1200), (list(range(0, 4800, 32)), list(range(150)), 1200)):
        phrases = plan_form(starts, themes, np.full(bars, 20.0), MODEL, np.random.default_rng(0))
        letters = [p.letter for p in phrases][1:]  # after the intro
        assert sum(p.n_bars for p in phrases) == bars and len(set(letters)) == 26
        assert phrases[0].letter == "i" and all(x.isupper() for x in letters)
        assert not any(a == b == c for a, b, c in zip(letters, letters[1:], letters[2:]))


def test_a_piece_long_enough_opens_with_a_short_intro_and_a_short_one_with_its_melody():
    """POP909's train songs open with an intro without melody (785 of 818), of 5-13% of their bars;
    every planned piece opened on its melody."""
    for seed in range(10):
        long = plan_form([0], [0], np.full(76, 20.0), MODEL, np.random.default_rng(seed))
        assert long[0].letter == "i" and not long[0].has_melody and 4 <= long[0].n_bars <= 0.13 * 76
        assert all(p.has_melody for p in long[1:])
        short = plan_form([0], [0], np.full(30, 20.0), MODEL, np.random.default_rng(seed))
        assert all(p.has_melody for p in short)


def test_the_melody_comes_in_on_a_cut_near_the_start_and_a_returning_first_look_brings_melody():
    energy = np.full(60, 20.0)
    phrases = plan_form([0, 16, 80, 128], [0, 1, 0, 1], energy, MODEL, np.random.default_rng(0))
    assert phrases[0].letter == "i" and phrases[1].start_bar == 4  # shot 1 starts at bar 4
    assert [p.letter for p in phrases].count("i") == 1  # shot 0's look returns at bar 20, with a melody
    assert all(p.has_melody for p in phrases if p.start_bar >= 20)


def test_the_melody_climbs_into_later_letters_and_the_verse_sits_lower():
    phrases = [Phrase("i", 0, 2), Phrase("A", 2, 4), Phrase("B", 6, 4), Phrase("A", 10, 4), Phrase("C", 14, 2)]
    lift = letter_register(phrases, 60).reshape(-1, 4)[:, 0]  # per bar; the last bar is past the end
    assert lift.tolist() == [0, 0] + [-1.5] * 4 + [1.5] * 4 + [-1.5] * 4 + [1.5]


def test_the_form_learns_where_songs_rest_their_melody_between_phrases():
    label = [("i", 4), ("A", 8), ("B", 8), ("b", 4), ("x", 4), ("A", 8), ("B", 8), ("o", 4)]
    model = FormModel.fit([label])
    assert model.interludes["verse_change"] == (0, 2) and model.interludes["chorus_change"] == (1, 1)
    assert model.interlude_p("chorus_change") == 1.0 and model.interlude_p("verse_same") == 0.0
    assert model.outros == (1, 1) and FormModel.fit([label, label[:-1]]).outro_p() == 0.5
    shipped = FormModel.load()  # POP909 train: 30% after a chorus before another letter, 5-8% elsewhere
    assert shipped.interlude_p("chorus_change") > 0.25
    assert max(shipped.interlude_p(p) for p in ("verse_same", "verse_change", "chorus_same")) < 0.1
    assert 0.65 < shipped.outro_p() < 0.75  # 575 of 818 songs end on a phrase without melody


def test_a_long_piece_rests_its_melody_for_interludes_and_an_outro():
    """POP909's train songs rest their melody for about one interlude each (92% have one) and 70%
    end on an outro; every planned piece sang from its intro to its end."""
    model = FormModel.load()
    counts, outros = [], []
    for seed in range(60):
        phrases = plan_form([0], [0], np.full(76, 20.0), model, np.random.default_rng(seed))
        letters = [p.letter for p in phrases]
        rests = [k for k, x in enumerate(letters) if x == "x"]
        counts.append(len(rests))
        outros.append(letters[-1] == "o")
        assert letters[0] == "i" and letters[1].isupper() and (letters[-1].isupper() or letters[-2].isupper())
        assert all(letters[k - 1] != "x" and phrases[k].n_bars <= 8 and not phrases[k].has_melody for k in rests)
        unlearned = FormModel(model.lengths, model.relations)  # no rests: the rest of the plan is the same
        melodic = plan_form([0], [0], np.full(76, 20.0), unlearned, np.random.default_rng(seed))
        assert all(x == m.letter and m.has_melody for x, m in zip(letters[1:], melodic[1:]) if x not in "xo")
    assert 0.6 <= np.mean(counts) <= 1.6 and 0.5 <= np.mean(outros) <= 0.85
    short = plan_form([0], [0], np.full(30, 20.0), model, np.random.default_rng(0))
    assert all(p.has_melody for p in short)


def test_a_returning_look_rests_where_it_rested_and_a_chorus_keeps_its_melody():
    always = FormModel(MODEL.lengths, MODEL.relations, {p: (1, 1) for p in INTERLUDE_PLACES})
    letters = list("ABCABCD")
    sources = [-1, -1, -1, -1, 1, 2, -1]  # phrases 4 and 5 return to an earlier look's phrases 1 and 2
    rng = np.random.default_rng(0)
    rested = _with_rests(letters, sources, [False] * 7, [8] * 7, always, rng)
    assert rested == list("AxCxBCD")  # phrase 5 sings, as phrase 2 did, where a draw would have rested it
    assert _with_rests(letters, sources, [False, True] + [False] * 5, [8] * 7, always, rng)[1] == "B"
    assert _with_rests(letters, sources, [False] * 7, [8, 12] + [8] * 5, always, rng)[1] == "B"


def test_an_outro_follows_a_sung_phrase_unless_the_picture_rises_at_the_end():
    ending = FormModel(MODEL.lengths, MODEL.relations, {p: (1, 1) for p in INTERLUDE_PLACES}, outros=(1, 1))
    letters, sources, rng = list("ABAB"), [-1] * 4, np.random.default_rng(0)
    assert _with_rests(letters, sources, [False] * 4, [8, 8, 8, 4], ending, rng) == list("AxAo")  # sung before it
    assert _with_rests(letters, sources, [False] * 3 + [True], [8, 8, 8, 4], ending, rng)[-1] == "B"
    assert _with_rests(letters, sources, [False] * 4, [8] * 4, ending, rng)[-1] == "B"  # 66% of outros: 4 bars or fewer


def test_a_piece_sits_at_a_height_of_its_own_and_its_phrases_wander_about_it():
    """POP909's songs sit 2.55 semitones apart and their 8-bar spans 1.58 about their own; a video
    gives every piece of one shot's look a single register, so the register wanders by seed."""
    phrases = [Phrase("A", 0, 8), Phrase("B", 8, 8), Phrase("A", 16, 4)]
    n = 20 * 4
    first = register_wander(phrases, n, seed=3)
    assert np.array_equal(first, register_wander(phrases, n, seed=3))  # a regenerated shot hears the same
    spans = [first[p.start_bar * 4 : p.end_bar * 4] for p in phrases]
    assert all(np.ptp(s) == 0 for s in spans) and len({float(s[0]) for s in spans}) == 3
    pieces = np.array([register_wander(phrases, n, seed=s) for s in range(400)])
    heights = pieces.mean(axis=1)
    assert 1.8 < heights.std() < 2.6 and abs(heights.mean()) < 0.3
    within = (pieces - heights[:, None]).std(axis=1).mean()
    assert 0.8 < within < 1.6
    still = register_wander(phrases, n, 3, FormConfig(song_register_sd=0.0, phrase_register_sd=0.0))
    assert not still.any()
