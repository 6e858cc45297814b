"""Presets, per-part programs, per-shot presets, and the programs they put into the MIDI."""

import mido
import pytest

from bgm_studio.errors import BgmError
from bgm_studio.music.arrangement import (
    PRESETS,
    Arrangement,
    arrange,
    arrangement_from_record,
    arrangement_record,
    parse_instrument,
)
from bgm_studio.music.midi import write_midi
from bgm_studio.music.notes import ACCOMPANIMENT, MELODY, Note, Score
from bgm_studio.music.parts import BASS


@pytest.fixture
def score() -> Score:
    notes = [
        Note(0, 72, 4, 90, MELODY),
        Note(0, 40, 16, 80, ACCOMPANIMENT),
        Note(0, 60, 8, 70, ACCOMPANIMENT),
        Note(16, 74, 4, 90, MELODY),
        Note(16, 43, 16, 80, ACCOMPANIMENT),
        Note(20, 62, 8, 70, ACCOMPANIMENT),
    ]
    return Score(sorted(notes), 32, 100.0, segment_starts=[16])


def programs_by_track(path) -> dict[str, list[tuple[int, int]]]:
    """Track name -> [(tick, program)] of its program changes."""
    out = {}
    for track in mido.MidiFile(path).tracks[1:]:
        tick, changes = 0, []
        for msg in track:
            tick += msg.time
            if msg.type == "program_change":
                changes.append((tick, msg.program))
        out[track.name] = changes
    return out


def test_preset_programs_appear_in_the_midi_one_track_per_part(score, tmp_path):
    write_midi(arrange(score, Arrangement("epiano-bass")), tmp_path / "a.mid")
    assert programs_by_track(tmp_path / "a.mid") == {"Melody": [(0, 4)], "Accompaniment": [(0, 4)], "Bass": [(0, 33)]}
    bass = [m for m in mido.MidiFile(tmp_path / "a.mid").tracks[3] if m.type == "note_on"]
    assert [(m.channel, m.note) for m in bass] == [(2, 40), (2, 43)]


def test_instrument_choice_and_shot_preset_change_programs_at_the_cut(score, tmp_path):
    arrangement = Arrangement("solo-piano").with_instrument("bass", 32).with_shot_preset(1, "music-box")
    write_midi(arrange(score, arrangement), tmp_path / "a.mid")
    cut = 16 * 480 // 4
    box = PRESETS["music-box"].parts
    assert programs_by_track(tmp_path / "a.mid") == {
        "Melody": [(0, 0), (cut, box[0].program)],
        "Accompaniment": [(0, 0), (cut, box[1].program)],
        "Bass": [(0, 32), (cut, box[2].program)],
    }


def test_arrange_splits_the_bass_and_keeps_every_note(score):
    arranged = arrange(score, Arrangement())
    assert sorted((n.start, n.pitch) for n in arranged.notes) == sorted((n.start, n.pitch) for n in score.notes)
    assert [n.pitch for n in arranged.track_notes(BASS)] == [40, 43]


def test_arrangement_record_round_trip_and_bad_values():
    arrangement = Arrangement("ambient").with_instrument("melody", 11).with_shot_preset(2, "solo-piano")
    assert arrangement_from_record(arrangement_record(arrangement)) == arrangement
    assert parse_instrument("bass=33") == ("bass", 33)
    for text, words in (("drums=3", "unknown part"), ("bass", "PART=PROGRAM"), ("bass=128", "out of range")):
        with pytest.raises(BgmError, match=words):
            parse_instrument(text)
    with pytest.raises(BgmError, match="unknown preset"):
        Arrangement("kazoo")
