"""What every reader of a media file refuses alike, whether it analyses the video or exports it."""

from __future__ import annotations

import os

import av

from .errors import BgmError

# FFmpeg's demuxers of bare elementary streams: no timestamps, so no duration and no true frame times.
RAW_STREAM_FORMATS = {
    "h264",
    "hevc",
    "vvc",
    "m4v",
    "mpegvideo",
    "cavsvideo",
    "avs2",
    "avs3",
    "vc1",
    "dirac",
    "obu",
    "mjpeg",
    "jpeg_pipe",
    "rawvideo",
    "h261",
    "h263",
}


def check_timed(container: av.container.InputContainer, path: str | os.PathLike[str]) -> None:
    """Refuse a bare video stream (.h264, .hevc, .m4v...): its timing would only be guessed."""
    if set(container.format.name.split(",")) & RAW_STREAM_FORMATS:
        container.close()
        raise BgmError(
            f"{path}: a bare {container.format.name} stream has no timing; put it in a container "
            "first (ffmpeg -i IN -c copy OUT.mp4)"
        )
