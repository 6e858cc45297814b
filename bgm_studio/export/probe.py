"""The input video of an export: opened for copying its streams, and its VideoInfo (video.decode)."""

from __future__ import annotations

import os

import av

from ..containers import check_timed
from ..errors import BgmError
from ..video.decode import VideoInfo, probe


def open_video(path: str | os.PathLike) -> av.container.InputContainer:
    """Open a media file for reading, refusing a missing file, a non-media file or one without video."""
    if not os.path.isfile(path):
        raise BgmError(f"{path}: no such video file")
    try:
        container = av.open(str(path), "r")
    except av.FFmpegError as exc:
        raise BgmError(f"{path}: not a readable video file ({exc.strerror or exc})") from exc
    check_timed(container, path)
    if not container.streams.video:
        container.close()
        raise BgmError(f"{path}: has no video stream; choose a video file")
    return container


def probe_video(path: str | os.PathLike) -> VideoInfo:
    """The video's VideoInfo (the one analysis reads), refusing a video whose length the container does
    not state: an export's music is that long."""
    info = probe(path)
    if not info.duration_s:
        raise BgmError(f"{path}: the video's duration is unknown")
    return info
