"""An exported video keeps the source's subtitle tracks and timecode where its container holds them,
and names what it leaves out (a data track no container here takes) instead of dropping it silently."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from bgm_studio.cli import main
from bgm_studio.export.mp4 import export_mp4, export_notes, left_out
from tests.media import ffmpeg, file_hash, with_dvd_subtitle
from tests.video_clips import ShotSpec, make_clip

SRT = "1\n00:00:00,500 --> 00:00:01,500\nHello there\n\n2\n00:00:02,000 --> 00:00:02,750\nSecond line\n"
LINES = [(0.5, 1.0, "Hello there"), (2.0, 0.75, "Second line")]
PICTURE = ["-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=3"]
H264 = ["-c:v", "libx264", "-pix_fmt", "yuv420p"]


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> dict[str, Path]:
    """Clips with a subtitle track and a timecode: mov_text in MP4 and MOV (tmcd tracks), SubRip in
    Matroska (a TIMECODE tag), a variable-rate MOV whose clock ticks 30000 times a second; an MPEG-TS
    with an opaque data track; and a Matroska clip with a DVD (bitmap) subtitle track."""
    folder = tmp_path_factory.mktemp("side")
    (folder / "subs.srt").write_text(SRT)
    subs = ["-i", str(folder / "subs.srt"), "-map", "0", "-map", "1"]
    made = {}
    for name, codec, timecode in (
        ("src.mp4", "mov_text", "01:00:00:00"),
        ("src.mov", "mov_text", "10:00:00:00"),
        ("src.mkv", "srt", "01:02:03:04"),
    ):
        made[name] = folder / name
        ffmpeg(*PICTURE, *subs, *H264, "-c:s", codec, "-timecode", timecode, str(made[name]))
    make_clip(folder / "vfr.mp4", [ShotSpec(seconds=3)], size=(160, 90), vfr=True)
    made["vfr.mov"] = folder / "vfr.mov"
    vfr = ["-i", str(folder / "vfr.mp4"), *subs, "-c:v", "copy", "-c:s", "mov_text"]
    ffmpeg(*vfr, "-timecode", "02:00:00:00", str(made["vfr.mov"]))
    (folder / "blob.bin").write_bytes(bytes(range(256)) * 8)
    made["src.ts"] = folder / "src.ts"
    ffmpeg(*PICTURE, "-f", "data", "-i", str(folder / "blob.bin"), "-map", "0", "-map", "1", *H264, str(made["src.ts"]))
    ffmpeg(*PICTURE, *H264, str(folder / "picture.mp4"))
    made["dvd.mkv"] = with_dvd_subtitle(folder / "picture.mp4", folder / "dvd.mkv")
    return made


def _subtitles(path: Path) -> list[tuple[float, float, str]]:
    """The first subtitle track's lines: (start and length in seconds from the picture's start, text)."""
    with av.open(str(path)) as c:
        video, track = c.streams.video[0], c.streams.subtitles[0]
        picture = float((video.start_time or 0) * video.time_base)
        lines = []
        for packet in c.demux(track):
            assert packet.time_base is not None
            for line in (track.codec_context.decode2(packet) or []) if packet.size else []:
                start, length = (float(t * packet.time_base) for t in (packet.pts, packet.duration))
                lines.append((round(start - picture, 3), round(length, 3), line.dialogue.decode()))
        return lines


def _timecode(path: Path) -> tuple[str | None, list[str]]:
    """The video stream's timecode tag and the tags of the file's data tracks (tmcd: a timecode track)."""
    with av.open(str(path)) as c:
        tags = {k.lower(): v for k, v in c.streams.video[0].metadata.items()}
        return tags.get("timecode"), [s.metadata.get("timecode", "") for s in c.streams.data]


@pytest.mark.parametrize(
    "source, suffix, timecode",
    [
        ("src.mp4", ".mp4", "01:00:00:00"),  # mov_text copied, tmcd track written again
        ("src.mov", ".mov", "10:00:00:00"),
        ("src.mkv", ".mp4", "01:02:03:04"),  # SubRip converted to mov_text, Matroska's tag as a tmcd track
        ("src.mov", ".mkv", "10:00:00:00"),  # mov_text converted to ASS, the timecode as Matroska's tag
        ("vfr.mov", ".mov", "02:00:00:00"),  # counted at 25 fps, not the clock's 30000: the muxer refused that
    ],
)
def test_subtitles_and_timecode_are_carried(score, sources, tmp_path, source, suffix, timecode):
    src = sources[source]
    before = file_hash(src)
    out = tmp_path / f"out{suffix}"
    assert left_out(src, out) == []
    export_mp4(score, src, out)
    assert _subtitles(src) == _subtitles(out) == LINES
    tag, data_tracks = _timecode(out)
    assert tag == timecode
    assert data_tracks == ([] if suffix == ".mkv" else [timecode])  # MP4 and MOV: one tmcd track
    assert file_hash(src) == before


def test_a_track_no_container_holds_is_named(score, sources, tmp_path):
    out = tmp_path / "out.mp4"
    assert left_out(sources["src.ts"], out) == ["data track 1 (bin_data)"]
    export_mp4(score, sources["src.ts"], out)
    with av.open(str(out)) as c:
        assert [s.type for s in c.streams] == ["video", "audio"]


def test_generate_says_which_track_it_left_out(sources, tmp_path, tiny_model, capsys):
    out = tmp_path / "out.mp4"
    assert main(["generate", str(sources["src.ts"]), "-o", str(out), "--model", str(tiny_model)]) == 0
    notes = [line for line in capsys.readouterr().out.splitlines() if "left out" in line]
    assert notes == [f"note: {out}: left out the video's data track 1 (bin_data), which mp4 cannot hold"]


@pytest.mark.parametrize(
    "suffix, notes",
    [
        (".mp4", []),  # MP4 holds a DVD subtitle as it is
        (".mov", ["left out the video's subtitle track 1 (dvdsub), which mov cannot hold"]),  # and has no text for it
    ],
)
def test_a_bitmap_subtitle_track_is_copied_or_named(score, sources, tmp_path, suffix, notes):
    out = tmp_path / f"out{suffix}"
    assert export_notes(sources["dvd.mkv"], out) == notes
    export_mp4(score, sources["dvd.mkv"], out)
    with av.open(str(out)) as c:
        assert [s.type for s in c.streams] == ["video", "audio"] + ([] if notes else ["subtitle"])
        assert [s.codec_context.name for s in c.streams.subtitles] == ([] if notes else ["dvdsub"])
