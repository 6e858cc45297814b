"""MP4 export: video packets copied bit for bit, AAC music of the video's length, safe failures."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tracemalloc
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from bgm_studio.errors import BgmError
from bgm_studio.export.mp4 import check_codec, export_mp4, export_notes, read_soundtrack, video_copy_problem
from bgm_studio.export.probe import probe_video
from tests.media import (
    ffmpeg,
    file_hash,
    first_sound,
    make_audio_only,
    make_video,
    rms,
    video_packets,
    with_packets_zeroed,
)

FRAME_S = 1 / 25
TONE_HZ = 1234.0  # the original soundtrack: clear of the test score's harmonics


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> Path:
    return make_video(tmp_path_factory.mktemp("src") / "clip.mp4", seconds=3.2, tone_hz=TONE_HZ)


def streams(path: Path) -> tuple[list[str], float, float, int]:
    """Codec names, video and audio stream durations (s) and the audio sample rate."""
    with av.open(str(path)) as c:
        v, a = c.streams.video[0], c.streams.audio[0]
        return (
            [s.codec_context.name for s in c.streams],
            float(v.duration * v.time_base),
            float(a.duration * a.time_base),
            a.sample_rate,
        )


@pytest.mark.parametrize("source_tag", ["hev1", "hvc1"])
def test_hevc_comes_out_tagged_hvc1_so_apple_players_open_it(score, tmp_path, source_tag):
    src = tmp_path / f"{source_tag}.mp4"
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=160x120:rate=25:duration=1",
        "-c:v",
        "libx265",
        "-x265-params",
        "log-level=error",
        "-tag:v",
        source_tag,
        "-pix_fmt",
        "yuv420p",
        str(src),
    )
    out = tmp_path / "scored.mp4"
    export_mp4(score, src, out)
    assert video_packets(out) == video_packets(src)
    with av.open(str(out)) as c:
        assert c.streams.video[0].codec_context.codec_tag == "hvc1"
        assert sum(1 for _ in c.decode(video=0)) == 25


def decoded_audio(path: Path, sample_rate: int) -> np.ndarray:
    return read_soundtrack(path, sample_rate, int(10 * sample_rate))


def level_at(audio: np.ndarray, sample_rate: int, hz: float) -> float:
    """Relative spectral magnitude at `hz` (0..1) of the left channel."""
    spectrum = np.abs(np.fft.rfft(audio[:, 0]))
    freqs = np.fft.rfftfreq(len(audio), 1 / sample_rate)
    return float(spectrum[np.abs(freqs - hz) < 3].max() / spectrum.max())


def test_video_copied_bit_for_bit_with_aac_music_of_the_same_length(score, video, tmp_path):
    before = file_hash(video)
    out = tmp_path / "scored.mp4"
    export_mp4(score, video, out)
    assert file_hash(video) == before
    assert video_packets(out) == video_packets(video)
    codecs, video_s, audio_s, rate = streams(out)
    assert codecs == ["h264", "aac"]
    assert video_s == pytest.approx(probe_video(video).duration_s, abs=1e-9)
    assert audio_s == pytest.approx(video_s, abs=FRAME_S)
    with av.open(str(out)) as c:
        assert float(c.duration / av.time_base) == pytest.approx(video_s, abs=FRAME_S)
    data = out.read_bytes()
    assert 0 <= data.find(b"moov") < data.find(b"mdat")  # index first ("faststart"): plays while downloading
    music = decoded_audio(out, rate)
    assert np.abs(music).max() > 0.3  # the music is there, at about -1 dBFS
    assert level_at(music[: int(video_s * rate)], rate, TONE_HZ) < 0.05  # the original tone is gone


def test_original_soundtrack_mixed_under_the_music(score, video, tmp_path):
    out = tmp_path / "mixed.mp4"
    export_mp4(score, video, out, original_gain_db=-6.0)
    _, video_s, _, rate = streams(out)
    mixed = decoded_audio(out, rate)[: int(video_s * rate)]
    assert level_at(mixed, rate, TONE_HZ) > 0.2
    assert np.abs(mixed).max() <= 1.0


def test_matroska_output_copies_the_same_packets(score, video, tmp_path):
    out = tmp_path / "scored.mkv"
    export_mp4(score, video, out)
    assert [h for _, _, h in video_packets(out)] == [h for _, _, h in video_packets(video)]


@pytest.mark.parametrize(
    "case, match",
    [
        ("same", "same as the input"),
        ("no_video", "has no video stream"),
        ("not_media", "cannot be read as a video"),
        ("missing_input", "no such file"),
        ("missing_folder", "does not exist"),
        ("bad_suffix", "name it .mp4"),
    ],
)
def test_bad_inputs_are_one_line_errors_and_leave_nothing(score, video, tmp_path, case, match):
    src, out = video, tmp_path / "out.mp4"
    if case == "same":
        src = tmp_path / "clip.mp4"
        src.write_bytes(video.read_bytes())
        out = src
    elif case == "no_video":
        src = make_audio_only(tmp_path / "sound.m4a")
    elif case == "not_media":
        src = tmp_path / "notes.mp4"
        src.write_text("hello")
    elif case == "missing_input":
        src = tmp_path / "gone.mp4"
    elif case == "missing_folder":
        out = tmp_path / "gone" / "out.mp4"
    elif case == "bad_suffix":
        out = tmp_path / "out.avi"
    inputs_before = {p.name: file_hash(p) for p in tmp_path.iterdir()}
    with pytest.raises(BgmError, match=match) as info:
        export_mp4(score, src, out)
    assert "\n" not in str(info.value)
    assert {p.name: file_hash(p) for p in tmp_path.iterdir()} == inputs_before


def test_cancel_midway_leaves_no_file(score, video, tmp_path):
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 20  # after the render, during the mux

    with pytest.raises(BgmError, match="cancelled"):
        export_mp4(score, video, tmp_path / "out.mp4", cancel=cancel)
    assert not any(tmp_path.iterdir())


def test_disk_filling_up_during_the_mux_leaves_nothing(video, tmp_path):
    """A file-size limit makes FFmpeg's writes fail part-way, as a full disk would."""
    out = tmp_path / "out.mp4"
    script = textwrap.dedent(f"""
        import resource, signal, sys
        from bgm_studio.errors import BgmError
        from bgm_studio.export.mp4 import export_mp4
        from bgm_studio.music.notes import Note, Score
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (30_000, resource.RLIM_INFINITY))
        try:
            export_mp4(Score([Note(0, 60, 16, 90, 0)], 32), {str(video)!r}, {str(out)!r})
        except BgmError as exc:
            print(f"error: {{exc}}")
            sys.exit(2)
    """)
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 2, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and "could not write" in lines[0] and str(out) in lines[0]
    assert not any(tmp_path.iterdir())


def test_a_soundtrack_that_starts_late_stays_in_place(tmp_path):
    src = tmp_path / "late.mp4"
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=160x120:rate=25:duration=2",
        "-itsoffset",
        "1",
        "-f",
        "lavfi",
        "-i",
        f"sine=frequency={TONE_HZ}:duration=1",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        str(src),
    )
    audio = read_soundtrack(src, 44100, 2 * 44100)
    assert np.abs(audio[: int(0.95 * 44100)]).max() < 0.01 and np.abs(audio[int(1.05 * 44100) :]).max() > 0.05


def test_a_long_soundtrack_is_read_into_place_without_copies(tmp_path):
    """The decoded pieces, joined, converted and padded, were three copies of the sound at once (762 MB
    for 12 minutes); read into place, it is the sound and a piece."""
    src = make_video(tmp_path / "long.mp4", seconds=60.0, fps=1)
    tracemalloc.start()
    try:
        audio = read_soundtrack(src, 44100, 61 * 44100)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert np.abs(audio[59 * 44100 : 60 * 44100]).max() > 0.05
    assert not audio[-22050:].any()  # past the sound: silence
    assert peak < 1.25 * audio.nbytes


@pytest.fixture(scope="module")
def ac3_video(tmp_path_factory) -> Path:
    """2 s of picture with an AC-3 tone soundtrack, as the opencv-doc Megamind clip carries."""
    path = tmp_path_factory.mktemp("ac3") / "clip.mkv"
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=2", "-f", "lavfi", "-i",
        f"sine=frequency={TONE_HZ}:duration=2", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "ac3",
        "-shortest", str(path),
    )  # fmt: skip
    return path


def test_a_soundtrack_whose_first_packet_is_broken_is_read_from_the_next(ac3_video, tmp_path):
    """The opencv-doc Megamind clip starts on an AC-3 frame its decoder refuses; the whole export
    failed with 'could not decode the original soundtrack', where FFmpeg skips the frame."""
    damaged = with_packets_zeroed(ac3_video, tmp_path / "cut.mkv", "audio", first=0, count=1)
    with pytest.raises(av.FFmpegError):
        with av.open(str(damaged)) as c:
            list(c.decode(audio=0))
    clean = read_soundtrack(
        with_packets_zeroed(ac3_video, tmp_path / "copy.mkv", "audio", first=0, count=0), 48000, 96000
    )
    audio = read_soundtrack(damaged, 48000, 96000)
    assert rms(clean, 48000, 0.1, 1.9) > 0.05
    assert rms(audio, 48000, 0.1, 1.9) == pytest.approx(rms(clean, 48000, 0.1, 1.9), rel=0.01)
    assert first_sound(audio, 48000, 0.0) == first_sound(clean, 48000, 0.0)  # nothing moved


def test_a_soundtrack_that_never_decodes_is_a_one_line_error(ac3_video, tmp_path):
    damaged = with_packets_zeroed(ac3_video, tmp_path / "broken.mkv", "audio", first=0, count=10_000)
    with pytest.raises(BgmError, match="could not decode the original soundtrack"):
        read_soundtrack(damaged, 48000, 2 * 48000)


def test_a_codec_the_container_cannot_hold_is_re_encoded_as_h264_and_copied_where_it_fits(score, tmp_path):
    src = tmp_path / "clip.avi"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=164x124:rate=25:duration=2", "-c:v", "cinepak", str(src))
    for suffix in (".mp4", ".mkv"):  # neither holds Cinepak: the video is re-encoded, and the user is told
        out = tmp_path / f"out{suffix}"
        labels = []
        assert video_copy_problem(src, out) and "cinepak" in video_copy_problem(src, out)
        check_codec(src, out)
        export_mp4(score, src, out, progress=lambda d, t, label: labels.append(label))
        with av.open(str(out)) as c, av.open(str(src)) as s:
            assert c.streams.video[0].codec_context.name == "h264" and c.streams.audio
            assert (c.streams.video[0].codec_context.width, c.streams.video[0].codec_context.height) == (164, 124)
            frames, source_frames = sum(1 for _ in c.decode(video=0)), sum(1 for _ in s.decode(video=0))
            assert frames == source_frames == 50
        assert abs(probe_video(out).duration_s - 2.0) < 0.1
        assert any("re-encoding" in label for label in labels)
    out = tmp_path / "out.mov"  # a .mov holds it: copied bit for bit, as everywhere it fits
    assert video_copy_problem(src, out) is None
    export_mp4(score, src, out)
    assert [h for _, _, h in video_packets(out)] == [h for _, _, h in video_packets(src)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.avi", "out.mkv", "out.mov", "out.mp4"]


def decoded_frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="gray") for f in c.decode(video=0)]


@pytest.mark.parametrize("suffix", [".mp4", ".mkv"])
def test_a_matroska_video_with_b_frames_keeps_its_opening_frames(score, tmp_path, suffix):
    """Matroska gives no decode time to a B-frame stream's first packets, its first keyframe among them:
    they were dropped as if they were the demuxer's empty flush packet, and the picture opened broken."""
    src = tmp_path / "recording.mkv"  # as OBS and most x264 encodes write it: one keyframe every 2 s
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=160x120:rate=25:duration=3",
        "-c:v",
        "libx264",
        "-g",
        "50",
        "-bf",
        "2",
        str(src),
    )
    with av.open(str(src)) as c:
        assert next(c.demux(video=0)).dts is None  # the case at hand
    out = tmp_path / f"scored{suffix}"
    export_mp4(score, src, out)
    assert [h for _, _, h in video_packets(out)] == [h for _, _, h in video_packets(src)]
    frames, source = decoded_frames(out), decoded_frames(src)
    assert len(frames) == len(source) == 75
    assert all(np.array_equal(a, b) for a, b in zip(frames, source))


def test_av1_is_copied_as_it_is(score, tmp_path):
    """PyAV names an AV1 stream's codec by its decoder, libdav1d, which no container knows: AV1 was
    re-encoded as H.264 everywhere, slowly and with loss, and the frames the decoder held were lost."""
    if not {"libsvtav1", "libaom-av1"} & av.codecs_available:
        pytest.skip("no AV1 encoder in this FFmpeg")
    src = tmp_path / "clip.mp4"
    encoder = "libsvtav1" if "libsvtav1" in av.codecs_available else "libaom-av1"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=2", "-c:v", encoder, str(src))
    for suffix in (".mp4", ".mkv"):
        out = tmp_path / f"scored{suffix}"
        assert video_copy_problem(src, out) is None
        export_mp4(score, src, out)
        with av.open(str(out)) as c:
            assert c.streams.video[0].codec_context.codec.id == av.Codec("libdav1d", "r").id  # AV1
        assert [h for _, _, h in video_packets(out)] == [h for _, _, h in video_packets(src)]
        assert len(decoded_frames(out)) == 50


def test_a_re_encoded_video_keeps_every_frame_its_rotation_and_its_pixel_shape(score, tmp_path):
    """ProRes cannot go into an MP4, so it is re-encoded: a portrait phone clip came out on its side,
    and an anamorphic one squeezed, as neither the display rotation nor the pixel aspect was carried."""
    made = tmp_path / "made.mov"
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=176x144:rate=25:duration=2",
        "-vf",
        "setsar=16/11",
        "-c:v",
        "prores_ks",
        str(made),
    )
    src = tmp_path / "portrait.mov"
    ffmpeg("-i", str(made), "-c", "copy", "-metadata:s:v:0", "rotate=90", str(src))
    out = tmp_path / "scored.mp4"
    assert video_copy_problem(src, out)  # re-encoded
    export_mp4(score, src, out)
    with av.open(str(out)) as c:
        stream = c.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.sample_aspect_ratio == Fraction(16, 11)
        first = next(c.decode(stream))
        assert first.rotation == 90
    assert len(decoded_frames(out)) == 50


@pytest.mark.parametrize("pix_fmt, alpha", [("yuva444p10le", True), ("yuv444p10le", False)])
def test_a_re_encoded_video_with_transparency_says_it_is_lost(score, tmp_path, pix_fmt, alpha):
    """ProRes 4444 with an alpha channel made H.264, which has none: the note said only that the picture
    was re-encoded, not that its transparency was gone."""
    src = tmp_path / "overlay.mov"
    picture = ["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25:duration=1"]
    ffmpeg(*picture, "-c:v", "prores_ks", "-profile:v", "4444", "-pix_fmt", pix_fmt, str(src))
    out = tmp_path / "scored.mp4"
    lost = "; its transparency (alpha channel) is lost, as H.264 has none (a .mkv output keeps it)"
    problem = "'mp4' format does not support 'prores' codec"
    assert export_notes(src, out) == [f"the video was re-encoded as H.264 ({problem}){lost if alpha else ''}"]
    assert export_notes(src, tmp_path / "scored.mkv") == []  # copied, alpha and all
    export_mp4(score, src, out)
    with av.open(str(out)) as c:
        assert c.streams.video[0].codec_context.pix_fmt == "yuv420p"


def test_a_transport_streams_clock_does_not_open_the_mp4_with_nothing(score, tmp_path):
    """An MPEG transport stream's timestamps start where a broadcast clock stood (1.4 s here): kept, the
    MP4 opened on 1.4 s of nothing and lasted that much longer than the video."""
    src = tmp_path / "clip.ts"
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=3",
        "-f", "lavfi", "-i", f"sine=frequency={TONE_HZ}:duration=3",
        "-c:v", "libx264", "-c:a", "aac", "-shortest", "-f", "mpegts", str(src),
    )  # fmt: skip
    with av.open(str(src)) as c:
        assert c.start_time > 1_000_000  # microseconds
    out = tmp_path / "scored.mp4"
    export_mp4(score, src, out, original_gain_db=0.0)
    with av.open(str(out)) as c:
        assert abs(c.duration / 1_000_000 - 3.0) < 0.1
        first = next(p for p in c.demux(video=0) if p.size)
        assert abs(float(first.pts * first.time_base)) < 0.1
    assert len(decoded_frames(out)) == 75
    assert level_at(decoded_audio(out, 44100)[: 3 * 44100], 44100, TONE_HZ) > 0.01  # the video's sound is there


def test_a_video_whose_container_states_no_length_keeps_its_sound(score, tmp_path):
    """A Matroska file written through a pipe (a live or crashed recording) states no duration. Its MP4
    was refused just to ask whether it has a sound of its own ("the video's duration is unknown")."""
    src = tmp_path / "live.mkv"
    with src.open("wb") as f:
        subprocess.run(
            [
                "ffmpeg", "-hide_banner", "-loglevel", "error",
                "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=2",
                "-f", "lavfi", "-i", f"sine=frequency={TONE_HZ}:duration=2",
                "-c:v", "libx264", "-c:a", "aac", "-shortest", "-f", "matroska", "-",
            ],
            stdout=f,
            check=True,
        )  # fmt: skip
    with av.open(str(src)) as c:
        assert c.duration is None  # the case at hand
    out = tmp_path / "scored.mp4"
    export_mp4(score, src, out, original_gain_db=0.0, duration_s=2.0)
    assert abs(streams(out)[2] - 2.0) < 0.1
    assert level_at(decoded_audio(out, 44100)[: 2 * 44100], 44100, TONE_HZ) > 0.01
