import numpy as np
import pytest

from bgm_studio.errors import BgmError
from bgm_studio.music.motifs import RELATIONS, BarMotif, MotifModel, place_key, same_chords
from bgm_studio.music.notes import MELODY
from bgm_studio.music.structure import Phrase


def melody(bars: list[list[tuple[int, int]]]) -> np.ndarray:
    """Melody note rows from (step in bar, pitch) per bar."""
    rows = [(b * 16 + s, p, 2, 80, MELODY) for b, bar in enumerate(bars) for s, p in bar]
    return np.array(rows, np.int64)


def test_each_bar_is_counted_against_the_bars_four_two_and_one_before_it_in_its_phrase():
    a = [(0, 60), (4, 62), (8, 64)]
    b = [(0, 67), (4, 65), (8, 64)]  # a's rhythm, other pitches
    c = [(2, 60), (6, 60)]
    notes = melody([a, c, c, b, b, c, a, [], a, a])
    no_chords = np.full(10 * 4, -1)
    model = MotifModel.fit([(notes, 10 * 16, [Phrase("A", 0, 8), Phrase("x", 8, 2)], no_chords)])
    got = [RELATIONS[int(np.argmax(model.counts[place_key(k, k == 7, True, (False,) * 3)]))] for k in range(8)]
    # bar 3 (b) is not matched against bar 0 (a, 3 back); bar 4 matches bar 0's rhythm before bar 3's notes
    assert got == ["new", "new", "notes1", "new", "rhythm4", "notes4", "rhythm2", "new"]
    assert sum(sum(v) for v in model.counts.values()) == 8  # the unmelodic phrase is not counted


def test_drawn_motifs_follow_the_learned_odds_and_never_reach_before_their_phrase():
    counts = [0] * len(RELATIONS)
    counts[RELATIONS.index("rhythm4")] = 99
    model = MotifModel({place_key(k, False, True, (False,) * 3): counts for k in range(9)})
    phrases = [Phrase("A", 0, 8), Phrase("A", 8, 8)]
    drawn = model.draw(phrases, 16, np.full(16 * 4, -1), np.random.default_rng(0))
    assert all(m == BarMotif() for m in drawn[0:4] + drawn[8:12])  # a lag of 4 needs 4 bars of the phrase
    assert sum(m == BarMotif(4, False) for m in drawn[4:7] + drawn[12:15]) >= 5  # 99 in 100 (one of prior)
    assert drawn[7] == BarMotif() and drawn[15] == BarMotif()  # a phrase's last bar: a place never seen


def test_the_shipped_motif_table_holds_pop909s_rhythm_repeats(tmp_path):
    model = MotifModel.load()
    other = model.probabilities(place_key(5, False, True, (False,) * 3))  # bar 6 of an 8-bar phrase
    same = model.probabilities(place_key(5, False, True, (True, False, False)))  # over bar 2's chords
    assert 0.1 < other[RELATIONS.index("rhythm4")] < 0.2 and other[RELATIONS.index("notes4")] < 0.05
    assert same[RELATIONS.index("notes4")] > 0.2  # over the same chords, its notes come back too
    assert model.probabilities(place_key(0, False, True))[0] == 1.0  # a phrase opens anew
    bad = tmp_path / "motifs.json"
    bad.write_text('{"relations": ["new"], "counts": {}}')
    with pytest.raises(BgmError, match="cannot read motif model"):
        MotifModel.load(bad)


def test_a_bar_knows_which_bars_before_it_have_its_chords():
    roots = np.array([0] * 4 + [9] * 4 + [0] * 4 + [9] * 4 + [0, 0, 5, 5] + [-1] * 4)
    assert same_chords(roots, 2) == (False, True, False)  # 4 back is before the piece
    assert same_chords(roots, 3) == (False, True, False)
    assert same_chords(roots, 4) == (False, False, False)  # the same first beats are not enough
    assert same_chords(roots, 5) == (False, False, False)  # no chord matches nothing
