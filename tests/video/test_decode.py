"""Decoding: timing, rotation, sizes, and every kind of bad input."""

from __future__ import annotations

import os
import time

import av
import numpy as np
import pytest

from bgm_studio.errors import BgmError
from bgm_studio.video.analysis import analyze_video
from bgm_studio.video.cache import cache_dir
from bgm_studio.video import decode
from bgm_studio.video.decode import VideoReader, _Part, _Waits, probe
from tests.media import decoded_end_s, ffmpeg
from tests.video_clips import ShotSpec, frame_times, make_bad_file, make_clip, make_pattern_clip


def test_probe_reports_container_facts(cut_clip):
    path, _ = cut_clip
    info = probe(path)
    assert (info.width, info.height, info.fps, info.nominal_fps, info.rotation) == (320, 180, 25.0, 25.0, 0)
    assert info.duration_s == pytest.approx(11.0, abs=0.05)
    assert info.has_audio and info.codec == "h264"


def test_frames_stream_with_times_and_small_size(cut_clip):
    path, _ = cut_clip
    with VideoReader(path) as reader:
        frames = list(reader.frames(128))
    assert len(frames) == 275
    assert frames[0].ycrcb.shape == (72, 128, 3) and frames[0].ycrcb.dtype == np.uint8
    assert np.allclose([f.t_s for f in frames], np.arange(275) / 25.0, atol=1e-6)


def test_variable_frame_rate_uses_timestamps(tmp_path):
    path = tmp_path / "vfr.mp4"
    make_clip(path, [ShotSpec(seconds=2.0)], vfr=True)
    with VideoReader(path) as reader:
        times = [f.t_s for f in reader.frames(64)]
    assert np.allclose(times, frame_times(2.0, 25.0, vfr=True), atol=1e-4)
    assert len(set(np.round(np.diff(times), 3))) > 1


def test_a_phone_clip_dropping_frames_keeps_its_nominal_rate(phone_clip):
    """Its frames average 28 a second, and an editor counts it at the 30 it states."""
    info = probe(phone_clip[0])
    assert info.fps == pytest.approx(28.0, abs=0.05) and info.nominal_fps == 30.0


def _marker_clip(path, rotation: int) -> None:
    """Landscape 64x32 frames, white in the top-left corner, with a display rotation."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 32, "yuv420p"
        stream.set_display_rotation(rotation)
        for i in range(3):
            img = np.zeros((32, 64, 3), np.uint8)
            img[:10, :10] = 255
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode())


@pytest.mark.parametrize("rotation, corner", [(0, (0, 0)), (-90, (0, 1)), (90, (1, 0)), (180, (1, 1))])
def test_rotation_metadata_is_applied(tmp_path, rotation, corner):
    """Same as ffmpeg's autorotate: -90 (a phone held upright) turns the picture clockwise."""
    path = tmp_path / f"rot{rotation}.mp4"
    _marker_clip(path, rotation)
    with VideoReader(path) as reader:
        image = next(reader.frames(64)).ycrcb[..., 0]
        info = reader.info
    portrait = rotation in (90, -90)
    assert (info.width, info.height) == ((32, 64) if portrait else (64, 32))
    assert image.shape == (64, 32) if portrait else (32, 64)
    h, w = image.shape
    quadrants = [
        [image[: h // 2, : w // 2].mean(), image[: h // 2, w // 2 :].mean()],
        [image[h // 2 :, : w // 2].mean(), image[h // 2 :, w // 2 :].mean()],
    ]
    assert np.unravel_index(np.argmax(quadrants), (2, 2)) == corner


def test_odd_size_and_444_chroma(tmp_path):
    path = tmp_path / "odd.mp4"
    make_clip(path, [ShotSpec(seconds=1.0)], size=(321, 181), pix_fmt="yuv444p")
    with VideoReader(path) as reader:
        frames = list(reader.frames(128))
    assert (reader.info.width, reader.info.height) == (321, 181)
    assert frames[0].ycrcb.shape == (72, 128, 3)


def test_mpeg4_without_audio_decodes(tmp_path):
    path = tmp_path / "mpeg4.avi"
    make_clip(path, [ShotSpec(seconds=1.0)], codec="mpeg4")
    info = probe(path)
    assert not info.has_audio and info.codec == "mpeg4"


@pytest.mark.parametrize(
    "kind, words",
    [
        ("empty", "empty"),
        ("text", "not a video"),
        ("audio_only", "no video stream"),
        ("one_frame", "single frame"),
        ("bad_codec", "not supported"),
    ],
)
def test_bad_input_is_one_line_error_naming_the_file(tmp_path, kind, words):
    path = make_bad_file(tmp_path / ("bad.avi" if kind == "bad_codec" else f"{kind}.mp4"), kind)
    with pytest.raises(BgmError) as caught:
        analyze_video(path)
    message = str(caught.value)
    assert str(path) in message and words in message and "\n" not in message
    assert not list(cache_dir().glob("*.json")) or all(
        path.name not in p.read_text() for p in cache_dir().glob("*.json")
    )


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(BgmError, match="no such file"):
        probe(tmp_path / "nothing.mp4")


def test_truncated_file_is_analysed_up_to_the_break_with_a_warning(tmp_path):
    path = make_bad_file(tmp_path / "truncated.mp4", "truncated")
    analysis = analyze_video(path, use_cache=False)
    assert 1.0 < analysis.duration_s < 3.5
    assert analysis.shots[-1].end_s == analysis.duration_s
    warning = analysis.warnings[-1]  # after one about the packet cut in half
    assert str(path) in warning and f"stopped at {analysis.duration_s:.1f} s of 4.0 s" in warning
    assert analysis.duration_s == pytest.approx(decoded_end_s(path), abs=1e-6)  # no frame lost at the break


def test_a_matroska_video_starting_an_hour_in_is_as_long_as_its_frames(tmp_path):
    """A Matroska file cut from a recording keeps its clock (first frame at 3600 s), and its stated
    length counts from zero, so the container says 3604 s: no warning that decoding stopped early."""
    clip = tmp_path / "clip.mp4"
    make_clip(clip, [ShotSpec(seconds=2.0), ShotSpec(seconds=2.0, hue=210, look="texture")])
    path = tmp_path / "late.mkv"
    ffmpeg("-i", str(clip), "-c", "copy", "-output_ts_offset", "3600", str(path))
    assert probe(path).duration_s == pytest.approx(4.0, abs=0.05)
    analysis = analyze_video(path, use_cache=False)
    assert not analysis.warnings and analysis.duration_s == pytest.approx(4.0, abs=0.05)


def test_full_and_limited_range_video_measure_the_same(tmp_path):
    """MJPEG stores full-range levels, H.264 usually limited (16-235): both map to the same luma."""
    spec = [ShotSpec(seconds=1.0, brightness=0.5, look="texture")]
    limited, full = tmp_path / "limited.mp4", tmp_path / "full.avi"
    make_clip(limited, spec)
    make_clip(full, spec, codec="mjpeg", pix_fmt="yuvj420p")
    a, b = (analyze_video(p, use_cache=False).shot_features[0] for p in (limited, full))
    assert a.brightness == pytest.approx(b.brightness, abs=0.02)
    assert a.contrast == pytest.approx(b.contrast, abs=0.02)


def test_decoder_threads_follow_the_process_share(cut_clip, monkeypatch):
    """The decoder takes the process's share of the cores but one, which the thread measuring the frames
    uses (a batch worker given one core decodes on one thread); the frames come out the same either way."""
    path, _ = cut_clip
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    with VideoReader(path, fast=True) as reader:
        assert reader._stream.thread_count == 2
        threaded = [f.ycrcb for f in reader.frames(64)]
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    with VideoReader(path, fast=True) as reader:
        assert reader._stream.thread_count == 1
        one_thread = [f.ycrcb for f in reader.frames(64)]
    monkeypatch.delenv("OMP_NUM_THREADS")
    with VideoReader(path, fast=True) as reader:
        assert reader._stream.thread_count == max(1, (os.cpu_count() or 1) - 1)
    assert len(one_thread) == len(threaded) > 10
    assert all(np.array_equal(a, b) for a, b in zip(one_thread, threaded))


def test_leaving_the_reader_mid_video_stops_its_decoding_thread(cut_clip):
    path, _ = cut_clip
    with VideoReader(path) as reader:
        frames = reader.frames(64)
        next(frames)
        ahead = reader._ahead
        assert ahead and all(a._thread.is_alive() for a in ahead)
    assert not any(a._thread.is_alive() for a in ahead)


def _frames_on(path, threads: str, monkeypatch) -> tuple[list, bool, list]:
    """The frames of a reader on `threads` cores whose caller always waits on decoding (so a second
    decoder joins at the first frame where one can), whether one made the later frames, and the damage."""
    monkeypatch.setenv("OMP_NUM_THREADS", threads)
    monkeypatch.setattr(decode, "_PACE_INTERVAL_S", 0.0)
    monkeypatch.setattr(decode, "_WAITING_SHARE", -1.0)
    with VideoReader(path, fast=True) as reader:
        frames = list(reader.frames(64))
        return frames, reader._later is not None, reader.damage


@pytest.mark.parametrize(
    "x264, two",
    [("keyint=100", True), ("keyint=100:open-gop=1", True), ("keyint=100:intra-refresh=1", False)],
    ids=["closed-gop", "open-gop", "intra-refresh"],
)
def test_a_long_video_on_two_cores_is_decoded_from_two_keyframes_into_one_decoders_frames(
    tmp_path, monkeypatch, x264, two
):
    """On two cores, where decoding is the slower, a second decoder starts at the keyframe before the
    middle of what is left and takes over there. A
    stream refreshed without keyframes that start it (intra refresh: its decoder shows nothing until
    well after the flagged frame) stays with the first. Either way the frames are those of one decoder."""
    path = make_pattern_clip(tmp_path / "long.mp4", 24.0, x264)
    one, one_later, _ = _frames_on(path, "1", monkeypatch)
    both, later, _ = _frames_on(path, "2", monkeypatch)
    assert not one_later and later == two
    assert len(both) == len(one) > 300
    assert all(a.t_s == b.t_s and np.array_equal(a.ycrcb, b.ycrcb) for a, b in zip(one, both))


@pytest.mark.parametrize("keep", [0.3, 0.6])
def test_a_long_video_cut_off_is_analysed_as_far_as_one_decoder_gets(tmp_path, monkeypatch, keep):
    """Cut off before its middle, the file has no keyframe there to start a second decoder; after it, the
    second one meets the break and reports it as one decoder does."""
    path = make_pattern_clip(tmp_path / "cut_off.mp4", 30.0, keep=keep)
    analyses = []
    monkeypatch.setattr(decode, "_PACE_INTERVAL_S", 0.0)
    monkeypatch.setattr(decode, "_WAITING_SHARE", -1.0)
    for threads in ("1", "2"):
        monkeypatch.setenv("OMP_NUM_THREADS", threads)
        analyses.append(analyze_video(path, use_cache=False))
    one, two = analyses
    assert 0.25 * 30 < one.duration_s < keep * 30 and "decoding stopped" in one.warnings[-1]
    assert (two.duration_s, two.warnings) == (one.duration_s, one.warnings)
    assert _frames_on(path, "2", monkeypatch)[1] == (keep > 0.5)


def test_when_the_first_decoder_stops_before_the_second_ones_keyframe_the_frames_stop_there(tmp_path, monkeypatch):
    """As one decoder stops after many damaged packets in a row, the frames end where the first does."""
    path = make_pattern_clip(tmp_path / "long.mp4", 24.0)
    decoded = _Part.decoded

    def giving_up_at_5_s(self, spans):
        for frame in decoded(self, spans):
            if self is reader._part and frame.time > 5.0:
                return
            yield frame

    monkeypatch.setattr(_Part, "decoded", giving_up_at_5_s)
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    monkeypatch.setattr(decode, "_PACE_INTERVAL_S", 0.0)
    monkeypatch.setattr(decode, "_WAITING_SHARE", -1.0)
    with VideoReader(path) as reader:
        times = [f.t_s for f in reader.frames(64)]
        assert reader._later is None  # the second decoder was stopped
    assert 4.9 < times[-1] <= 5.0


def test_leaving_a_long_video_mid_way_stops_both_decoding_threads(tmp_path, monkeypatch):
    path = make_pattern_clip(tmp_path / "long.mp4", 24.0)
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    monkeypatch.setattr(decode, "_PACE_INTERVAL_S", 0.0)
    monkeypatch.setattr(decode, "_WAITING_SHARE", -1.0)
    with VideoReader(path) as reader:
        frames = reader.frames(64)
        next(frames)
        next(frames)  # the second decoder joins at the first frame checked
        ahead = reader._ahead
        assert len(ahead) == 2 and all(a._thread.is_alive() for a in ahead)
    assert not any(a._thread.is_alive() for a in ahead)


@pytest.mark.parametrize("slow_side, slower", [("decoder", True), ("caller", False)])
def test_a_second_decoder_is_asked_for_only_where_the_caller_mostly_waits_for_frames(monkeypatch, slow_side, slower):
    monkeypatch.setattr(decode, "_PACE_INTERVAL_S", 0.1)

    def frames():
        for k in range(100):
            if slow_side == "decoder":
                time.sleep(0.01)
            yield float(k), None

    waits, asked = _Waits(), []
    for _ in waits.timed(frames()):
        if slow_side == "caller":
            time.sleep(0.01)
        asked.append(waits.decoding_is_slower())
    checks = [k for k, a in enumerate(asked) if a]
    assert (len(checks) >= 5) == slower and (not checks) == (not slower)
