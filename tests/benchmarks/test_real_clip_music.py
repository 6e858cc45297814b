"""The real-footage benchmark holds out together the pieces that share footage."""

from benchmarks.real_clip_music import footage, main, sources_of


def test_the_montages_are_held_out_together_and_other_videos_alone() -> None:
    names = ["montage0", "montage3", "three-minutes", "vtest"]
    assert [footage(n) for n in names] == ["montages", "montages", "three-minutes", "vtest"]


def test_pieces_kept_in_a_folder_are_named_by_their_video(tmp_path) -> None:
    for name in ("vtest_s3.mid", "three-minutes_s10.mid", "montage1_s0.mid", "notes.txt"):
        (tmp_path / name).write_bytes(b"")
    assert sources_of(tmp_path) == ["montage1", "three-minutes", "vtest"]


def test_judging_a_missing_folder_is_one_line_and_exit_2(tmp_path, capsys) -> None:
    assert main(["--midi-dir", str(tmp_path / "absent")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such folder" in err
