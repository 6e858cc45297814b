"""A video stream that does not start at 0: the music starts with the picture, not before it."""

from __future__ import annotations

import av
import numpy as np

from bgm_studio.export.mp4 import export_mp4
from tests.media import ffmpeg


def first_sound_s(path) -> float:
    with av.open(str(path)) as c:
        for frame in c.decode(c.streams.audio[0]):
            loud = np.abs(frame.to_ndarray()).max(axis=0) > 1e-3
            if loud.any():
                return frame.time + int(np.argmax(loud)) / frame.sample_rate
    raise AssertionError("no sound")


def test_music_starts_with_a_late_video_stream(score, tmp_path):
    src = tmp_path / "late.mp4"
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=160x120:rate=25:duration=3",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        str(tmp_path / "plain.mp4"),
    )
    ffmpeg("-itsoffset", "2", "-i", str(tmp_path / "plain.mp4"), "-c", "copy", str(src))
    export_mp4(score, src, tmp_path / "out.mp4")
    with av.open(str(tmp_path / "out.mp4")) as c:
        v = c.streams.video[0]
        video_start = float(v.start_time * v.time_base)
    assert abs(video_start - 2.0) < 0.05
    assert abs(first_sound_s(tmp_path / "out.mp4") - video_start) < 0.05
