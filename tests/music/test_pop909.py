import os
import shutil

import numpy as np
import pytest

from bgm_studio.errors import BgmError
from bgm_studio.music.notes import MELODY, STEPS_PER_BAR, STEPS_PER_BEAT
from bgm_studio.music.metrics import BASS_CEILING
from bgm_studio.music.pop909 import (
    TEST_IDS,
    TRAIN_IDS,
    downbeat_phase,
    load_song,
    load_split,
    read_beats,
    songs_in_range,
)


def test_split_is_fixed():
    assert TRAIN_IDS[0] == "001" and TRAIN_IDS[-1] == "818" and len(TRAIN_IDS) == 818
    assert TEST_IDS[0] == "819" and TEST_IDS[-1] == "909" and len(TEST_IDS) == 91


def test_song_on_its_beat_grid(pop909_root):
    song = load_song(pop909_root / "001")
    assert song.n_steps % STEPS_PER_BAR == 0
    assert (song.notes[:, 4] == MELODY).sum() > 100
    beats, pad = read_beats(pop909_root / "001" / "beat_midi.txt")
    assert song.n_beats >= len(beats) + pad
    assert len(song.chord_root) == song.n_beats == len(song.key_tonic)
    # Quantised on the song's own beats, most onsets fall on the 8th grid.
    assert np.mean(song.notes[:, 0] % 2 == 0) > 0.75
    # Bar lines sit on annotated downbeats: beat `pad` (first downbeat) is a multiple of 4.
    assert (pad + int(np.argmax(np.loadtxt(pop909_root / "001" / "beat_midi.txt")[:, 2] > 0.5))) % 4 == 0
    assert song.key_tonic[song.n_beats // 2] == 6  # Gb major
    assert 80 < song.tempo_bpm < 100


def _bass_strikes_by_beat(song) -> np.ndarray:
    """Share of the accompaniment's bass strikes on beats that fall on each beat of the bar."""
    bass = song.notes[(song.notes[:, 4] != MELODY) & (song.notes[:, 1] < BASS_CEILING) & (song.notes[:, 0] % 4 == 0)]
    return np.bincount(bass[:, 0] // STEPS_PER_BEAT % 4, minlength=4) / len(bass)


def test_bar_lines_fall_on_the_musics_downbeats(pop909_root):
    """Song 805's annotated downbeats sit a beat before its music's: it struck 2% of its bass on
    the bar line and 52% on the second beat, and its chords changed there."""
    song = load_song(pop909_root / "805")
    strikes = _bass_strikes_by_beat(song)
    assert strikes[0] > 0.5 and strikes[1] < 0.05
    assert downbeat_phase(song) == 0


def test_downbeats_annotated_a_beat_late_give_the_same_bars(pop909_root, tmp_path):
    _copy_songs(pop909_root, tmp_path, ["001"])
    right = load_song(tmp_path / "001")
    beats = tmp_path / "001" / "beat_midi.txt"
    rows = [line.split() for line in beats.read_text().splitlines() if line.strip()]
    flags = [r[2] for r in rows]
    beats.write_text("".join(f"{r[0]} {r[1]} {f}\n" for r, f in zip(rows, flags[-1:] + flags[:-1])))
    late = load_song(tmp_path / "001")
    assert np.array_equal(late.notes, right.notes)
    assert np.array_equal(late.chord_root, right.chord_root)


def _copy_songs(src, dst, ids):
    for sid in ids:
        shutil.copytree(src / sid, dst / sid)


def test_bad_song_is_reported_and_skipped(pop909_root, tmp_path):
    _copy_songs(pop909_root, tmp_path, ["819", "820", "821"])
    (tmp_path / "820" / "chord_midi.txt").unlink()
    (tmp_path / "821" / "beat_midi.txt").write_text("0.5 1\n")
    songs, problems = load_split("test", tmp_path)
    assert [s.song_id for s in songs] == ["819"]
    assert len(problems) == 2
    assert "820/chord_midi.txt" in problems[0] and "missing" in problems[0]
    assert "821/beat_midi.txt" in problems[1] and "malformed" in problems[1]


def test_loading_never_forks_the_caller(pop909_root, tmp_path, monkeypatch):
    """A forked child of a process running threads (the app, torch, a test runner) can wait forever
    on a lock one of them held: `eval` hung so inside the test suite."""

    def no_fork():
        raise AssertionError("os.fork called")

    monkeypatch.setattr(os, "fork", no_fork)
    _copy_songs(pop909_root, tmp_path, ["819", "820"])
    songs, problems = load_split("test", tmp_path, use_cache=False)
    assert [s.song_id for s in songs] == ["819", "820"] and not problems


def test_cache_gives_same_songs(pop909_root, tmp_path):
    _copy_songs(pop909_root, tmp_path, ["819"])
    first, _ = load_split("test", tmp_path)
    again, _ = load_split("test", tmp_path)
    assert np.array_equal(first[0].notes, again[0].notes)


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(BgmError, match="POP909 folder not found"):
        load_split("test", tmp_path / "nowhere")
    with pytest.raises(BgmError, match="no POP909 song folders"):
        load_split("test", tmp_path)
    assert STEPS_PER_BEAT == 4


def test_a_range_of_songs_within_a_split():
    """`eval --songs`: the validation songs 771-818 of the train split, one song, and ranges that
    run past the split's end keep to it; a range outside it or malformed is a one-line error."""
    assert songs_in_range("771-818", "train") == [f"{i}" for i in range(771, 819)]
    assert songs_in_range(" 826 ", "test") == ["826"]
    assert songs_in_range("900-999", "test") == [f"{i}" for i in range(900, 910)]
    assert songs_in_range("1-3", "all") == ["001", "002", "003"]
    with pytest.raises(BgmError, match="no train song in that range"):
        songs_in_range("819-830", "train")
    for bad in ("x", "771-", "-5", "7 7", "²"):
        with pytest.raises(BgmError, match="a range such as 771-818"):
            songs_in_range(bad, "train")
