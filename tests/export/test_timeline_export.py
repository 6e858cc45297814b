"""Cut lists out: the music and its shot markers in every timeline format, frame-exact at common rates.

Each file is read back with OTIO's own readers, and FCPXML with the app's own (video.fcpxml): OTIO's
truncates times through floats and rounds NTSC rates down to whole numbers. Where a reader is lossy,
the file's own times are checked instead: OTIO's EDL reader skips drop-frame locators (HH:MM:SS;FF).
"""

from __future__ import annotations

import re
from fractions import Fraction

import pytest

otio = pytest.importorskip("opentimelineio")

from bgm_studio.errors import BgmError  # noqa: E402
from bgm_studio.export.timeline import AudioFile, Marker, score_timeline, timeline_rate, write_timeline  # noqa: E402
from bgm_studio.video.fcpxml import read_fcpxml  # noqa: E402

RATES = {"23.976": 24000 / 1001, "25": 25.0, "29.97 DF": 30000 / 1001, "60": 60.0}
MARKER_FRAMES = [0, 77, 1799, 1800, 3597, 4313]  # across the minute where drop-frame skips numbers
TOTAL_FRAMES = 4500


def _timeline(rate: float, stems: int = 0):
    audio = [AudioFile("music", "/media/score.wav")] + [
        AudioFile(f"stem {k}", f"/media/stem{k}.wav") for k in range(stems)
    ]
    markers = [Marker(f / rate, f"shot {k}: C G (phrase A)") for k, f in enumerate(MARKER_FRAMES)]
    return score_timeline("edit score", TOTAL_FRAMES / rate, rate, audio, markers, "/media/edit.mp4")


def _read(path, rate):
    if path.suffix == ".fcpxml":
        (timeline,) = read_fcpxml(path)
        return timeline
    return otio.adapters.read_from_file(str(path), **({"rate": rate} if path.suffix == ".edl" else {}))


def _music(timeline):
    return next(c for t in timeline.audio_tracks() for c in t.find_clips() if c.name == "music")


@pytest.mark.parametrize("rate_name", RATES)
@pytest.mark.parametrize("suffix", [".otio", ".xml", ".edl", ".fcpxml"])
def test_music_clip_and_markers_come_back_to_the_frame(tmp_path, rate_name, suffix):
    rate = timeline_rate(RATES[rate_name])
    path = tmp_path / f"score{suffix}"
    write_timeline(_timeline(rate), path)
    music = _music(_read(path, rate))
    if suffix == ".fcpxml":  # the file's own rational times must be whole frames too
        text = path.read_text()
        starts = [Fraction(t) for t in re.findall(r'<marker start="([0-9/]+)s"', text.replace('"0s"', '"0/1s"'))]
        assert [s * Fraction(rate).limit_denominator(1001) for s in starts] == MARKER_FRAMES
        assert f'frameDuration="{1 / Fraction(rate).limit_denominator(1001)}s"' in text
    else:  # the app's FCPXML reader keeps no media references: the cuts need none
        assert music.media_reference.target_url == "file:///media/score.wav"
    assert music.source_range.duration.to_frames() == TOTAL_FRAMES
    assert music.source_range.duration.rate == pytest.approx(rate, rel=1e-9)
    if suffix == ".edl" and rate_name == "29.97 DF":
        locators = re.findall(r"\* LOC: (\d\d:\d\d:\d\d;\d\d)", path.read_text())
        frames = [otio.opentime.from_timecode(tc, rate).to_frames() for tc in locators]
    else:
        frames = [m.marked_range.start_time.to_frames() for m in music.markers]
    assert frames == MARKER_FRAMES


def test_drop_frame_timecode_in_the_edl(tmp_path):
    write_timeline(_timeline(30000 / 1001), tmp_path / "score.edl")
    text = (tmp_path / "score.edl").read_text()
    assert "00:02:30;04" in text  # 4500 frames at 29.97 drop-frame (two minutes crossed): the music's end
    assert "* LOC: 00:01:00;02" in text  # frame 1800: 00:01:00;00 and ;01 do not exist
    # said so after the title: without an FCM line an editor reads non-drop, 2 frames a minute off
    assert text.splitlines()[:2] == ["TITLE: edit score", "FCM: DROP FRAME"]
    write_timeline(_timeline(25.0), tmp_path / "pal.edl")
    assert (tmp_path / "pal.edl").read_text().splitlines()[1] == "FCM: NON-DROP FRAME"


@pytest.mark.parametrize("suffix", [".otio", ".xml", ".fcpxml"])
def test_each_stem_is_an_audio_track_of_its_own(tmp_path, suffix):
    path = tmp_path / f"score{suffix}"
    write_timeline(_timeline(25.0, stems=2), path)
    back = _read(path, 25.0)
    clips = sorted(c.name for t in back.audio_tracks() for c in t.find_clips())
    assert clips == ["music", "stem 0", "stem 1"] and len(back.audio_tracks()) == 3
    assert len(back.video_tracks()) == 1


def test_ntsc_rates_are_kept_exact():
    assert timeline_rate(23.976) == 24000 / 1001 and timeline_rate(29.97003) == 30000 / 1001
    assert timeline_rate(25.0) == 25.0 and timeline_rate(59.94) == 60000 / 1001


def test_an_unknown_format_is_one_line_and_writes_nothing(tmp_path):
    with pytest.raises(BgmError, match=r"written as \.otio, \.edl, \.xml, \.fcpxml"):
        write_timeline(_timeline(25.0), tmp_path / "score.aaf")
    assert list(tmp_path.iterdir()) == []
