"""Which bars of returning phrases play their source's accompaniment again."""
import numpy as np

from bgm_studio.model.composer import form_echoes
from bgm_studio.music.structure import Phrase


def test_returning_phrases_echo_their_source_where_the_chords_agree():
    phrases = [Phrase("A", 0, 4), Phrase("A", 4, 4), Phrase("B", 8, 4), Phrase("A", 12, 4), Phrase("C", 16, 4)]
    roots = np.tile(np.repeat([0, 5, 7, 0], 4), 5)  # one chord a bar, the same 4 bars over and over
    roots[13 * 4 : 14 * 4] = 9  # bar 13 breaks the pattern
    echo = form_echoes(phrases, roots)
    assert (echo[:16] == -1).all() and (echo[32:48] == -1).all()  # the first A and the B echo nothing
    assert echo[16:24].tolist() == list(range(0, 8))  # A at once: its first half echoes bars 0-1
    assert (echo[24:32] == -1).all()  # ... and its second half goes somewhere new
    assert echo[48:52].tolist() == list(range(0, 4))  # A after B: all of it, where the chords agree
    assert (echo[52:56] == -1).all()
    assert echo[56:64].tolist() == list(range(8, 16))
    assert (echo[64:] == -1).all()
