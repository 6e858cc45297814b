"""Which bars of returning phrases play their source's accompaniment again."""

import numpy as np

from bgm_studio.model.composer import form_echoes
from bgm_studio.music.structure import Phrase


def test_returning_phrases_echo_their_source_where_the_chords_agree():
    phrases = [Phrase("A", 0, 8), Phrase("A", 8, 8), Phrase("B", 16, 4), Phrase("A", 20, 8), Phrase("C", 28, 4)]
    roots = np.tile(np.repeat([0, 5, 7, 0], 4), 8)  # one chord a bar, the same 4 bars over and over
    roots[21 * 4 : 22 * 4] = 9  # bar 21 breaks the pattern
    echo = form_echoes(phrases, roots)
    assert (echo[:32] == -1).all() and (echo[64:80] == -1).all()  # the first A and the B echo nothing
    assert echo[32:48].tolist() == list(range(0, 16))  # an 8-bar A at once: its first half echoes bars 0-3
    assert (echo[48:64] == -1).all()  # ... and its second half goes somewhere new
    assert echo[80:84].tolist() == list(range(0, 4))  # A after B: all of it, where the chords agree
    assert (echo[84:88] == -1).all()
    assert echo[88:112].tolist() == list(range(8, 32))
    assert (echo[112:] == -1).all()
