"""Cut lists in: an editor's timeline, in each format OTIO reads, gives the shots; mismatches are one line."""

from __future__ import annotations

from fractions import Fraction

import pytest

otio = pytest.importorskip("opentimelineio")

from bgm_studio.errors import BgmError  # noqa: E402
from bgm_studio.video.cutlist import read_cutlist  # noqa: E402
from bgm_studio.video.decode import VideoInfo  # noqa: E402

RT, TR = otio.opentime.RationalTime, otio.opentime.TimeRange


def _info(fps: float = 25.0, seconds: float = 5.0, nominal: float | None = None) -> VideoInfo:
    return VideoInfo("edit.mp4", seconds, fps, nominal or fps, 320, 180, 0, False, "h264", round(seconds * fps))


def _timeline(lengths: list[int | None], rate: float = 25.0, tracks: int = 1, start_tc: int = 0, gap_frames: int = 10):
    """Clips of the given lengths in frames (None: a gap of gap_frames) on `tracks` identical video tracks."""
    tl = otio.schema.Timeline("edit", global_start_time=RT(start_tc, rate) if start_tc else None)
    for k in range(tracks):
        track = otio.schema.Track(f"V{k + 1}", kind=otio.schema.TrackKind.Video)
        for i, n in enumerate(lengths):
            if n is None:
                track.append(otio.schema.Gap(source_range=TR(RT(0, rate), RT(gap_frames, rate))))
                continue
            ref = otio.schema.ExternalReference(
                f"file:///media/c{i}.mov", available_range=TR(RT(0, rate), RT(500, rate))
            )
            track.append(otio.schema.Clip(f"c{i}", media_reference=ref, source_range=TR(RT(7 * i, rate), RT(n, rate))))
        tl.tracks.append(track)
    return tl


def _write(tl, path):
    otio.adapters.write_to_file(tl, str(path))
    return path


def _starts(cuts) -> list[float]:
    return [round(s.start_s, 6) for s in cuts.shots]


@pytest.mark.parametrize("suffix", [".otio", ".edl", ".xml", ".fcpxml", ".kdenlive"])
def test_every_format_gives_the_clips_as_shots_to_the_frame(tmp_path, suffix):
    path = _write(_timeline([30, 45, 20, 30]), tmp_path / f"edit{suffix}")
    cuts = read_cutlist(path, _info(seconds=5.0), 5.0)
    assert _starts(cuts) == [0.0, 1.2, 3.0, 3.8]
    assert cuts.shots[-1].end_s == 5.0 and cuts.transitions == ("start", "cut", "cut", "cut")
    assert cuts.notes == () and cuts.rate == 25.0


@pytest.mark.parametrize("rate", [24000 / 1001, 30000 / 1001, 60.0])
def test_cuts_land_on_the_timeline_frames_at_other_rates(tmp_path, rate):
    path = _write(_timeline([48, 25, 71], rate=rate), tmp_path / "edit.otio")
    cuts = read_cutlist(path, _info(fps=rate, seconds=144 / rate), 144 / rate)
    assert [round(s.start_s * rate, 6) for s in cuts.shots] == [0, 48, 73]


@pytest.mark.parametrize("suffix", [".edl", ".otio"])
def test_a_phones_variable_rate_clip_is_cut_at_its_nominal_rate(tmp_path, suffix):
    """Its frames average 28 a second, and the editor's timeline counts it at the 30 it states: the
    cuts at frames 60 and 105 fall at 2.0 and 3.5 s (an EDL was read at 28 and refused)."""
    path = _write(_timeline([60, 45, 75], rate=30.0), tmp_path / f"edit{suffix}")
    cuts = read_cutlist(path, _info(fps=28.0, seconds=6.0, nominal=30.0), 6.0)
    assert _starts(cuts) == [0.0, 2.0, 3.5] and cuts.rate == 30.0 and cuts.shots[-1].end_s == 6.0


def test_another_frame_rate_is_refused(tmp_path):
    path = _write(_timeline([30, 45], rate=24.0), tmp_path / "edit.otio")
    with pytest.raises(BgmError, match="24.000 fps but the video at 23.976 fps") as err:
        read_cutlist(path, _info(fps=24000 / 1001, seconds=3.1), 3.1)
    assert "\n" not in str(err.value)


def test_a_timeline_longer_than_the_video_is_refused(tmp_path):
    path = _write(_timeline([50, 50, 30]), tmp_path / "edit.otio")
    with pytest.raises(BgmError, match="lasts 5.20 s but the video only 5.00 s"):
        read_cutlist(path, _info(seconds=5.0), 5.0)


def test_a_last_frame_of_rounding_is_no_mismatch(tmp_path):
    path = _write(_timeline([50, 76]), tmp_path / "edit.otio")  # 5.04 s for a 5.0 s video
    assert read_cutlist(path, _info(), 5.0).shots[-1].end_s == 5.0


def test_overlapping_clips_are_refused(tmp_path):
    path = tmp_path / "edit.edl"
    path.write_text(
        "TITLE: overlap\n\n"
        "001  AX  V  C  00:00:00:00 00:00:02:00 00:00:00:00 00:00:02:00\n"
        "002  AX  V  C  00:00:05:00 00:00:07:00 00:00:01:12 00:00:03:12\n"
    )
    with pytest.raises(BgmError, match="clips overlap") as err:
        read_cutlist(path, _info(), 5.0)
    assert "\n" not in str(err.value)


def test_a_gap_becomes_a_shot_of_its_own_and_is_reported(tmp_path):
    path = _write(_timeline([30, None, 40, 45], gap_frames=10), tmp_path / "edit.otio")
    cuts = read_cutlist(path, _info(), 5.0)
    assert _starts(cuts) == [0.0, 1.2, 1.6, 3.2]
    assert [n.split(": ", 1)[1] for n in cuts.notes] == ["a gap at 1.20-1.60 s becomes shot 1 of its own"]


def test_the_rest_of_a_longer_video_becomes_a_last_shot(tmp_path):
    path = _write(_timeline([30, 45]), tmp_path / "edit.otio")
    cuts = read_cutlist(path, _info(), 5.0)
    assert _starts(cuts) == [0.0, 1.2, 3.0] and cuts.shots[-1].end_s == 5.0
    assert "the rest of the video becomes shot 2" in cuts.notes[0]


def test_a_record_timecode_start_is_taken_as_the_first_frame(tmp_path):
    path = _write(_timeline([30, 45, 50], start_tc=25 * 3600), tmp_path / "edit.otio")
    cuts = read_cutlist(path, _info(), 5.0)
    assert _starts(cuts) == [0.0, 1.2, 3.0]
    assert "starts at timecode 01:00:00:00; taken as the video's first frame" in cuts.notes[0]


def test_an_edl_recorded_from_one_hour_is_read_from_its_first_event(tmp_path):
    path = tmp_path / "edit.edl"
    path.write_text(
        "TITLE: hour\nFCM: NON-DROP FRAME\n\n"
        "001  AX  V  C  00:00:00:00 00:00:02:00 01:00:00:00 01:00:02:00\n"
        "002  AX  V  C  00:00:05:00 00:00:08:00 01:00:02:00 01:00:05:00\n"
    )
    cuts = read_cutlist(path, _info(), 5.0)
    assert _starts(cuts) == [0.0, 2.0]
    assert "01:00:00:00" in cuts.notes[0]


def test_the_track_with_the_most_clips_gives_the_cuts_and_says_so(tmp_path):
    """A title on V2 over an edit on V1, as in most Premiere and Resolve timelines: the top track gave
    the cuts, a gap, the title and a gap, and every cut of the edit was lost."""
    tl = _timeline([30, 45, 20, 30], tracks=1)
    titles = _timeline([None, 20, None], gap_frames=40).tracks[0]
    titles.name = "titles"
    tl.tracks.append(titles.deepcopy())
    cuts = read_cutlist(_write(tl, tmp_path / "edit.otio"), _info(), 5.0)
    assert _starts(cuts) == [0.0, 1.2, 3.0, 3.8]
    assert "2 video tracks; V1 (the most clips) gives the cuts" in cuts.notes[0]
    tl.tracks[1] = _timeline([60, 65], tracks=1).tracks[0].deepcopy()  # as many clips on top: the top one
    tl.tracks[0] = _timeline([30, 45, 50], tracks=1).tracks[0].deepcopy()
    tl.tracks[1].append(otio.schema.Clip("c2", source_range=TR(RT(0, 25.0), RT(0, 25.0))))
    assert _starts(read_cutlist(_write(tl, tmp_path / "even.otio"), _info(), 5.0)) == [0.0, 2.4]


def test_a_dissolve_is_kept_as_the_shot_start_kind(tmp_path):
    tl = _timeline([30, 45, 50])
    tl.tracks[0].insert(2, otio.schema.Transition(in_offset=RT(5, 25), out_offset=RT(5, 25)))
    cuts = read_cutlist(_write(tl, tmp_path / "edit.otio"), _info(), 5.0)
    assert _starts(cuts) == [0.0, 1.2, 3.0] and cuts.transitions == ("start", "cut", "dissolve")


@pytest.mark.parametrize(
    "name, text, words",
    [
        ("edit.txt", "x", "not a cut list this reads"),
        ("edit.otio", "{not json", "cannot be read as a cut list"),
        ("missing.otio", None, "no such cut list"),
        ("empty.otio", "{}", "holds no timeline, not one; export a single sequence"),  # was "holds AnyDictionary"
    ],
)
def test_unreadable_cut_lists_are_one_line(tmp_path, name, text, words):
    path = tmp_path / name
    if text is not None:
        path.write_text(text)
    with pytest.raises(BgmError, match=words) as err:
        read_cutlist(path, _info(), 5.0)
    assert "\n" not in str(err.value)


def test_analysis_from_a_cut_list_measures_the_opening_of_each_shot(cut_clip, tmp_path, monkeypatch):
    """The detected shots given back as a cut list: the same shots, with features measured on the opening
    CUTLIST_MEASURE_S of each (the synthesised shots keep their look: the same figures, nearly), and
    only the frames those need decoded (every frame a keyframe here, as in an editor's intermediate codec)."""
    import subprocess

    from bgm_studio.video import decode
    from bgm_studio.video.analysis import CUTLIST_MEASURE_S, analyze_video
    from bgm_studio.video.cutlist import CutList

    source, true_cuts = cut_clip
    path = tmp_path / "intra_only.mp4"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-i", str(source), "-c:v", "libx264", "-g", "1", "-c:a", "copy", str(path)],
        check=True,
    )
    detected = analyze_video(path, use_cache=False)
    assert [round(s.start_s, 1) for s in detected.shots[1:]] == true_cuts
    given = CutList(detected.shots, tuple(s.transition for s in detected.shot_features), 25.0, ())
    decoded = []
    monkeypatch.setattr(decode, "_decode", lambda packet: decoded.append(packet) or packet.decode())
    from_list = analyze_video(path, use_cache=False, cuts=given)
    assert from_list.shots == detected.shots and from_list.duration_s == detected.duration_s
    assert not from_list.warnings
    measured = sum(min(s.end_s - s.start_s, CUTLIST_MEASURE_S) for s in detected.shots) / detected.duration_s
    spans = len(detected.shots)  # each may take one frame more than its share; and the final flush
    assert len(decoded) <= measured * detected.info.frame_count + spans + 1 < 0.75 * detected.info.frame_count
    assert from_list.series.t_s.max() < detected.shots[-1].start_s + CUTLIST_MEASURE_S
    for a, b in zip(detected.shot_features, from_list.shot_features):
        for name in ("brightness", "contrast", "saturation", "warmth"):
            assert getattr(b, name) == pytest.approx(getattr(a, name), abs=0.02), name
        assert b.colourfulness == pytest.approx(a.colourfulness, abs=1.0)
        assert b.motion == pytest.approx(a.motion, abs=0.02)
        assert float(a.embedding @ b.embedding) > 0.98


def test_a_cut_list_for_a_video_analysed_before_needs_no_decoding(cut_clip, tmp_path, monkeypatch):
    """Re-cut in the editor after a first scoring: the video's measures come from the cache, only the shots change."""
    from bgm_studio.video import analysis as analysis_module
    from bgm_studio.video.analysis import analyze_video
    from bgm_studio.video.cutlist import CutList
    from bgm_studio.video.shots import Shot

    monkeypatch.setenv("BGM_CACHE", str(tmp_path / "cache"))
    path, _ = cut_clip
    detected = analyze_video(path)
    bounds = [0.0, 1.0, 4.4, 7.0, detected.duration_s]
    given = CutList(
        tuple(Shot(i, a, b) for i, (a, b) in enumerate(zip(bounds, bounds[1:]))),
        ("start", "cut", "cut", "cut"),
        25.0,
        (),
    )
    cold = analyze_video(path, use_cache=False, cuts=given)

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded again")

    monkeypatch.setattr(analysis_module, "_analyse", no_decoding)
    warm = analyze_video(path, cuts=given)
    assert warm.shots == cold.shots and warm.duration_s == cold.duration_s
    # The cache holds measures of whole shots, a cold cut list those of each shot's opening: the same
    # for the first shot, shorter than an opening.
    a, b = cold.shot_features[0], warm.shot_features[0]
    assert b.motion == pytest.approx(a.motion, abs=1e-5) and b.brightness == pytest.approx(a.brightness, abs=1e-5)
    assert float(a.embedding @ b.embedding) == pytest.approx(1.0, abs=1e-5)


FCPX_LIBRARY = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE fcpxml>
<fcpxml version="1.9">
  <resources>
    <format id="r1" name="FFVideoFormat1080p" frameDuration="{frame}s" width="1920" height="1080"/>
    {assets}
  </resources>
  <library>
    <event name="ev">
      <project name="edit">
        <sequence format="r1" duration="{length}" tcStart="{start}" tcFormat="NDF">
          <spine>
            {clips}
          </spine>
        </sequence>
      </project>
    </event>
  </library>
</fcpxml>
"""


def _fcpx_time(frames: int, frame: Fraction) -> str:
    """`frames` frames of `frame` seconds as FCPXML writes a time: "3003/30000s" at 29.97 fps."""
    return f"{frames * frame.numerator}/{frame.denominator}s"


def _fcpx_library(frames: tuple[int, ...], first_frame: int = 0, frame: Fraction = Fraction(100, 2500)) -> str:
    """An FCPXML file as Final Cut Pro X exports it: a sequence (of frames `frame` seconds long) of clips
    of these lengths (frames) inside its library, event and project, its sequence starting at `first_frame`."""
    offset, assets, clips = first_frame, [], []
    for i, n in enumerate(frames):
        assets.append(
            f'<asset id="a{i}" name="c{i}" start="0s" duration="{_fcpx_time(10**5, frame)}" hasVideo="1" format="r1">'
            f'<media-rep kind="original-media" src="file:///media/c{i}.mov"/></asset>'
        )
        clips.append(
            f'<asset-clip ref="a{i}" offset="{_fcpx_time(offset, frame)}" name="c{i}" '
            f'duration="{_fcpx_time(n, frame)}" start="0s" format="r1" tcFormat="NDF"/>'
        )
        offset += n
    return FCPX_LIBRARY.format(
        frame=f"{frame.numerator}/{frame.denominator}",
        assets="\n".join(assets),
        clips="\n".join(clips),
        length=_fcpx_time(sum(frames), frame),
        start=_fcpx_time(first_frame, frame),
    )


def test_a_final_cut_pro_x_export_inside_its_library_is_read(tmp_path):
    """Final Cut Pro X exports its sequence inside a library, event and project, which OTIO reads as a
    collection holding one timeline: it was refused ("holds SerializableCollection")."""
    path = tmp_path / "edit.fcpxml"
    path.write_text(_fcpx_library((30, 45, 20, 30)))
    assert _starts(read_cutlist(path, _info(seconds=5.0), 5.0)) == [0.0, 1.2, 3.0, 3.8]


def test_a_collection_is_read_for_its_one_timeline_and_refused_with_two(tmp_path):
    one = _write(otio.schema.SerializableCollection("bin", [_timeline([30, 45, 20, 30])]), tmp_path / "one.otio")
    assert _starts(read_cutlist(one, _info(seconds=5.0), 5.0)) == [0.0, 1.2, 3.0, 3.8]
    two = _write(otio.schema.SerializableCollection("bin", [_timeline([50, 75])] * 2), tmp_path / "two.otio")
    with pytest.raises(BgmError, match="holds 2 timelines, not one; export a single sequence"):
        read_cutlist(two, _info(seconds=5.0), 5.0)


@pytest.mark.parametrize("head, name", [(b"\xef\xbb\xbf", b"cafe.mov"), (b"", b"caf\xe9 d\xe9j\xe0.mov")])
def test_an_edl_with_a_byte_order_mark_or_a_windows_code_page_is_read(tmp_path, head, name):
    """Windows editors write EDLs with a UTF-8 byte-order mark ("Unknown event type") or in their code
    page, an accented clip name in a comment ("'utf-8' codec can't decode byte 0xe9")."""
    edl = (
        b"TITLE: edit\r\nFCM: NON-DROP FRAME\r\n\r\n"
        b"001  AX       V     C        00:00:00:00 00:00:01:05 00:00:00:00 00:00:01:05\r\n"
        b"* FROM CLIP NAME: " + name + b"\r\n"
        b"002  AX       V     C        00:00:10:00 00:00:13:20 00:00:01:05 00:00:05:00\r\n"
    )
    path = tmp_path / "edit.edl"
    path.write_bytes(head + edl)
    assert _starts(read_cutlist(path, _info(seconds=5.0), 5.0)) == [0.0, 1.2]


def test_a_clip_of_no_stated_length_is_one_line(tmp_path):
    """A clip with neither a source range nor media of known length: OTIO raised
    CannotComputeAvailableRangeError, a traceback."""
    tl = _timeline([30, 45])
    tl.tracks[0].insert(1, otio.schema.Clip("lost", media_reference=otio.schema.MissingReference()))
    with pytest.raises(BgmError, match="clip 'lost' has no length the file states"):
        read_cutlist(_write(tl, tmp_path / "edit.otio"), _info(seconds=5.0), 5.0)


def test_a_final_cut_pro_x_sequence_starting_at_one_hour_is_read_from_its_first_clip(tmp_path):
    """OTIO reads an FCPXML sequence's start timecode (tcStart 01:00:00:00) as a gap of an hour before
    its first clip: "the timeline lasts 3605.00 s but the video only 5.00 s"."""
    path = tmp_path / "edit.fcpxml"
    path.write_text(_fcpx_library((30, 45, 20, 30), first_frame=90000))
    cuts = read_cutlist(path, _info(seconds=5.0), 5.0)
    assert _starts(cuts) == [0.0, 1.2, 3.0, 3.8]
    assert any("timecode 01:00:00:00" in note for note in cuts.notes)


def test_a_folder_given_as_the_cut_list_is_named_as_one(tmp_path):
    (tmp_path / "edit.otio").mkdir()
    with pytest.raises(BgmError, match="is a folder, not a cut list"):  # it said "no such cut list"
        read_cutlist(tmp_path / "edit.otio", _info(), 5.0)


def test_an_edl_whose_reel_name_holds_a_space_is_refused_not_misread(tmp_path):
    """CMX 3600 splits its fields on spaces: reel 'REEL ONE' was read as reel REEL on channel ONE,
    and the cuts came out 0.5-1.0 s off, silently."""
    path = tmp_path / "edit.edl"
    path.write_text(
        "TITLE: edit\nFCM: NON-DROP FRAME\n\n"
        "001  REEL ONE V     C        00:10:00:00 00:10:01:05 00:00:00:00 00:00:01:05\n"
        "002  AX       V     D    010 00:20:00:00 00:20:03:20 00:00:01:05 00:00:05:00\n"
    )
    with pytest.raises(BgmError, match="line 4: reel 'REEL ONE'\\? an EDL's reel names have no spaces"):
        read_cutlist(path, _info(seconds=5.0), 5.0)
    path.write_text(path.read_text().replace("REEL ONE", "REEL_ONE"))  # the dissolve's duration field is no reel
    assert _starts(read_cutlist(path, _info(seconds=5.0), 5.0)) == [0.0, 1.2]


@pytest.mark.parametrize(
    "frame, hour, tc_format",  # the frames of 01:00:00:00 (01:00:00;00 in drop-frame)
    [("1001/24000", 86400, "NDF"), ("1001/30000", 107892, "DF"), ("1001/60000", 215784, "DF"), ("1/25", 90000, "NDF")],
)
def test_a_final_cut_pro_x_sequence_at_an_ntsc_rate_is_cut_on_its_frames(tmp_path, frame, hour, tc_format):
    """Final Cut Pro and Resolve write NTSC FCPXML (frameDuration 1001/30000s) all the time. OTIO's reader
    rounded the rate down and refused it: "runs at 29.000 fps but the video at 29.970 fps"."""
    frame_s = Fraction(frame)
    path = tmp_path / "edit.fcpxml"
    text = _fcpx_library((77, 1722, 1798, 903), first_frame=hour, frame=frame_s)
    path.write_text(text.replace('tcFormat="NDF"', f'tcFormat="{tc_format}"'))
    seconds = float(4500 * frame_s)
    cuts = read_cutlist(path, _info(fps=float(1 / frame_s), seconds=seconds), seconds)
    assert cuts.rate == float(1 / frame_s)
    exact = [float(f * frame_s) for f in (0, 77, 1799, 3597)]
    assert [s.start_s for s in cuts.shots] == pytest.approx(exact, abs=1e-9)
    assert cuts.shots[-1].end_s == seconds and cuts.transitions == ("start", "cut", "cut", "cut")
    assert any("timecode 01:00:00" in note for note in cuts.notes)


def test_final_cut_pro_x_connected_clips_are_other_tracks_and_a_transition_a_dissolve(tmp_path):
    """Connected clips (a title on lane 1, sound on lane -1) are tracks of their own: the primary storyline,
    with the most clips, gives the cuts. A cross dissolve overlaps its two clips; the cut is halfway."""
    frame = Fraction(1001, 30000)

    def t(frames: int) -> str:
        return _fcpx_time(frames, frame)

    clips = (  # c1 runs 6 frames past its cut at 75, into a 12-frame dissolve; c2 starts 6 frames early
        f'<asset-clip ref="a0" offset="0s" name="c0" duration="{t(30)}">'
        f'<title name="t" lane="1" offset="{t(10)}" duration="{t(40)}"/>'
        f'<audio ref="a0" lane="-1" offset="0s" duration="{t(95)}"/></asset-clip>'
        f'<asset-clip ref="a1" offset="{t(30)}" name="c1" start="{t(100)}" duration="{t(51)}"/>'
        f'<transition name="Cross Dissolve" offset="{t(69)}" duration="{t(12)}"/>'
        f'<asset-clip ref="a2" offset="{t(69)}" name="c2" duration="{t(26)}"/>'
    )
    text = FCPX_LIBRARY.format(
        frame="1001/30000",
        assets='<asset id="a0"/><asset id="a1"/><asset id="a2"/>',
        clips=clips,
        length=t(95),
        start="0s",
    )
    path = tmp_path / "edit.fcpxml"
    path.write_text(text)
    seconds = float(95 * frame)
    cuts = read_cutlist(path, _info(fps=float(1 / frame), seconds=seconds), seconds)
    assert [s.start_s for s in cuts.shots] == pytest.approx([0.0, float(30 * frame), float(75 * frame)], abs=1e-9)
    assert cuts.transitions == ("start", "cut", "dissolve")
    assert [n.split(": ", 1)[1] for n in cuts.notes] == [
        "2 video tracks; primary storyline (the most clips) gives the cuts, the others are ignored"
    ]
    path.write_text(text.replace("</project>", '</project><project name="v2"><sequence format="r1"/></project>'))
    with pytest.raises(BgmError, match="holds 2 timelines, not one; export a single sequence"):
        read_cutlist(path, _info(fps=float(1 / frame), seconds=seconds), seconds)


@pytest.mark.parametrize("rate", [25.0, 30000 / 1001])
@pytest.mark.parametrize("suffix", [".otio", ".xml", ".fcpxml"])
def test_a_timeline_this_app_exported_gives_back_its_shots(tmp_path, suffix, rate):
    """The exported score (export.timeline) holds the video as one clip and a marker per shot on the music:
    given back as the cut list it gave one shot. Its markers are the cuts now, to the frame."""
    from bgm_studio.export.timeline import AudioFile, Marker, score_timeline, write_timeline

    frames = [0, 77, 1799, 1800, 3597, 4313]
    markers = [Marker(f / rate, f"shot {k}: C G (phrase A)") for k, f in enumerate(frames)]
    seconds = 4500 / rate
    path = tmp_path / f"score{suffix}"
    write_timeline(
        score_timeline("edit", seconds, rate, [AudioFile("music", "/m/score.wav")], markers, "/m/edit.mp4"), path
    )
    cuts = read_cutlist(path, _info(fps=rate, seconds=seconds), seconds)
    assert [s.start_s for s in cuts.shots] == pytest.approx([f / rate for f in frames], abs=1e-9)
    assert cuts.shots[-1].end_s == seconds and cuts.transitions == ("start",) + ("cut",) * 5
    assert [n.split(": ", 1)[1] for n in cuts.notes] == [
        "one clip spans the timeline; the markers on clip 'music' give the cuts (6 shots)"
    ]


def test_an_exported_edl_is_no_cut_list(tmp_path):
    """OTIO's EDL writer writes one track: the app's EDL holds the music event and its locators, no picture."""
    from bgm_studio.export.timeline import AudioFile, Marker, score_timeline, write_timeline

    path = tmp_path / "score.edl"
    tl = score_timeline("edit", 5.0, 25.0, [AudioFile("music", "/m/score.wav")], [Marker(1.2, "shot 1")], "/m/edit.mp4")
    write_timeline(tl, path)
    with pytest.raises(BgmError, match="the timeline has no video clips") as err:
        read_cutlist(path, _info(), 5.0)
    assert "\n" not in str(err.value)


def test_an_editors_single_marked_clip_is_cut_at_its_markers(tmp_path):
    """One clip over the whole timeline, marked at its cuts: its markers (in its media's time), else the timeline's."""
    tl = _timeline([125])
    clip = tl.tracks[0][0]
    clip.source_range = TR(RT(100, 25), RT(125, 25))  # from frame 100 of its media, where its markers count from
    for f in (130, 175, 230):  # the last lies past the clip's end
        clip.markers.append(otio.schema.Marker(f"m{f}", TR(RT(f, 25), RT(0, 25))))
    assert _starts(read_cutlist(_write(tl, tmp_path / "clip.otio"), _info(), 5.0)) == [0.0, 1.2, 3.0]
    clip.markers.clear()
    tl.tracks.markers.append(otio.schema.Marker("m", TR(RT(50, 25), RT(0, 25))))
    cuts = read_cutlist(_write(tl, tmp_path / "timeline.otio"), _info(), 5.0)
    assert _starts(cuts) == [0.0, 2.0] and "the markers on the timeline give the cuts (2 shots)" in cuts.notes[0]
    tl.tracks.markers.clear()
    assert _starts(read_cutlist(_write(tl, tmp_path / "plain.otio"), _info(), 5.0)) == [0.0]


def test_the_timelines_own_rate_is_taken_not_its_first_clips(tmp_path):
    """A 50 fps clip opening a 25 fps edit: the first clip's rate was taken for the timeline's, and the cut
    list refused ("runs at 50.000 fps but the video at 25.000 fps")."""
    tl = _timeline([30, 45, 50], start_tc=25 * 3600)
    tl.tracks[0][0].source_range = TR(RT(0, 50), RT(60, 50))  # 1.2 s, as 30 frames of the edit
    cuts = read_cutlist(_write(tl, tmp_path / "edit.otio"), _info(), 5.0)
    assert cuts.rate == 25.0 and _starts(cuts) == [0.0, 1.2, 3.0]


@pytest.mark.parametrize("at, starts", [(0, [0.0, 1.216]), (1, [0.0, 1.216]), (2, [0.0, 1.2])])
def test_a_clip_shorter_than_a_frame_joins_its_neighbour(tmp_path, at, starts):
    """A clip of 0.4 frames (16 ms) became a shot of its own, 16 ms of music; it joins the shot before it
    (or, first, the one after it) now, and says so."""
    tl = _timeline([30, 45, 50])
    tl.tracks[0].insert(at, otio.schema.Clip("sliver", source_range=TR(RT(0, 25), RT(0.4, 25))))
    cuts = read_cutlist(_write(tl, tmp_path / "edit.otio"), _info(), 5.0)
    assert _starts(cuts)[:2] == starts and len(cuts.shots) == 3 and cuts.shots[-1].end_s == 5.0
    side = "after" if at == 0 else "before"
    assert f"a clip of 16 ms at {[0, 1.2, 3.0][at]:.2f} s, under a frame, joins the shot {side} it" in cuts.notes[0]
