"""The training data pipeline: windows, pitch-shift augmentation, the chord model's and the control
quantiles' fitting, on a small song made here."""

import numpy as np

from bgm_studio.controls.video_mapping import ControlQuantiles
from bgm_studio.model.chords import ChordModel
from bgm_studio.model.data import MODEL_PITCH_NUMBERS, sample_window, shift_pitch, song_to_roll
from bgm_studio.music.pop909 import Song

C_MAJOR, G_MAJOR = (0, 4, 7), (7, 11, 2)


def song(bars: int = 8, notes_per_bar: int = 4) -> Song:
    """A song in C major: melody C5 and a C3 bass on each beat over C, then G, a chord a bar."""
    rows = []
    for bar in range(bars):
        for beat in range(notes_per_bar):
            step = bar * 16 + beat * 4
            rows += [(step, 72, 2, 90, 0), (step, 48 if bar % 2 == 0 else 43, 4, 60, 1)]
    n_beats = bars * 4
    root = np.array([0 if (b // 4) % 2 == 0 else 7 for b in range(n_beats)])
    pcs = np.zeros((n_beats, 12), bool)
    for b, r in enumerate(root):
        pcs[b, list(C_MAJOR if r == 0 else G_MAJOR)] = True
    return Song(
        "x",
        np.array(rows, np.int32),
        bars * 16,
        120.0,
        root,
        pcs,
        np.zeros(n_beats, np.int64),
        np.zeros(n_beats, bool),
    )


def test_a_window_is_whole_bars_of_the_song_with_the_controls_of_its_notes():
    w = sample_window(song_to_roll(song()), 16, np.random.default_rng(0))
    assert w.roll.shape == (4, 64, 96) and w.chords.shape == (2, 64, 96)
    melody_on = np.argwhere(w.roll[0])
    assert set(melody_on[:, 0] % 4) == {0} and set(MODEL_PITCH_NUMBERS[melody_on[:, 1]]) == {72}
    assert np.allclose(w.controls.density, 8) and np.allclose(w.controls.register[:4], (72 + 48) / 2)


def test_pitch_shift_moves_notes_chords_and_register_together():
    roll = song_to_roll(song())
    plain = sample_window(roll, 16, np.random.default_rng(3))
    up = sample_window(roll, 16, np.random.default_rng(3), shift=5)
    assert np.array_equal(up.roll, shift_pitch(plain.roll, 5, axis=2))
    assert np.array_equal(up.chords[:, :, 5:], plain.chords[:, :, :-5])  # chord tones and root, pitch-aligned
    assert set(up.controls.chord_root.tolist()) == {5, 0}  # C -> F, G -> C
    assert np.allclose(up.controls.register, plain.controls.register + 5)
    assert np.array_equal(up.controls.density, plain.controls.density)


def test_the_chord_model_counts_the_progressions_it_is_fitted_on():
    model = ChordModel.fit([song(bars=8)])
    after_c = {k: v for k, v in model.tables.items() if k.startswith("maj|") and k.endswith("|0:145")}
    assert after_c and sum(t.get("7:2180", 0) for t in after_c.values()) >= 1  # C is followed by G
    assert sum(sum(model.tables[f"maj|{h}"].values()) for h in (0, 1)) == 16  # every half bar counted once
    # C C G G ... comes round every 2 bars: from the tenth half bar on, each plays the chord of 4 and of 8 half
    # bars before, as the one before did
    assert {k: v for k, v in model.tables.items() if k.startswith("recall")} == {"recall|11|11": {"same": 7}}


def test_control_quantiles_span_the_bars_they_are_fitted_on_and_skip_empty_ones():
    sparse, busy = song(bars=4, notes_per_bar=1), song(bars=4, notes_per_bar=4)
    busy.notes = busy.notes[busy.notes[:, 0] < 48]  # its last bar silent
    q = ControlQuantiles.fit([sparse, busy]).table["density"]
    assert q[0] == 2 and q[-1] == 8 and all(a <= b for a, b in zip(q, q[1:]))
