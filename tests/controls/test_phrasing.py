"""Phrasing: bar levels by phrase kind, strays and touch, learned from POP909."""

import numpy as np
import pytest

from bgm_studio.controls.phrasing import PHRASE_KINDS, PhraseEnergy, phrase_kinds
from bgm_studio.errors import BgmError
from bgm_studio.music.pop909 import load_split
from bgm_studio.music.structure import Phrase, song_phrases

FORM = [Phrase("i", 0, 4), Phrase("A", 4, 8), Phrase("B", 12, 8), Phrase("x", 20, 4), Phrase("o", 24, 4)]


def _song(levels_by_bar: np.ndarray) -> np.ndarray:
    """Four notes a bar at each bar's velocity."""
    rows = [(bar * 16 + 4 * k, 60 + k, 4, int(v), 1) for bar, v in enumerate(levels_by_bar) for k in range(4)]
    return np.array(rows, np.int64)


def test_bars_take_the_kind_of_the_phrase_they_lie_in():
    kinds = phrase_kinds(FORM + [Phrase("A", 28, 2)], 31)
    names = [PHRASE_KINDS[k] if k >= 0 else None for k in kinds]
    assert names[:4] == ["intro"] * 4 and names[4:12] == ["verse"] * 8 and names[12:20] == ["chorus"] * 8
    assert names[20:24] == ["interlude"] * 4 and names[24:28] == ["outro"] * 4
    assert names[28:30] == ["verse"] * 2 and names[30] is None  # a bar past the form takes no offset


def test_fit_reads_louder_choruses_each_songs_touch_and_its_strays():
    rng = np.random.default_rng(0)
    base = np.r_[np.full(4, -4.0), np.zeros(8), np.full(8, 6.0), np.zeros(4), np.full(4, -4.0)]
    songs = []
    for touch in range(70, 120, 5):
        levels = touch + base + rng.normal(0, 2.0, len(base))
        songs.append((_song(np.round(levels)), len(base) * 16, FORM))
    model = PhraseEnergy.fit(songs)
    verse, chorus, intro, outro = (model.levels[PHRASE_KINDS.index(k)] for k in ("verse", "chorus", "intro", "outro"))
    assert chorus - verse == pytest.approx(6.0, abs=1.0)
    assert intro - verse == pytest.approx(-4.0, abs=1.0) and outro - verse == pytest.approx(-4.0, abs=1.0)
    assert np.allclose(np.sort(model.touch), np.arange(-22.5, 25, 5), atol=2.0)
    assert np.all((model.stray_sd > 1.0) & (model.stray_sd < 3.0))
    assert model.stray_lag < 0.1  # drawn bar by bar apart (centring within short phrases reads them a little negative)


def test_offsets_follow_the_form_and_repeat_for_a_seed():
    model = PhraseEnergy(np.array([-2.0, 3.0, -5.0, -5.0, 0.0]), np.array([0.0]), 0.3, np.array([0.0]))
    offsets = model.energy_offsets(FORM, 28 * 4 + 2, np.random.default_rng(0))
    assert offsets.shape == (114,)
    per_bar = 127 * offsets[::4]
    assert np.allclose(per_bar[4:12], -2.0) and np.allclose(per_bar[12:20], 3.0) and np.allclose(per_bar[:4], -5.0)
    wide = PhraseEnergy(np.zeros(5), np.array([5.0]), 0.3, np.array([-8.0]))
    a, b = (wide.energy_offsets(FORM, 2000, np.random.default_rng(3)) for _ in range(2))
    assert np.array_equal(a, b)
    bars = 127 * a[::4]
    assert bars.mean() == pytest.approx(-8.0, abs=1.0) and bars.std() == pytest.approx(5.0, abs=1.0)
    assert np.corrcoef(bars[:-1], bars[1:])[0, 1] == pytest.approx(0.3, abs=0.12)


def test_pop909_choruses_are_louder_and_intros_and_outros_softer():
    songs, _ = load_split("train")
    model = PhraseEnergy.fit((s.notes, s.n_steps, song_phrases(s)) for s in songs if int(s.song_id) <= 200)
    verse, chorus, intro, outro = (model.levels[PHRASE_KINDS.index(k)] for k in ("verse", "chorus", "intro", "outro"))
    assert chorus > verse + 2.0 and intro < verse and outro < verse
    assert 5.0 < model.touch.std() < 15.0  # songs' own levels differ by far more than a phrase's


def test_a_damaged_table_is_one_clear_error(tmp_path):
    bad = tmp_path / "phrasing.json"
    bad.write_text('{"version": 1, "kinds": ["verse"]}')
    with pytest.raises(BgmError, match="cannot read phrasing model"):
        PhraseEnergy.load(bad)
    shipped = PhraseEnergy.load()
    shipped.save(tmp_path / "copy.json")
    copy = PhraseEnergy.load(tmp_path / "copy.json")
    assert np.allclose(copy.levels, shipped.levels) and np.allclose(copy.touch, shipped.touch)
