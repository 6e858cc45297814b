"""Score -> MIDI events: order, chasing held notes on a seek, pedal."""

from __future__ import annotations

from bgm_studio.audio.events import NOTE_OFF, NOTE_ON, PEDAL, score_duration_s, score_events
from bgm_studio.music.notes import ACCOMPANIMENT, MELODY, Note, Score


def test_events_are_sorted_with_note_off_before_note_on_at_one_time():
    score = Score([Note(0, 60, 4, 90, MELODY), Note(4, 60, 4, 70, MELODY)], 8, 120.0)
    events = score_events(score)
    assert [(e.time_s, e.kind, e.value) for e in events] == [
        (0.0, NOTE_ON, 90),
        (0.5, NOTE_OFF, 0),
        (0.5, NOTE_ON, 70),
        (1.0, NOTE_OFF, 0),
    ]


def test_notes_held_at_the_start_time_are_struck_there():
    score = Score([Note(0, 48, 16, 80, ACCOMPANIMENT), Note(0, 72, 2, 80, MELODY), Note(8, 74, 2, 80, MELODY)], 16)
    events = score_events(score, start_s=0.75)
    assert [(e.time_s, e.kind, e.key) for e in events] == [
        (0.75, NOTE_ON, 48),
        (1.0, NOTE_ON, 74),
        (1.25, NOTE_OFF, 74),
        (2.0, NOTE_OFF, 48),
    ]


def test_pedal_spans_become_cc64_on_the_accompaniment_channel():
    score = Score([Note(0, 48, 1, 80, ACCOMPANIMENT)], 16)
    events = [e for e in score_events(score, 0.25, pedal=[(0, 4), (4, 8)]) if e.kind == PEDAL]
    assert [(e.time_s, e.channel, e.key, e.value) for e in events] == [
        (0.25, ACCOMPANIMENT, 64, 127),
        (0.5, ACCOMPANIMENT, 64, 0),
        (0.5, ACCOMPANIMENT, 64, 127),
        (1.0, ACCOMPANIMENT, 64, 0),
    ]


def test_duration_covers_the_grid_and_the_last_note():
    assert score_duration_s(Score([Note(0, 60, 40)], 32, 120.0)) == 5.0
    assert score_duration_s(Score([], 32, 120.0)) == 4.0


def test_times_follow_tempo_changes():
    score = Score([Note(0, 60, 4), Note(8, 62, 4)], 16, 120.0, tempo_changes=[(4, 60.0)])
    assert [e.time_s for e in score_events(score)] == [0.0, 0.5, 1.5, 2.5]
    assert score_duration_s(score) == 3.5
