"""The input video of an export: opened for copying its streams, and its VideoInfo (video.decode)."""

from __future__ import annotations

import os
from pathlib import Path

import av

from ..errors import BgmError
from ..video.decode import VideoInfo, open_container, probe


def open_video(path: str | os.PathLike) -> av.container.InputContainer:
    """Open a media file for reading, refusing a missing file, a non-media file or one without video."""
    container = open_container(Path(path))
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
