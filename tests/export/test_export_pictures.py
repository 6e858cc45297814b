"""An exported video keeps the source's cover art and attachments where its container holds them, and
names what it leaves out: cover art a MOV cannot hold, an attachment only Matroska holds, and a second
video track, which is not scored."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from bgm_studio.cli import main
from bgm_studio.export.mp4 import export_mp4, export_notes
from tests.media import ffmpeg, file_hash

PICTURE = ["-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=2"]
H264 = ["-c:v", "libx264", "-pix_fmt", "yuv420p"]
SECOND_TRACK = "left out the video's video track 1 (h264): only its first video track is scored and exported"


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> dict[str, Path]:
    """A JPEG cover as an MP4's attached picture and as a Matroska attachment, a font attached to a
    Matroska clip, and an MP4 with two video tracks."""
    folder = tmp_path_factory.mktemp("pictures")
    made = {name: folder / name for name in ("cover.mp4", "cover.mkv", "font.mkv", "two.mp4")}
    ffmpeg(*PICTURE, *H264, str(folder / "picture.mp4"))
    ffmpeg("-f", "lavfi", "-i", "color=red:size=64x64", "-frames:v", "1", str(folder / "cover.jpg"))
    (folder / "font.ttf").write_bytes(b"not really a font")
    picture, cover = ["-i", str(folder / "picture.mp4")], ["-i", str(folder / "cover.jpg")]
    ffmpeg(
        *picture,
        *cover,
        "-map",
        "0",
        "-map",
        "1",
        "-c",
        "copy",
        "-disposition:v:1",
        "attached_pic",
        str(made["cover.mp4"]),
    )
    for name, attached, mimetype in (("cover.mkv", "cover.jpg", "image/jpeg"), ("font.mkv", "font.ttf", "font/ttf")):
        attach = ["-attach", str(folder / attached), "-metadata:s:t", f"mimetype={mimetype}"]
        ffmpeg(*picture, "-c", "copy", *attach, str(made[name]))
    second = ["-f", "lavfi", "-i", "testsrc2=size=80x60:rate=25:duration=2", "-map", "0", "-map", "1"]
    ffmpeg(*PICTURE, *second, *H264, str(made["two.mp4"]))
    return made


def _covers(path: Path) -> list[tuple[str, bytes]]:
    """Each cover picture of the file: (its codec, its bytes)."""
    with av.open(str(path)) as c:
        return [
            (s.codec_context.name, next(bytes(p) for p in c.demux(s) if p.size))
            for s in c.streams.video
            if s.disposition & av.stream.Disposition.attached_pic
        ]


@pytest.mark.parametrize(
    "source, suffix", [("cover.mp4", ".mp4"), ("cover.mp4", ".mkv"), ("cover.mkv", ".mkv"), ("cover.mkv", ".mp4")]
)
def test_cover_art_is_carried(score, sources, tmp_path, source, suffix):
    src = sources[source]
    before = file_hash(src)
    out = tmp_path / f"out{suffix}"
    assert export_notes(src, out) == []
    export_mp4(score, src, out)
    assert _covers(out) == _covers(src) and len(_covers(src)) == 1
    with av.open(str(out)) as c:
        assert [s.type for s in c.streams if not s.disposition & av.stream.Disposition.attached_pic] == [
            "video",
            "audio",
        ]
    assert file_hash(src) == before


def test_cover_art_a_mov_cannot_hold_is_named(score, sources, tmp_path):
    out = tmp_path / "out.mov"
    assert export_notes(sources["cover.mp4"], out) == ["left out the video's cover art (mjpeg), which mov cannot hold"]
    export_mp4(score, sources["cover.mp4"], out)
    assert _covers(out) == []


@pytest.mark.parametrize(
    "suffix, notes", [(".mkv", []), (".mp4", ["left out the video's attachment 1 (font.ttf), which mp4 cannot hold"])]
)
def test_an_attachment_is_carried_or_named(score, sources, tmp_path, suffix, notes):
    out = tmp_path / f"out{suffix}"
    assert export_notes(sources["font.mkv"], out) == notes
    export_mp4(score, sources["font.mkv"], out)
    with av.open(str(out)) as c:
        kept = [(a.name, a.mimetype, a.data) for a in c.streams.attachments]
    assert kept == ([] if notes else [("font.ttf", "font/ttf", b"not really a font")])


@pytest.mark.parametrize("suffix", [".mp4", ".mkv"])
def test_a_second_video_track_is_named(score, sources, tmp_path, suffix):
    out = tmp_path / f"out{suffix}"
    assert export_notes(sources["two.mp4"], out) == [SECOND_TRACK]
    export_mp4(score, sources["two.mp4"], out)
    with av.open(str(out)) as c:
        assert [s.type for s in c.streams] == ["video", "audio"]
        assert c.streams.video[0].codec_context.width == 160  # the first track, the one scored


def test_generate_says_it_left_out_the_second_video_track(sources, tmp_path, tiny_model, capsys):
    out = tmp_path / "out.mp4"
    assert main(["generate", str(sources["two.mp4"]), "-o", str(out), "--model", str(tiny_model)]) == 0
    notes = [line for line in capsys.readouterr().out.splitlines() if "left out" in line]
    assert notes == [f"note: {out}: {SECOND_TRACK}"]
