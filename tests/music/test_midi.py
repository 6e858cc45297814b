import mido
import pretty_midi
import pytest

from bgm_studio.errors import BgmError
from bgm_studio.music.midi import read_midi, write_midi
from bgm_studio.music.notes import ACCOMPANIMENT, MELODY, Note, Score


def _score() -> Score:
    notes = [
        Note(0, 72, 4, 100, MELODY),
        Note(4, 74, 2, 90, MELODY),
        Note(6, 76, 10, 80, MELODY),
        Note(0, 48, 16, 60, ACCOMPANIMENT),
        Note(0, 55, 8, 61, ACCOMPANIMENT),
        Note(16, 43, 16, 62, ACCOMPANIMENT),
    ]
    return Score(sorted(notes), 32, tempo_bpm=96.0, segment_starts=[16])


def test_round_trip_exact(tmp_path):
    path = tmp_path / "a.mid"
    write_midi(_score(), path, programs=(0, 4))
    back = read_midi(path)
    assert back.notes == _score().notes
    assert back.segment_starts == [16]
    assert back.tempo_bpm == pytest.approx(96.0, abs=1e-3)


def test_file_is_type1_with_names_programs_and_markers(tmp_path):
    path = tmp_path / "a.mid"
    write_midi(_score(), path, programs=(0, 4))
    mid = mido.MidiFile(path)
    assert mid.type == 1
    assert [t.name for t in mid.tracks] == ["BGM Studio", "Melody", "Accompaniment"]
    markers = [m.text for m in mid.tracks[0] if m.type == "marker"]
    assert markers == ["Shot 1"]
    pm = pretty_midi.PrettyMIDI(str(path))
    assert [i.program for i in pm.instruments] == [0, 4]
    assert len(pm.instruments[0].notes) == 3
    # 96 BPM: a 16th step lasts 60/96/4 s; the note at step 4 starts at 0.625 s.
    assert pm.instruments[0].notes[1].start == pytest.approx(4 * 60 / 96 / 4)


def test_bad_files_give_one_line_errors(tmp_path):
    empty = tmp_path / "empty.mid"
    empty.write_bytes(b"")
    junk = tmp_path / "junk.mid"
    junk.write_text("this is not midi")
    for path, words in ((empty, "empty"), (junk, "not a readable MIDI"), (tmp_path / "none.mid", "no such")):
        with pytest.raises(BgmError, match=words) as info:
            read_midi(path)
        assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_write_refuses_missing_folder_and_leaves_nothing(tmp_path):
    with pytest.raises(BgmError, match="does not exist"):
        write_midi(_score(), tmp_path / "nope" / "a.mid")
    write_midi(_score(), tmp_path / "ok.mid")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok.mid"]


def test_tempo_changes_round_trip_and_timing(tmp_path):
    score = _score()
    score.tempo_changes = [(16, 120.0)]
    path = tmp_path / "t.mid"
    write_midi(score, path)
    back = read_midi(path)
    assert back.tempo_changes == [(16, pytest.approx(120.0, abs=1e-3))]
    # 16 steps at 96 BPM then 16 at 120 BPM.
    assert back.seconds_at(16) == pytest.approx(16 * 60 / 96 / 4)
    assert back.duration_s() == pytest.approx(16 * 60 / 96 / 4 + 16 * 60 / 120 / 4)
    pm = pretty_midi.PrettyMIDI(str(path))
    assert pm.instruments[1].notes[-1].start == pytest.approx(back.seconds_at(16), abs=1e-3)
