import math

import numpy as np
import pytest

from bgm_studio.music.melody_metrics import distinct_per_window, melody_line, melody_metrics
from bgm_studio.music.notes import ACCOMPANIMENT, MELODY


def arr(rows):
    return np.array(rows, dtype=np.int64).reshape(-1, 5)


def line(pitches, step=4):
    """A melody of one note every `step` 16ths."""
    return arr([(i * step, p, step, 80, MELODY) for i, p in enumerate(pitches)])


def test_scale_is_all_steps_and_seven_pitches():
    m = melody_metrics(line([60, 62, 64, 65, 67, 69, 71, 72]))
    assert m["mel_stepwise"] == 1.0
    assert m["mel_repeats"] == 0.0 and m["mel_leaps"] == 0.0
    assert m["mel_most_common"] == pytest.approx(1 / 8)
    assert m["mel_distinct_8"] == 8.0  # 2 bars: one window over the whole span


def test_repeated_note_is_all_repeats():
    m = melody_metrics(line([67] * 10))
    assert m["mel_repeats"] == 1.0 and m["mel_most_common"] == 1.0
    assert m["mel_stepwise"] == 0.0 and m["mel_distinct_8"] == 1.0


def test_leaps_over_an_octave_and_an_octave_itself():
    m = melody_metrics(line([60, 74, 60, 72, 74]))  # intervals 14, 14, 12, 2
    assert m["mel_leaps"] == pytest.approx(2 / 4)  # an octave (12) is not over an octave
    assert m["mel_stepwise"] == pytest.approx(1 / 4)
    assert m["mel_most_common"] == pytest.approx(2 / 5)


def test_melody_line_is_the_top_melody_note_per_onset():
    notes = arr(
        [
            (0, 60, 4, 80, MELODY),
            (0, 64, 4, 80, MELODY),
            (0, 84, 4, 80, ACCOMPANIMENT),
            (4, 62, 4, 80, MELODY),
            (8, 55, 4, 80, MELODY),
            (8, 67, 4, 80, MELODY),
        ]
    )
    starts, pitches = melody_line(notes[::-1])  # order of rows does not matter
    assert starts.tolist() == [0, 4, 8] and pitches.tolist() == [64, 62, 67]


def test_distinct_pitches_slide_over_the_melody_span_only():
    # one note per bar, a new pitch each bar, over bars 4..19 (bars 0-3 and 20-23 have no melody)
    notes = arr(
        [(16 * b, 48 + b, 16, 80, MELODY) for b in range(4, 20)]
        + [(16 * b, 36, 16, 80, ACCOMPANIMENT) for b in range(24)]
    )
    starts, pitches = melody_line(notes)
    assert distinct_per_window(starts, pitches) == 8.0  # windows 4-11 ... 12-19, each 8 new pitches
    # a 16-bar tune whose second half repeats the first: 8 pitches in every window
    tune = arr([(16 * b, 60 + b % 8, 16, 80, MELODY) for b in range(16)])
    assert distinct_per_window(*melody_line(tune)) == 8.0
    # two pitches alternating by bar: never more than 2
    assert (
        distinct_per_window(*melody_line(arr([(16 * b, 60 + 2 * (b % 2), 16, 80, MELODY) for b in range(12)]))) == 2.0
    )


def test_no_melody_gives_nan_not_an_error():
    m = melody_metrics(arr([(0, 40, 16, 80, ACCOMPANIMENT)]))
    assert all(math.isnan(v) for v in m.values())
    one = melody_metrics(line([60]))
    assert one["mel_most_common"] == 1.0 and math.isnan(one["mel_stepwise"])
