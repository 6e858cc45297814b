import numpy as np

from bgm_studio.music.notes import ACCOMPANIMENT, MELODY, Note
from bgm_studio.music.pianoroll import notes_to_roll, roll_to_notes


def test_round_trip_keeps_every_note():
    notes = [
        Note(0, 60, 4, 90, MELODY), Note(4, 60, 2, 70, MELODY),  # repeated pitch stays two notes
        Note(0, 48, 16, 60, ACCOMPANIMENT), Note(8, 64, 1, 50, ACCOMPANIMENT),
        Note(8, 60, 8, 55, ACCOMPANIMENT),  # same pitch as melody, other track
    ]
    roll = notes_to_roll(notes, 32)
    assert roll.onset.shape == (2, 32, 88)
    assert roll_to_notes(roll) == sorted(notes)


def test_later_onset_cuts_held_note_and_edges_clip():
    roll = notes_to_roll([Note(0, 60, 8, 80, MELODY), Note(4, 60, 2, 80, MELODY), Note(30, 72, 10, 80, MELODY)], 32)
    got = roll_to_notes(roll)
    assert got == [Note(0, 60, 4, 80, MELODY), Note(4, 60, 2, 80, MELODY), Note(30, 72, 2, 80, MELODY)]


def test_to_array_channel_order():
    roll = notes_to_roll([Note(1, 21, 3, 80, MELODY), Note(2, 108, 1, 80, ACCOMPANIMENT)], 8)
    arr = roll.to_array()
    assert arr.shape == (4, 8, 88)
    assert arr[0, 1, 0] == 1 and arr[1, 2:4, 0].tolist() == [1, 1]
    assert arr[2, 2, 87] == 1 and arr[3].sum() == 0
    assert np.isclose(arr.sum(), 4)
