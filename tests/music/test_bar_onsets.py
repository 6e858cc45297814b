import numpy as np
import pytest

from bgm_studio.errors import BgmError
from bgm_studio.music.bar_onsets import PLACES, QUANTILES, BarOnsetModel, place_of
from bgm_studio.music.structure import Phrase


def test_each_bar_is_counted_at_its_place_over_its_phrases_mean():
    bars = np.array([4, 6, 4, 2, 0, 0, 3, 3.0])
    phrases = [Phrase("A", 0, 4), Phrase("x", 4, 2), Phrase("B", 6, 2)]
    model = BarOnsetModel.fit([(bars, phrases)])
    assert model.quantiles["last"][0] == pytest.approx(0.5) and model.quantiles["last"][-1] == 1.0
    assert model.quantiles["before_last"] == [1.0] * QUANTILES  # A's 4 of 4, B's 3 of 3
    assert model.quantiles["other"][0] == 1.0 and model.quantiles["other"][-1] == 1.5  # A's 4 and 6 of 4
    assert place_of(6, phrases[2]) == "before_last" and place_of(0, phrases[0]) == "other"
    with pytest.raises(BgmError, match="no melodic phrase"):
        BarOnsetModel.fit([(bars, [Phrase("x", 0, 8)])])


def test_drawn_bars_keep_each_phrases_mean_and_leave_other_bars_alone():
    model = BarOnsetModel.load()
    phrases = [Phrase("i", 0, 4), Phrase("A", 4, 8), Phrase("A", 12, 8), Phrase("B", 20, 1)]
    drawn = model.draw(phrases, 21, np.random.default_rng(3))
    assert np.array_equal(drawn[:4], np.ones(4)) and drawn[20] == 1.0  # no melody; one bar: nothing to shape
    assert drawn[4:12].mean() == pytest.approx(1.0) and drawn[12:20].mean() == pytest.approx(1.0)
    assert not np.array_equal(drawn[4:12], drawn[12:20])
    assert np.array_equal(drawn, model.draw(phrases, 21, np.random.default_rng(3)))


def test_the_shipped_table_holds_pop909s_sparse_phrase_ends_and_spread(tmp_path):
    model = BarOnsetModel.load()
    assert set(model.quantiles) == set(PLACES) and all(len(v) == QUANTILES for v in model.quantiles.values())
    last, other = np.array(model.quantiles["last"]), np.array(model.quantiles["other"])
    assert last[50] < 0.9 < other[50] and last[40] < 0.7  # a phrase's last bar is often a held note
    rng = np.random.default_rng(0)
    phrases = [Phrase("A", 8 * k, 8) for k in range(200)]
    drawn = model.draw(phrases, 1600, rng).reshape(200, 8)
    spread = np.median(drawn.std(axis=1))  # POP909's phrases: 0.36 of their mean
    assert 0.3 < spread < 0.45
    bad = tmp_path / "bar_onsets.json"
    bad.write_text('{"quantiles": {"last": [1, 0]}}')
    with pytest.raises(BgmError, match="cannot read bar onset model"):
        BarOnsetModel.load(bad)
