import numpy as np

from bgm_studio.music.notes import ACCOMPANIMENT, MELODY, Note
from bgm_studio.music.pianoroll import (
    anticipate_cuts,
    mark_cuts_in_ring,
    notes_to_roll,
    ring_out,
    roll_to_note_array,
    roll_to_notes,
)


def test_round_trip_keeps_every_note():
    notes = [
        Note(0, 60, 4, 90, MELODY),
        Note(4, 60, 2, 70, MELODY),  # repeated pitch stays two notes
        Note(0, 48, 16, 60, ACCOMPANIMENT),
        Note(8, 64, 1, 50, ACCOMPANIMENT),
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


def test_ring_out_holds_the_chord_struck_on_the_last_downbeat_with_its_root_in_the_bass():
    notes = np.array(
        [
            [0, 48, 16, 80, 1],
            [30, 62, 6, 70, 1],  # rings into the final chord: stops at it
            [32, 43, 2, 80, 1],
            [32, 59, 2, 80, 1],
            [32, 67, 4, 90, 0],  # the final chord
            [36, 71, 2, 80, 1],
            [44, 74, 2, 90, 0],
        ]
    )  # struck after it: gone
    out = roll_to_note_array(ring_out(notes_to_roll(notes, 48), 32, root=7, bass_ceiling=55))
    assert not (out[:, 0] > 32).any()
    final = out[out[:, 0] == 32]
    assert (final[:, 0] + final[:, 2] == 48).all() and final[:, 1].min() % 12 == 7
    assert out[(out[:, 1] == 62)][0, 2] == 2  # a note from before stops where the final chord starts
    wrong_bass = np.array([[32, 40, 4, 80, 1], [32, 55, 4, 80, 1]])  # E under a G chord
    out = roll_to_note_array(ring_out(notes_to_roll(wrong_bass, 48), 32, root=7, bass_ceiling=55))
    assert out[out[:, 0] == 32][:, 1].min() == 31  # a G added below the E


def test_ring_out_puts_the_root_in_the_bass_when_the_chords_lowest_root_lies_above_it():
    """A final chord struck with its root as the lowest note but above G3 (Bb3 under D4 F4) had no
    bass at all, and a cut inside it found no bass tone free to mark it with."""
    high = np.array([[32, 58, 4, 80, 1], [32, 62, 4, 80, 1], [32, 65, 4, 80, 1]])
    out = roll_to_note_array(ring_out(notes_to_roll(high, 48), 32, root=10, bass_ceiling=55))
    assert out[out[:, 0] == 32][:, 1].min() == 46  # Bb2
    marked = roll_to_note_array(mark_cuts_in_ring(notes_to_roll(out, 48), 32, np.array([36]), bass_ceiling=55))
    assert ((marked[:, 0] == 36) & (marked[:, 1] < 55)).any()


def test_ring_out_sounds_the_whole_final_chord_and_holds_a_melody_tone_ringing_into_it():
    # Found scoring a real 60-s single shot: the figure struck only its bass on the last downbeat and
    # the melody stopped there, so the piece ended on a lone B flat in the bass.
    g_major = np.zeros(12, bool)
    g_major[[7, 11, 2]] = True
    notes = np.array(
        [
            [24, 71, 10, 90, 0],  # the melody's last note (B4), struck before the final chord: rings on
            [32, 43, 4, 80, 1],  # the figure's bass alone on the last downbeat
            [34, 59, 2, 80, 1],  # the rest of the figure, struck after it: gone
        ]
    )
    out = roll_to_note_array(ring_out(notes_to_roll(notes, 48), 32, root=7, bass_ceiling=55, chord_pcs=g_major))
    final = out[(out[:, 0] == 32) & (out[:, 4] == 1)]
    assert set(final[:, 1] % 12) == {7, 11, 2} and final[:, 1].min() == 43  # G B D over the G bass
    assert (final[:, 0] + final[:, 2] == 48).all() and not (out[:, 0] > 32).any()
    assert out[out[:, 4] == 0].tolist() == [[24, 71, 24, 90, 0]]  # the melody's B held to the end
    off_chord = np.array([[24, 72, 10, 90, 0], [32, 43, 4, 80, 1]])  # a C is not in the chord: it stops
    out = roll_to_note_array(ring_out(notes_to_roll(off_chord, 48), 32, root=7, bass_ceiling=55, chord_pcs=g_major))
    assert out[out[:, 4] == 0][0, 2] == 8


def test_cuts_inside_the_final_chord_get_bass_attacks_over_its_held_root():
    # Found scoring real montages: the last two cuts, inside the final chord, were never marked.
    chord = np.array([[32, 43, 16, 80, 1], [32, 59, 16, 80, 1], [32, 62, 16, 80, 1], [32, 67, 16, 90, 0]])  # G major
    out = roll_to_note_array(mark_cuts_in_ring(notes_to_roll(chord, 48), 32, np.array([36, 40, 44, 47]), 55))
    late = out[out[:, 0] > 32]
    assert late[:, [0, 1]].tolist() == [
        [36, 47],
        [40, 50],
        [44, 50],
    ]  # B2, D3, then D3 again; none in the last half-beat
    assert out[(out[:, 0] == 40)][0, 2] == 4 and (late[:, 1] < 55).all()  # the D3 stops where it is struck again
    ringing = out[out[:, 0] + out[:, 2] == 48]
    assert ringing[ringing[:, 1].argmin()].tolist()[:2] == [32, 43]  # the bar line's G2 still lowest at the end


def test_a_cut_on_the_eighth_gets_the_bass_anticipating_the_next_beats_root():
    """Beats 0-1 on C, 2-3 on F; a cut on the eighth before beat 2 (step 6). The bass C2 held from
    beat 0 stops at the cut and F2 (the octave nearest the F2 struck on beat 2) is struck there for an
    eighth; the melody is untouched; a cut where the bass already strikes is left alone."""
    roots = np.array([0, 0, 5, 5])
    notes = [Note(0, 36, 8, 70, ACCOMPANIMENT), Note(8, 41, 8, 80, ACCOMPANIMENT), Note(4, 72, 8, 90, MELODY)]
    out = roll_to_notes(anticipate_cuts(notes_to_roll(notes, 16), np.array([6]), roots, bass_ceiling=55))
    assert out == sorted(
        [
            Note(0, 36, 6, 70, ACCOMPANIMENT),
            Note(6, 41, 2, 80, ACCOMPANIMENT),
            Note(8, 41, 8, 80, ACCOMPANIMENT),
            notes[2],
        ]
    )
    struck = [*notes, Note(6, 43, 2, 60, ACCOMPANIMENT)]
    assert roll_to_notes(anticipate_cuts(notes_to_roll(struck, 16), np.array([6]), roots, 55)) == roll_to_notes(
        notes_to_roll(struck, 16)
    )
