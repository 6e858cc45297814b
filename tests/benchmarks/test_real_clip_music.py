"""The real-footage benchmark holds out together the pieces that share footage."""

from benchmarks.real_clip_music import footage


def test_the_montages_are_held_out_together_and_other_videos_alone() -> None:
    names = ["montage0", "montage3", "three-minutes", "vtest"]
    assert [footage(n) for n in names] == ["montages", "montages", "three-minutes", "vtest"]
