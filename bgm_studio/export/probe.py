"""What the exports need to know about the input video, read with PyAV without decoding."""

from __future__ import annotations

import os
from dataclasses import dataclass

import av

from ..containers import check_timed
from ..errors import BgmError


@dataclass(frozen=True)
class VideoInfo:
    duration_s: float  # of the video stream, as the container states it (a truncated file holds less)
    has_audio: bool  # an original soundtrack that can be mixed under the music


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


def stream_duration_s(container: av.container.InputContainer) -> float:
    """Duration of the first video stream (the container's if the stream does not say)."""
    stream = container.streams.video[0]
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    raise BgmError(f"{container.name}: the video's duration is unknown")


def probe_video(path: str | os.PathLike) -> VideoInfo:
    """Duration and soundtrack presence of a video file."""
    with open_video(path) as container:
        return VideoInfo(stream_duration_s(container), bool(container.streams.audio))
