"""Which bars of returning phrases play their source's accompaniment again."""

import numpy as np

from bgm_studio.model.composer import form_echoes, voiced_returns
from bgm_studio.music.structure import Phrase


def test_returning_phrases_echo_their_source_even_where_a_chord_differs_but_not_a_long_repeat_at_once():
    phrases = [Phrase("A", 0, 8), Phrase("A", 8, 8), Phrase("B", 16, 4), Phrase("A", 20, 8), Phrase("C", 28, 4)]
    roots = np.tile(np.repeat([0, 5, 7, 0], 4), 8)  # one chord a bar, the same 4 bars over and over
    roots[21 * 4 : 22 * 4] = 9  # bar 21 breaks the pattern
    echo = form_echoes(phrases, roots, np.zeros(len(roots), bool))
    assert (echo[:32] == -1).all() and (echo[64:80] == -1).all()  # the first A and the B echo nothing
    assert (echo[32:64] == -1).all()  # an 8-bar A at once: new figures under its melody's returning half
    assert echo[80:112].tolist() == list(range(0, 32))  # A after B: all of it, bar 21 on its own chord
    assert (echo[112:] == -1).all()


def test_a_return_that_runs_off_the_bar_lines_echoes_from_where_its_chords_are():
    phrases = [Phrase("A", 0, 4), Phrase("B", 4, 2), Phrase("A", 6, 4)]
    roots = np.full(44, 2)
    roots[:16] = np.repeat([0, 5, 7, 9], 4)
    roots[24:40] = np.roll(np.repeat([0, 5, 7, 9], 4), 1)  # one beat late: beat 24 still holds bar 3's chord
    echo = form_echoes(phrases, roots, np.zeros(len(roots), bool))
    assert echo[25:40].tolist() == list(range(0, 15))  # each beat plays the beat of the same chord
    assert echo[24] == -1  # its counterpart would fall before the source


def test_a_long_phrase_repeated_at_once_restates_its_source_voicing_and_nothing_else_does():
    phrases = [Phrase("A", 0, 8), Phrase("A", 8, 8), Phrase("B", 16, 4), Phrase("A", 20, 8), Phrase("C", 28, 4)]
    roots = np.tile(np.repeat([0, 5, 7, 0], 4), 8)
    voice = voiced_returns(phrases, roots, np.zeros(len(roots), bool))
    assert voice[32:64].tolist() == list(range(0, 32))  # the 8-bar A at once: new figures on its chord tones
    assert (voice[:32] == -1).all() and (voice[64:] == -1).all()  # the A after B echoes instead (form_echoes)


def test_a_long_phrase_repeated_at_once_after_a_cut_plays_its_source_again():
    phrases = [Phrase("A", 0, 8), Phrase("A", 8, 8), Phrase("B", 16, 4), Phrase("A", 20, 8), Phrase("C", 28, 4)]
    roots = np.tile(np.repeat([0, 5, 7, 0], 4), 8)
    cuts = np.zeros(len(roots), bool)
    cuts[[0, 32, 64]] = True  # a new shot where the second A starts
    assert form_echoes(phrases, roots, cuts)[32:64].tolist() == list(range(0, 32))
    assert (voiced_returns(phrases, roots, cuts) == -1).all()
