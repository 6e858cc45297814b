import math

import numpy as np
import pytest

from bgm_studio.music import form_metrics as F
from bgm_studio.music.evaluate import midi_folder_row, song_metrics
from bgm_studio.music.metrics import Annotations
from bgm_studio.music.midi import write_midi
from bgm_studio.music.notes import ACCOMPANIMENT, MELODY, Note, Score
from bgm_studio.music.pop909 import load_song


def arr(rows):
    return np.array(rows, dtype=np.int64).reshape(-1, 5)


def note(start, pitch, length, track=ACCOMPANIMENT):
    return (start, pitch, length, 80, track)


def test_bass_on_downbeat_counts_held_bass_and_skips_silent_bars():
    notes = arr(
        [
            note(0, 40, 32),  # struck on bar 0's downbeat, held over bar 1's
            note(32, 72, 8),
            note(36, 43, 8),  # bar 2: a bass note, but on beat 2
            note(64, 54, 4),  # bar 4: F#3, just below G3
            note(80, 55, 4),
        ]
    )  # bar 5: G3 itself is not bass; bar 3 is silent
    assert F.bass_on_downbeat(notes, 96) == pytest.approx(3 / 5)
    assert math.isnan(F.bass_on_downbeat(arr([]), 32))


def test_eight_bar_loop_transposed_and_half_changed():
    bar = lambda b, p: [note(16 * b, p, 4), note(16 * b + 8, p + 4, 4)]  # noqa: E731
    loop = arr([n for b in range(16) for n in bar(b, 60 + b % 8)])
    assert F.bar_self_similarity(loop) == 1.0
    moved = arr([n for b in range(16) for n in bar(b, 60 + b)])  # every bar new pitches
    assert F.bar_self_similarity(moved) == 0.0
    # bar 8 keeps (0, 60) and changes (8, 64) to (8, 65): overlap 1 of 3 onsets
    half = arr(bar(0, 60) + [note(128, 60, 4), note(136, 65, 4)])
    assert F.bar_self_similarity(half) == pytest.approx(1 / 3)
    assert math.isnan(F.bar_self_similarity(arr(bar(0, 60)), 64))  # shorter than 9 bars


def cadence(tonic_bass=36, bass_start=16, late=False):
    """Two bars: G chord, then a C chord from the bar line held for a bar; optionally a chord struck late."""
    rows = [
        note(0, 43, 16),
        note(0, 67, 16, MELODY),
        note(bass_start, tonic_bass, 32 - bass_start),
        note(16, 64, 16),
        note(16, 72, 16, MELODY),
    ]
    if late:
        rows += [note(31, 31, 1), note(31, 65, 1)]  # G1 under the held C2
    return arr(rows)


def test_held_tonic_ending_passes_every_check():
    assert F.ending_checks(cadence(), tonic_pc=0) == {
        "end_tonic_bass": 1.0,
        "end_held": 1.0,
        "end_no_late_attack": 1.0,
        "ending": 1.0,
    }


def test_endings_that_stop_instead_of_ending_fail():
    late = F.ending_checks(cadence(late=True), tonic_pc=0)
    assert late["end_no_late_attack"] == 0.0 and late["end_tonic_bass"] == 0.0 and late["ending"] == 0.0
    assert F.ending_checks(cadence(), tonic_pc=7)["end_tonic_bass"] == 0.0  # C is not G's tonic
    off_beat = F.ending_checks(cadence(bass_start=20), tonic_pc=0)
    assert off_beat["end_held"] == 0.0 and off_beat["end_tonic_bass"] == 1.0 and off_beat["ending"] == 0.0


def test_tonic_comes_from_the_key_at_the_end_or_an_estimate():
    notes = cadence()
    key = np.array([7] * 4 + [0] * 4)  # G major for bar 0, C major from bar 1
    assert F.final_tonic(notes, Annotations(key_tonic=key)) == 0
    scale = arr([note(4 * i, p, 4) for i, p in enumerate([60, 62, 64, 65, 67, 69, 71, 72, 60])])
    assert F.final_tonic(scale, Annotations()) == 0


def test_cut_marking_by_chord_bass_or_phrase():
    chords = np.zeros((16, 12), bool)
    chords[:4, [0, 4, 7]] = True  # C for beats 0-3, then G from beat 4
    chords[4:, [7, 11, 2]] = True
    notes = arr([note(0, 36, 16), note(32, 43, 8), note(33, 40, 4), note(48, 70, 4)])  # bass on beats 0 and 8
    m = F.cut_marking(notes, [4, 8, 12], 16, chords)
    assert m["cut_marked"] == pytest.approx(2 / 3)  # beat 4: chord change, beat 8: bass, beat 12: nothing
    assert m["cut_bass"] == pytest.approx(1 / 3) and m["other_bass"] == pytest.approx(1 / 13)
    assert F.cut_marking(notes, [4, 8, 12], 16, chords, phrase_start_beats=np.array([12]))["cut_marked"] == 1.0
    assert F.cut_marking(notes, [4, 8, 12], 16)["cut_marked"] == pytest.approx(1 / 3)  # no chords known
    assert math.isnan(F.cut_marking(notes, [], 16)["cut_marked"])


def test_cut_timing_to_the_nearest_beat_or_eighth():
    beats = [0.0, 0.5, 1.0]
    ms = F.cut_timing_ms([0.26, 0.125, 1.0, 1.30, -0.2], beats)
    assert ms == pytest.approx([10.0, 125.0, 0.0, 50.0, 50.0])
    with pytest.raises(ValueError):
        F.cut_timing_ms([0.1], [0.5, 0.5])


def test_real_song_is_in_the_range_of_real_pop(pop909_root):
    """POP909 819 measured by hand: a singable line on the beat grid with a bass on most downbeats."""
    m = song_metrics(load_song(pop909_root / "819"))
    assert m["mel_repeats"] == pytest.approx(0.254, abs=0.002)
    assert m["mel_stepwise"] == pytest.approx(0.386, abs=0.002)
    assert m["mel_leaps"] == 0.0
    assert 5 < m["mel_distinct_8"] < 7
    assert 0.6 < m["bass_downbeat"] < 0.75 and 0.1 < m["self_sim_8"] < 0.25
    assert m["end_tonic_bass"] == 1.0  # ends on B, its key's tonic


def test_estimated_chords_follow_an_arpeggio_without_flicker():
    c_arp = [note(4 * b, p, 4) for b, p in enumerate([48, 52, 55, 52, 48, 52, 55, 60])]  # C E G E C E G C
    g_arp = [note(32 + 4 * b, p, 4) for b, p in enumerate([43, 47, 50, 47, 43, 47, 50, 55])]  # G B D B ...
    pcs = F.estimated_chord_pcs(arr(c_arp + g_arp), 20)
    assert np.flatnonzero(F.chord_change_beats(pcs)).tolist() == [0, 8]  # silent beats 16-19 keep G
    assert np.flatnonzero(pcs[0]).tolist() == [0, 4, 7] and np.flatnonzero(pcs[8]).tolist() == [2, 7, 11]
    minor = F.estimated_chord_pcs(arr([note(0, 57, 4), note(0, 60, 4), note(0, 64, 4)]), 1)
    assert np.flatnonzero(minor[0]).tolist() == [0, 4, 9]  # A minor


def test_cuts_without_chord_labels_use_estimated_chords():
    c_then_g = arr(
        [note(0, 60, 16), note(0, 64, 16), note(0, 67, 16), note(16, 62, 16), note(16, 67, 16), note(16, 71, 16)]
    )  # no bass at all
    m = F.composition_metrics(c_then_g, 32, Annotations(cut_beats=np.array([2, 4])))
    assert m["cut_marked"] == pytest.approx(0.5) and m["cut_bass"] == 0.0  # beat 4: C -> G
    assert math.isnan(F.composition_metrics(c_then_g, 32)["cut_marked"])


def test_a_cut_on_an_eighth_is_marked_only_by_a_bass_struck_on_that_eighth(tmp_path):
    """A cut half a beat before a shot's first beat (controls.timing) is marked by the bass on it; read
    from a MIDI file its marker lies on the eighth, and counting it on the beat before (step // 4)
    called the anticipating bass of three montages unmarked (cut_marked 0.867, their projects 1.0)."""
    rows = [[0, 40, 4, 80, ACCOMPANIMENT], [14, 45, 2, 80, ACCOMPANIMENT], [16, 45, 8, 80, ACCOMPANIMENT]]
    notes = np.array(rows + [[0, 72, 32, 80, MELODY]])
    assert F.cut_marking(notes, [], 8, cut_eighths=[14])["cut_marked"] == 1.0
    assert F.cut_marking(notes, [], 8, cut_eighths=[10])["cut_marked"] == 0.0
    assert F.cut_marking(notes, [4], 8, cut_eighths=[14])["cut_marked"] == 1.0  # beat 4 (step 16): struck
    score = Score([Note(*r) for r in notes.tolist()], 32, 100.0, segment_starts=[14])
    write_midi(score, tmp_path / "piece.mid")
    assert midi_folder_row(tmp_path)[0]["cut_marked"] == 1.0
