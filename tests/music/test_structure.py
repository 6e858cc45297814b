import numpy as np
import pytest

from bgm_studio.errors import BgmError
from bgm_studio.music.pop909 import load_song
from bgm_studio.music.structure import (
    Phrase,
    align_phrases,
    long_repeat_at_once,
    parse_label,
    phrase_returns,
    repeated_bars,
    return_offset,
    song_phrases,
)


def test_labels_parse_into_letters_and_bars():
    assert parse_label("i4A4B8A4o3\n") == [("i", 4), ("A", 4), ("B", 8), ("A", 4), ("o", 3)]
    for bad in ("", "A", "4A", "A4-B4", "A0", "A99"):
        with pytest.raises(BgmError):
            parse_label(bad)


def test_alignment_puts_melody_phrases_where_the_melody_is():
    label = [("i", 4), ("A", 4), ("b", 2), ("A", 4)]
    melody = np.array([s * 16 + k for s in (6, 7, 8, 9, 12, 13, 14, 15) for k in (0, 4, 8)])  # bars 6-9, 12-15
    phrases = align_phrases(label, melody, 20)
    assert phrases == [Phrase("i", 2, 4), Phrase("A", 6, 4), Phrase("b", 10, 2), Phrase("A", 12, 4)]


def test_a_real_song_is_aligned_on_its_first_sung_phrase(pop909_root):
    song = load_song(pop909_root / "001")  # i4A4B4B4A4A4b4...: the melody enters in bar 4
    phrases = song_phrases(song)
    first_sung = next(p for p in phrases if p.has_melody)
    melody_bar = int(song.notes[song.notes[:, 4] == 0, 0].min()) // 16
    assert first_sung.start_bar == melody_bar == 4 and phrases[0] == Phrase("i", 0, 4)
    assert all(a.end_bar == b.start_bar for a, b in zip(phrases, phrases[1:]))


def test_a_returning_phrase_repeats_its_melody_and_a_long_one_at_once_plays_new_accompaniment():
    a, again, later = Phrase("A", 0, 8), Phrase("A", 8, 8), Phrase("A", 20, 6)  # a B lies between 16 and 20
    assert repeated_bars(a, again) == 8 and long_repeat_at_once(a, again)
    assert repeated_bars(a, later) == 6 and not long_repeat_at_once(a, later)


def test_a_short_phrase_repeated_at_once_repeats_whole():
    short, again = Phrase("A", 0, 4), Phrase("A", 4, 4)
    assert repeated_bars(short, again) == 4 and not long_repeat_at_once(short, again)


def test_a_return_whose_harmony_runs_two_beats_late_is_taken_from_two_beats_on():
    source, back = Phrase("A", 0, 4), Phrase("A", 6, 4)
    roots = np.zeros(40, int)
    roots[:16] = np.repeat([0, 5, 7, 9], 4)
    roots[24:] = np.roll(np.repeat([0, 5, 7, 9], 4), -2)  # the same chords, two beats ahead of the bar lines
    assert return_offset(source, back, roots, 4) == 2
    roots[24:] = roots[:16]
    assert return_offset(source, back, roots, 4) == 0
    roots[24:] = np.repeat([2, 4, 11, 1], 4)  # other harmony: no offset helps
    assert return_offset(source, back, roots, 4) == 0


def test_a_long_phrase_repeated_at_once_but_cut_short_by_the_end_is_still_a_repeat_at_once():
    # Found scoring a real 60-s single shot: its form came out B8 B7, and the B7 (the piece ends
    # inside it) played the B8 again bar for bar, an 8-bar loop (self-similarity 0.44, real songs 0.19).
    assert long_repeat_at_once(Phrase("B", 8, 8), Phrase("B", 16, 7))
    assert repeated_bars(Phrase("B", 8, 8), Phrase("B", 16, 5)) == 5


def test_a_return_right_after_an_earlier_return_of_its_letter_is_a_repeat_at_once():
    # Found on a synthetic 3-minute single shot planned A8 B8 A8 A8 B8 B8 ...: the fourth phrase
    # returned to the first A in full, so it played the third phrase (also the first A) again bar for
    # bar, an 8-bar loop (self-similarity 0.40, 0.29 allowed).
    phrases = [Phrase("A", 0, 8), Phrase("B", 8, 8), Phrase("A", 16, 8), Phrase("A", 24, 8), Phrase("B", 32, 8)]
    returns = phrase_returns(phrases)
    source, back = returns[1]
    assert back == phrases[3] and source == phrases[2]
    assert long_repeat_at_once(source, back)
    assert [(q.start_bar, p.start_bar) for q, p in returns] == [(0, 16), (16, 24), (8, 32)]
