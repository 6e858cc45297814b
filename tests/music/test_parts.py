"""Parts: the bass is the accompaniment's lowest line below G3, one note at a time."""

import numpy as np

from bgm_studio.music.notes import ACCOMPANIMENT, MELODY
from bgm_studio.music.parts import BASS, split_parts


def rows(*notes):
    return np.array(notes, np.int64).reshape(-1, 5)


def test_lowest_accompaniment_note_below_g3_becomes_bass():
    notes = rows(
        (0, 40, 8, 80, ACCOMPANIMENT),
        (0, 52, 8, 70, ACCOMPANIMENT),
        (0, 60, 8, 70, ACCOMPANIMENT),
        (0, 72, 4, 90, MELODY),
        (8, 43, 8, 80, ACCOMPANIMENT),
        (8, 59, 8, 70, ACCOMPANIMENT),
    )
    tracks = split_parts(notes)[:, 4].tolist()
    assert tracks == [BASS, ACCOMPANIMENT, ACCOMPANIMENT, MELODY, BASS, ACCOMPANIMENT]


def test_bass_plays_one_note_at_a_time_and_stays_below_the_ceiling():
    # 36 holds through step 8, so the 38 struck at step 4 stays accompaniment; 57 is above G3 (55).
    notes = rows(
        (0, 36, 8, 80, ACCOMPANIMENT),
        (4, 38, 2, 80, ACCOMPANIMENT),
        (8, 57, 4, 80, ACCOMPANIMENT),
        (12, 41, 4, 80, ACCOMPANIMENT),
    )
    tracks = split_parts(notes)[:, 4].tolist()
    assert tracks == [BASS, ACCOMPANIMENT, ACCOMPANIMENT, BASS]


def test_a_note_over_a_lower_sounding_one_is_not_bass():
    notes = rows((0, 50, 16, 80, ACCOMPANIMENT), (4, 53, 4, 80, ACCOMPANIMENT))
    out = split_parts(notes)
    assert out[:, 4].tolist() == [BASS, ACCOMPANIMENT]
    assert (out[:, :4] == notes[:, :4]).all()  # only the track changes


def test_a_piece_with_its_own_bass_track_passes_through():
    notes = rows((0, 40, 8, 80, ACCOMPANIMENT), (0, 33, 8, 80, BASS))
    assert (split_parts(notes) == notes).all()
    assert split_parts(rows()).shape == (0, 5)
