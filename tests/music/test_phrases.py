import numpy as np
import pytest

from bgm_studio.errors import BgmError
from bgm_studio.music.notes import ACCOMPANIMENT, MELODY
from bgm_studio.music.phrases import parse_phrases, phrase_start_bars, read_phrases, structure_root
from bgm_studio.music.pop909 import Song, load_song


def song_with_melody_from(step: int) -> Song:
    notes = np.array([(0, 40, 16, 80, ACCOMPANIMENT), (step, 72, 4, 80, MELODY)], np.int32)
    n_beats = 64
    return Song("t", notes, 256, 100.0, np.zeros(n_beats, np.int8), np.zeros((n_beats, 12), bool),
                np.zeros(n_beats, np.int8), np.zeros(n_beats, bool))


def test_labels_parse_and_bad_ones_are_refused():
    assert parse_phrases("i4A8b12o3\n") == [("i", 4), ("A", 8), ("b", 12), ("o", 3)]
    for bad in ("", "A8 B8", "A8B", "AB8", "A0"):
        with pytest.raises(ValueError):
            parse_phrases(bad)


def test_first_sung_phrase_starts_at_the_first_melody_onset():
    phrases = [("i", 2), ("A", 4), ("B", 4)]
    assert phrase_start_bars(song_with_melody_from(3 * 16), phrases).tolist() == [1, 3, 7]
    # a pickup up to half a bar before a bar line belongs to the phrase after it
    assert phrase_start_bars(song_with_melody_from(2 * 16 + 8), phrases).tolist() == [1, 3, 7]
    assert phrase_start_bars(song_with_melody_from(2 * 16 + 7), phrases).tolist() == [0, 2, 6]


def test_real_song_labels_on_its_grid(pop909_root, tmp_path):
    root = structure_root(pop909_root)
    if not root.is_dir():
        pytest.skip("pop909-structure not available")
    song = load_song(pop909_root / "819")
    bars = phrase_start_bars(song, read_phrases("819", root))
    # i8 A8 A8 x1 ...: 819's melody enters half a bar before bar 9, after an 8-bar intro from bar 1
    assert bars[:5].tolist() == [1, 9, 17, 25, 26]
    with pytest.raises(BgmError, match="no phrase labels"):
        read_phrases("819", tmp_path)
