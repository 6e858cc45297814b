"""The piano-roll pictures show each note's track and how hard it is played."""

import numpy as np

from benchmarks import piano_rolls as R
from bgm_studio.music.structure import Phrase


def test_a_softer_note_is_drawn_paler_in_its_tracks_colour() -> None:
    assert R._shade(0, 127) == R.COLOURS[0] and R._shade(1, 127) == R.COLOURS[1]
    loud, soft = np.array(R._shade(1, 110)), np.array(R._shade(1, 40))
    assert (soft >= loud).all() and soft.sum() > loud.sum() + 100  # nearer white
    assert max(R._shade(1, 0)) < 255  # never invisible


def test_a_panel_draws_each_note_where_it_sounds() -> None:
    notes = np.array([[0, 60, 4, 127, 0], [16, 48, 8, 30, 1]])
    img = R.roll_image(notes, 2, [Phrase("A", 0, 2)], "two notes")
    y = 40 + (R.HIGH - 1 - 60) * R.PX_PITCH
    assert tuple(img[y + 1, 5]) == R.COLOURS[0]
    y = 40 + (R.HIGH - 1 - 48) * R.PX_PITCH
    assert tuple(img[y + 1, 16 * R.PX_STEP + 5]) == R._shade(1, 30)
