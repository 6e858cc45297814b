"""MIDI export round trips through mido, pretty_midi and our own reader."""

from __future__ import annotations

import mido
import pytest

from bgm_studio.errors import BgmError
from bgm_studio.export.midi import export_midi
from bgm_studio.music.midi import read_midi
from bgm_studio.music.notes import MELODY

pretty_midi = pytest.importorskip("pretty_midi")


def test_type1_with_tempo_meter_named_tracks_programs_and_markers(score, tmp_path):
    path = tmp_path / "music.mid"
    export_midi(score, path, programs=(73, 0))
    mid = mido.MidiFile(path)
    assert mid.type == 1 and [t.name for t in mid.tracks] == ["BGM Studio", "Melody", "Accompaniment"]
    meta = [m for m in mid.tracks[0] if m.is_meta]
    assert [round(mido.tempo2bpm(m.tempo), 3) for m in meta if m.type == "set_tempo"] == [100.0, 110.0]
    assert any(m.type == "time_signature" and (m.numerator, m.denominator) == (4, 4) for m in meta)
    assert [m.text for m in meta if m.type == "marker"] == ["Shot 1", "Shot 2"]
    programs = [(m.channel, m.program) for t in mid.tracks for m in t if m.type == "program_change"]
    assert programs == [(0, 73), (1, 0)]


def test_notes_round_trip_exactly(score, tmp_path):
    path = tmp_path / "music.mid"
    export_midi(score, path)
    back = read_midi(path)
    assert back.notes == score.notes and back.segment_starts == score.segment_starts
    assert back.tempo_bpm == pytest.approx(score.tempo_bpm, rel=1e-5)
    pm = pretty_midi.PrettyMIDI(str(path))
    by_name = {inst.name: inst for inst in pm.instruments}
    for track, name in enumerate(["Melody", "Accompaniment"]):
        got = sorted((n.start, n.end, n.pitch, n.velocity) for n in by_name[name].notes)
        want = sorted(
            (score.seconds_at(n.start), score.seconds_at(n.end), n.pitch, n.velocity) for n in score.track_notes(track)
        )
        assert [g[2:] for g in got] == [w[2:] for w in want]
        for g, w in zip(got, want):  # MIDI stores tempo in whole microseconds per beat
            assert g[0] == pytest.approx(w[0], abs=1e-5) and g[1] == pytest.approx(w[1], abs=1e-5)
    assert by_name["Melody"].program == 0 and not by_name["Melody"].is_drum
    assert len(score.track_notes(MELODY)) == len(by_name["Melody"].notes)


def test_missing_folder_is_a_one_line_error(score, tmp_path):
    with pytest.raises(BgmError, match="does not exist") as info:
        export_midi(score, tmp_path / "nope" / "music.mid")
    assert "\n" not in str(info.value)
