"""Frames of the video for the preview and the shot thumbnails: the frame shown at any time.

Qt-free. Decoding moves forward from the last frame when the wanted time is a little
ahead (playback), and seeks to the keyframe before it otherwise (clicks, thumbnails).
The frame shown at time t is the last one whose presentation time is <= t, so the
picture is frame-accurate against the audio clock.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

import numpy as np

from ..errors import BgmError

if TYPE_CHECKING:  # PyAV and OpenCV (video.decode) load with the first video: 0.1-0.2 s of the first start
    import av

SEEK_AHEAD_S = 2.0  # decode forward up to this far rather than seek


@dataclass(frozen=True, eq=False)
class Picture:
    t_s: float  # presentation time of the frame, from the start of the video
    rgb: np.ndarray  # shape=(h, w, 3) uint8, upright


class FrameDecoder:
    """Random access to a video's frames at a fixed width (display orientation)."""

    def __init__(self, path: str | os.PathLike, width: int) -> None:
        import av

        from ..video.decode import probe

        info = probe(path)
        self.info = info
        self.width = max(16, min(width, info.width)) // 2 * 2
        self.height = max(2, round(self.width * info.height / info.width)) // 2 * 2
        try:
            self._container = av.open(str(path), metadata_errors="ignore")
        except av.FFmpegError as exc:
            raise BgmError(f"{path}: cannot open the video for preview ({exc})") from exc
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "AUTO"
        tb = self._stream.time_base
        self._origin = float(self._stream.start_time * tb) if self._stream.start_time is not None and tb else 0.0
        self._frames: Iterator[av.VideoFrame] | None = None
        self._shown: tuple[float, av.VideoFrame] | None = None
        self._peek: tuple[float, av.VideoFrame] | None = None
        self._picture: Picture | None = None

    def close(self) -> None:
        self._container.close()

    def __enter__(self) -> "FrameDecoder":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def picture_at(self, t_s: float) -> Picture | None:
        """The frame shown at t_s (None only for a video without decodable frames)."""
        shown = self._frame_at(t_s)
        if shown is None:
            return None
        if self._picture is None or self._picture.t_s != shown[0]:
            self._picture = Picture(shown[0], self._to_rgb(shown[1]))
        return self._picture

    def _frame_at(self, t_s: float) -> tuple[float, av.VideoFrame] | None:
        shown = self._shown
        if shown is not None and self._peek is not None and shown[0] <= t_s < self._peek[0]:
            return shown
        if shown is None or t_s < shown[0] or t_s > shown[0] + SEEK_AHEAD_S:
            self._seek(t_s)
        while True:
            nxt = self._peek or self._next_frame()
            self._peek = None
            if nxt is None:
                return self._shown
            if nxt[0] > t_s + 1e-6 and self._shown is not None:
                self._peek = nxt
                return self._shown
            self._shown = nxt

    def _seek(self, t_s: float) -> None:
        import av  # loaded by __init__: a look-up

        from ..video.decode import decodable_frames

        tb = self._stream.time_base
        target = int((t_s + self._origin) / tb) if tb else 0
        try:
            self._container.seek(max(target, 0), stream=self._stream, backward=True, any_frame=False)
        except av.FFmpegError:
            self._container.seek(0)
        self._frames = decodable_frames(self._container, self._stream)  # a damaged packet is skipped, as players do
        self._shown = self._peek = None

    def _next_frame(self) -> tuple[float, av.VideoFrame] | None:
        import av  # loaded by __init__: a look-up

        if self._frames is None:
            self._seek(0.0)
        assert self._frames is not None  # _seek starts decoding
        try:
            while True:
                frame = next(self._frames)
                if frame.time is not None:
                    return max(0.0, float(frame.time) - self._origin), frame
        except (StopIteration, av.FFmpegError):
            return None

    def _to_rgb(self, frame: av.VideoFrame) -> np.ndarray:
        rotated = self.info.rotation in (90, 270)
        w, h = (self.height, self.width) if rotated else (self.width, self.height)
        rgb = frame.to_ndarray(format="rgb24", width=w, height=h)
        if self.info.rotation:
            rgb = np.rot90(rgb, self.info.rotation // 90)
        return np.ascontiguousarray(rgb)


def thumbnails(path: str | os.PathLike, times: list[float], width: int = 160) -> list[np.ndarray]:
    """One RGB thumbnail (h, w, 3) per time, e.g. the middle of each shot."""
    with FrameDecoder(path, width) as decoder:
        pictures = [decoder.picture_at(t) for t in times]
    return [p.rgb if p is not None else np.zeros((decoder.height, decoder.width, 3), np.uint8) for p in pictures]
