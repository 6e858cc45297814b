"""Defect 5: a bare elementary stream (.h264, .hevc, .m4v) is refused before any output is written."""

from __future__ import annotations

import pytest

from bgm_studio.cli import main
from tests.media import ffmpeg
from tests.robustness.helpers import one_line_error


@pytest.mark.parametrize("name, codec", [("clip.h264", "libx264"), ("clip.m4v", "mpeg4"), ("clip.mjpeg", "mjpeg")])
def test_generate_refuses_a_bare_stream_and_writes_nothing(env, tmp_path, capsys, name, codec):
    video = tmp_path / name
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=160x120:rate=25:duration=4",
        "-c:v",
        codec,
        "-f",
        {"libx264": "h264", "mpeg4": "m4v", "mjpeg": "mjpeg"}[codec],
        str(video),
    )
    out = tmp_path / "out"
    out.mkdir()
    args = [
        "generate",
        str(video),
        "-o",
        str(out / "o.mp4"),
        "--midi",
        str(out / "o.mid"),
        "--wav",
        str(out / "o.wav"),
        "--project",
        str(out / "o.bgm.json"),
    ]
    assert main(args) == 2
    one_line_error(capsys, "stream has no timing; put it in a container first")
    assert list(out.iterdir()) == []
    assert main(["analyze", str(video)]) == 2
    one_line_error(capsys, "has no timing")
