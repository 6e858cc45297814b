"""Streaming decode with PyAV: small full-range Y'CrCb thumbnails with their presentation times.

Only one decoded frame is alive at a time, so memory does not grow with the
length of the video. Times come from frame timestamps (variable frame rates
are fine), and the container's rotation is applied so thumbnails are upright.
"""

from __future__ import annotations

import errno
import itertools
import math
import os
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence, overload

import av
import cv2
import numpy as np

from ..containers import check_timed
from ..errors import BgmError
from ..threads import cores, decode_threads
from .frame_rate import nominal_rate
from .prefetch import Prefetch

_NATIVE_FORMATS = {"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p"}
_MAX_BAD_PACKETS = 50  # give up after this many undecodable packets in a row
_FRAMES_AHEAD = 4  # decoded frames waiting for the caller, at most
_TWO_PARTS_MIN_S = 20.0  # less of a video left than this is decoded by one decoder: a second costs more than it saves
_PACE_INTERVAL_S = 1.0  # how often a decoder's caller checks whether it mostly waits for frames
_WAITING_SHARE = 0.4  # waiting more of its time than this, the caller has a second decoder join
_LATER_AHEAD_BYTES = 64 << 20  # thumbnails the second of two decoders may make before they are used, at most
_FAST_MIN_FPS = 10.0  # fast decoding below this rate would skip whole pictures (a slideshow's), and saves little
# Limited ("TV") range to full range: Y 16..235 -> 0..255, chroma 16..240 -> 0..255 around 128.
_LUMA_LUT = np.clip((np.arange(256) - 16) * 255.0 / 219.0 + 0.5, 0, 255).astype(np.uint8)
_CHROMA_LUT = np.clip((np.arange(256) - 128) * 255.0 / 224.0 + 128.5, 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about a video, plus the rotation read from its first frame."""

    path: str
    duration_s: float  # video stream duration from the container; 0.0 when it does not say
    fps: float  # average frame rate: frames over duration
    nominal_fps: float  # the rate an editor counts it in (frame_rate.nominal_rate): a phone's 30 averaging 28 is 30
    width: int  # display width in pixels, after rotation
    height: int  # display height in pixels, after rotation
    rotation: int  # counter-clockwise degrees applied for display: 0, 90, 180 or 270
    has_audio: bool
    codec: str  # decoder name, e.g. "h264"
    frame_count: int  # frames the container announces; 0 when unknown


@dataclass(frozen=True, eq=False)
class Frame:
    """One decoded frame, shrunk for analysis."""

    t_s: float  # presentation time from the start of the video
    ycrcb: np.ndarray  # shape=(h, w, 3) uint8, full-range Y', Cr, Cb, upright


@dataclass(frozen=True)
class Damage:
    """A place where decoding failed; frames after it may be missing."""

    t_s: float  # time of the last good frame before the failure
    reason: str


class VideoReader:
    """An open video: `info`, then `frames(width)` streams thumbnails; `damage` lists decode failures.

    fast: skip the frames no other frame depends on (most B-frames) and the
    deblocking filter, roughly halving decoding time; the frames left are at
    most a few frames apart, and a little blockier, which analysis at thumbnail
    size does not notice. A video of fewer than _FAST_MIN_FPS frames a second
    is decoded whole. Use as a context manager so the file is closed even
    when analysis stops early.
    """

    def __init__(self, path: str | os.PathLike, fast: bool = False) -> None:
        self.path = Path(path)
        self._fast = fast
        self._container = open_container(self.path)
        self._stream = _video_stream(self._container, self.path, fast)
        packets = self._container.demux(self._stream)
        pending = _first_frames(self._container, self._stream, packets, self.path)
        self.info = _info(self.path, self._container, self._stream, pending[0])
        self._origin = _origin(self._stream, pending[0])
        self._part = _Part(self._stream, packets, self._origin, pending)
        self._later: _Later | None = None  # a second decoder, for the second half of a long video
        self._ahead: list[Prefetch] = []

    @property
    def damage(self) -> list[Damage]:
        """Where decoding failed, in the order of the video."""
        return self._part.damage + (self._later.part.damage if self._later else [])

    @property
    def skipped_to_s(self) -> float:
        """The latest time of a packet left undecoded outside the spans asked for."""
        return self._part.skipped_to_s

    def __enter__(self) -> "VideoReader":
        return self

    def __exit__(self, *exc: object) -> None:
        for ahead in self._ahead:  # the decoding threads stop before their decoders go
            ahead.close()
        if self._later is not None:
            self._later.container.close()
        self._container.close()

    def frames(
        self,
        width: int,
        wanted: Callable[[float], bool] | None = None,
        spans: Sequence[tuple[float, float]] | None = None,
    ) -> Iterator[Frame]:
        """Decode the video once, in order, yielding thumbnails `width` pixels wide (display orientation),
        of every frame or only of those whose time `wanted` accepts (the others are decoded, not shrunk).

        spans: [start, end) times; only frames inside them are yielded, and the packets between them are
        decoded only where a later one in a span depends on them (from the last keyframe before it).
        Undecodable packets are skipped and noted in `damage`; decoding stops after
        many in a row, or when the file ends early. A thread of its own decodes a few frames ahead.
        Where the caller mostly waits for it on two or more cores, a second decoder takes the second
        half of what is left (`_open_later`): of the 3-minute footage of benchmarks/end_to_end.py, a
        third less time; where measuring is the slower (flat pictures), a second decoder would only
        take the GIL from it.
        """
        size = _coded_size(self.info, width)
        inside = _Spans(spans)
        ahead = Prefetch(_timed(self._part.decoded(inside), self._origin, self.info.fps), _FRAMES_AHEAD)
        self._ahead.append(ahead)
        waits = _Waits() if spans is None and cores() >= 2 else None
        try:
            for t, frame in ahead if waits is None else waits.timed(iter(ahead)):
                thumbnail = None
                if waits is not None and waits.decoding_is_slower():
                    waits = None
                    self._open_later(t, size)
                if self._later is not None and t >= self._later.start_s:
                    thumbnail = _thumbnail(frame, size, self.info.rotation)
                    taken = next(iter(self._later.frames), None)
                    if taken is not None and taken.t_s == t and np.array_equal(taken.ycrcb, thumbnail):
                        ahead.close()
                        self._part.damage[:] = [d for d in self._part.damage if d.t_s < t]
                        yield from _accepted(itertools.chain([taken], self._later.frames), wanted)
                        return
                    self._drop_later()  # a keyframe that does not start the stream on its own (intra refresh)
                if not inside.holds(t) or (wanted is not None and not wanted(t)):
                    continue
                yield Frame(t, _thumbnail(frame, size, self.info.rotation) if thumbnail is None else thumbnail)
            self._drop_later()  # this decoder stopped before the keyframe (damage, a cut-off file), as one would
        finally:
            ahead.close()

    def _open_later(self, from_s: float, size: tuple[int, int]) -> None:
        """Start a second decoder at the keyframe nearest before the middle of what is left after
        `from_s`, where at least _TWO_PARTS_MIN_S is left and the container seeks to a keyframe well inside
        it; it decodes and shrinks in a thread of its own, up to _LATER_AHEAD_BYTES of thumbnails ahead.
        Only frames from its keyframe on come out, and none unless the first is the keyframe's own."""
        left = self.info.duration_s - from_s
        if left < _TWO_PARTS_MIN_S:
            return
        try:
            container = open_container(self.path)
        except BgmError:  # gone or changed since this reader opened it: one decoder goes on
            return
        try:
            stream = _video_stream(container, self.path, self._fast)
            if stream.time_base is None:
                raise ValueError("no time base to seek by")
            container.seek(round((self._origin + from_s + left / 2) / stream.time_base), stream=stream, backward=True)
            packets = container.demux(stream)
            key = next(packets)
            if not key.is_keyframe or key.pts is None or key.time_base is None:
                raise ValueError("the seek did not land on a timed keyframe")
            start_s = float(key.pts * key.time_base) - self._origin
            if not from_s + 0.2 * left <= start_s <= from_s + 0.8 * left:
                raise ValueError("no keyframe near the middle")
        except (av.FFmpegError, BgmError, ValueError, StopIteration):
            container.close()
            return
        part = _Part(stream, itertools.chain([key], packets), self._origin, [])
        fps = self.info.fps
        timed = _timed(part.decoded(_Spans(None)), self._origin, fps, math.nextafter(start_s, -math.inf))
        frames = Prefetch(
            _thumbnails(_starting_at(timed, start_s, fps), size, self.info.rotation),
            max(_FRAMES_AHEAD, _LATER_AHEAD_BYTES // (size[0] * size[1] * 3)),
        )
        self._ahead.append(frames)
        self._later = _Later(container, part, frames, start_s)

    def _drop_later(self) -> None:
        """Stop the second decoder, if any, and forget what it met."""
        if self._later is not None:
            self._later.frames.close()
            self._later.container.close()
            self._later = None


@dataclass(frozen=True, eq=False)
class _Later:
    """A second decoder: its file, packets and damage, thumbnails made ahead, and the keyframe time it starts at."""

    container: av.container.InputContainer
    part: "_Part"
    frames: Prefetch[Frame]
    start_s: float


class _Waits:
    """How much of its time the caller of a decoder spends waiting for frames, _PACE_INTERVAL_S at a time."""

    def __init__(self) -> None:
        self._since = time.perf_counter()
        self._waited = 0.0

    def timed(self, items: Iterator[tuple[float, av.VideoFrame]]) -> Iterator[tuple[float, av.VideoFrame]]:
        """The items, timing each wait for the next."""
        while True:
            before = time.perf_counter()
            item = next(items, None)
            self._waited += time.perf_counter() - before
            if item is None:
                return
            yield item

    def decoding_is_slower(self) -> bool:
        """At the end of each interval: whether the caller waited over _WAITING_SHARE of it."""
        elapsed = time.perf_counter() - self._since
        if elapsed < _PACE_INTERVAL_S:
            return False
        slower = self._waited > _WAITING_SHARE * elapsed
        self._since, self._waited = time.perf_counter(), 0.0
        return slower


def _accepted(frames: Iterator[Frame], wanted: Callable[[float], bool] | None) -> Iterator[Frame]:
    return (frame for frame in frames if wanted is None or wanted(frame.t_s))


class _Part:
    """One decoder's packets, from the start of the video or from a keyframe, and the damage it met."""

    def __init__(
        self,
        stream: av.video.stream.VideoStream,
        packets: Iterator[av.Packet],
        origin: float,
        pending: list[av.VideoFrame],
    ) -> None:
        self._stream = stream
        self._packets = packets
        self._origin = origin
        self._pending = pending  # frames decoded already (a reader's first ones)
        self.damage: list[Damage] = []
        self.skipped_to_s = 0.0  # the latest time of a packet left undecoded outside the spans asked for

    def decoded(self, spans: "_Spans") -> Iterator[av.VideoFrame]:
        """The frames in presentation order, decoding only what frames inside `spans` need."""
        yield from self._pending
        self._pending = []
        bad, last_good, silent = 0, 0.0, 0
        held: list[av.Packet] = []  # packets outside the spans since the last keyframe, not decoded (yet)
        try:
            for packet in self._packets:
                t = None if packet.pts is None or packet.time_base is None else float(packet.pts * packet.time_base)
                if t is not None and not spans.holds(t - self._origin):
                    held = [packet] if packet.is_keyframe else [*held, packet]
                    self.skipped_to_s = max(self.skipped_to_s, t - self._origin)  # the file goes on at least this far
                    continue
                # Decoding goes on from the last keyframe (or the last packet decoded) up to this one.
                for packet in [packet] if packet.is_keyframe else [*held, packet]:
                    silent += 1
                    if silent > _MAX_BAD_PACKETS:  # a decoder that skips every frame: decode them all
                        self._stream.codec_context.skip_frame = "DEFAULT"
                    try:
                        frames = _decode(packet)
                    except av.FFmpegError as exc:
                        bad += 1
                        self.damage.append(Damage(last_good, _reason(exc)))
                        if bad >= _MAX_BAD_PACKETS:
                            return
                        continue
                    bad = 0
                    silent = 0 if frames else silent
                    for frame in frames:
                        last_good = max(last_good, float(frame.time or 0.0) - self._origin)
                        yield frame
                held = []
        except av.FFmpegError as exc:  # the demuxer itself failed, e.g. a cut-off file
            self.damage.append(Damage(last_good, _reason(exc)))


def _timed(
    frames: Iterator[av.VideoFrame], origin: float, fps: float, last_t: float = -math.inf
) -> Iterator[tuple[float, av.VideoFrame]]:
    """(time from the start of the video, frame); of frames with a duplicate or out-of-order time, the first."""
    for frame in frames:
        t = _frame_time(frame, origin, last_t, fps)
        if t > last_t:
            last_t = t
            yield t, frame


def _starting_at(
    frames: Iterator[tuple[float, av.VideoFrame]], start_s: float, fps: float
) -> Iterator[tuple[float, av.VideoFrame]]:
    """The timed frames of a decoder started at a keyframe, if the first is that keyframe's (within half
    a frame), as a keyframe that starts a stream on its own shows at once; else none, at once."""
    first = next(frames, None)
    if first is not None and abs(first[0] - start_s) < 0.5 / (fps or 25.0):
        yield first
        yield from frames


def _thumbnails(frames: Iterator[tuple[float, av.VideoFrame]], size: tuple[int, int], rotation: int) -> Iterator[Frame]:
    for t, frame in frames:
        yield Frame(t, _thumbnail(frame, size, rotation))


class _Spans:
    """The time spans decoding is limited to; None: the whole video."""

    def __init__(self, spans: Sequence[tuple[float, float]] | None) -> None:
        self._spans = list(spans) if spans is not None else None

    def holds(self, t_s: float) -> bool:
        return self._spans is None or any(a <= t_s < b for a, b in self._spans)


def _decode(packet: av.Packet) -> list[av.VideoFrame]:
    """The frames of one packet, refusing one the demuxer marks corrupt (e.g. cut off by the end of the file).

    Decoding it would fail, and with frame threads the failure comes out only at the
    final flush, which then loses the frames still queued in the decoder.
    """
    if packet.is_corrupt:
        raise av.InvalidDataError(errno.EINVAL, "incomplete or corrupt data")
    return packet.decode()


@overload
def decodable_frames(
    container: av.container.InputContainer,
    stream: av.audio.stream.AudioStream,
    damage: list[av.FFmpegError] | None = None,
) -> Iterator[av.AudioFrame]: ...
@overload
def decodable_frames(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    damage: list[av.FFmpegError] | None = None,
) -> Iterator[av.VideoFrame]: ...
def decodable_frames(
    container: av.container.InputContainer, stream: av.stream.Stream, damage: list[av.FFmpegError] | None = None
) -> Iterator[Any]:
    """The stream's frames from where the container stands, packet by packet, a packet that does not
    decode skipped (its error appended to `damage`), as players and FFmpeg skip it. Decoded as one
    stream, a single damaged packet ended it: a clip cut out of a longer film often starts on one."""
    for packet in container.demux(stream):
        try:
            frames = packet.decode()
        except av.FFmpegError as exc:
            if damage is not None:
                damage.append(exc)
            continue
        yield from frames


def probe(path: str | os.PathLike) -> VideoInfo:
    """Read a video's duration, frame rate, display size, rotation and audio presence (decodes one frame)."""
    with VideoReader(path) as reader:
        return reader.info


def open_container(path: Path) -> av.container.InputContainer:
    """Open a media file for reading, refusing a missing, empty, unreadable or untimed one in one line
    (an export opens its video here too, so both say the same of a damaged file)."""
    if not path.exists():
        raise BgmError(f"{path}: no such file")
    if not path.is_file():
        raise BgmError(f"{path}: not a file")
    if path.stat().st_size == 0:
        raise BgmError(f"{path}: file is empty (0 bytes)")
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except av.FFmpegError as exc:
        raise BgmError(
            f"{path}: cannot be read as a video ({_reason(exc)}); it may be damaged, incomplete, or not a video file"
        ) from exc
    check_timed(container, path)
    return container


def analysed_stream(container: av.container.InputContainer) -> av.video.stream.VideoStream | None:
    """The video stream analysis reads: the first one that is not a cover picture; None if there is none."""
    streams = [s for s in container.streams.video if not s.disposition & av.stream.Disposition.attached_pic]
    return streams[0] if streams else None


def _video_stream(container: av.container.InputContainer, path: Path, fast: bool) -> av.video.stream.VideoStream:
    stream = analysed_stream(container)
    if stream is None:
        kind = "audio-only file" if container.streams.audio else "no playable streams"
        container.close()
        raise BgmError(f"{path}: has no video stream ({kind})")
    stream.thread_type = "AUTO"
    stream.thread_count = decode_threads()
    fps = _timing(container, stream)[1]
    # codec_context is None when no decoder knows the codec (reported later); an unknown rate (0) decodes fast.
    if fast and stream.codec_context is not None and not 0 < fps < _FAST_MIN_FPS:
        stream.codec_context.skip_frame = "NONREF"
        stream.codec_context.options = {"skip_loop_filter": "all"}
    return stream


def _first_frames(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    packets: Iterator[av.Packet],
    path: Path,
) -> list[av.VideoFrame]:
    """Decode until the first frame comes out: proves the video is decodable and gives its rotation."""
    try:
        for packet in packets:
            frames = packet.decode()
            if frames:
                return list(frames)
    except av.DecoderNotFoundError as exc:
        container.close()
        raise BgmError(f"{path}: its video codec is not supported (no decoder for it)") from exc
    except av.FFmpegError as exc:
        container.close()
        raise BgmError(f"{path}: the video cannot be decoded ({_reason(exc)})") from exc
    container.close()
    raise BgmError(f"{path}: the video stream has no decodable frame")


def _info(
    path: Path, container: av.container.InputContainer, stream: av.video.stream.VideoStream, first: av.VideoFrame
) -> VideoInfo:
    rotation = int(round(first.rotation / 90.0)) % 4 * 90
    width, height = _display_size(stream, first)
    if rotation in (90, 270):
        width, height = height, width
    duration, fps = _timing(container, stream)
    declared = stream.guessed_rate or stream.base_rate
    return VideoInfo(
        path=str(path),
        duration_s=max(duration, 0.0),
        fps=fps,
        nominal_fps=nominal_rate(fps, float(declared) if declared else 0.0),
        width=width,
        height=height,
        rotation=rotation,
        has_audio=bool(container.streams.audio),
        codec=stream.codec_context.name,
        frame_count=int(stream.frames or 0),
    )


def _timing(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> tuple[float, float]:
    """(duration in seconds, average frame rate) the container states; 0.0 for what it does not say."""
    if stream.duration and stream.time_base:
        duration = float(stream.duration * stream.time_base)
    else:
        duration = container.duration / av.time_base if container.duration else 0.0
        if "matroska" in container.format.name and stream.start_time and stream.time_base:
            duration -= max(0.0, float(stream.start_time * stream.time_base))  # it states where its clock ends
    rate: Fraction | float | None = stream.average_rate or stream.guessed_rate or stream.base_rate
    if stream.frames > 1 and duration > 0:  # the true average, where some containers (AVI) report a tick rate
        rate = stream.frames / duration
    return duration, float(rate) if rate else 0.0


def _display_size(stream: av.video.stream.VideoStream, frame: av.VideoFrame) -> tuple[int, int]:
    """Frame size with non-square pixels stretched to square ones."""
    sar = stream.sample_aspect_ratio
    if sar and sar > 0 and sar != 1:
        return max(1, int(round(frame.width * sar))), frame.height
    return frame.width, frame.height


def _origin(stream: av.video.stream.VideoStream, first: av.VideoFrame) -> float:
    if stream.start_time is not None and stream.time_base:
        return float(stream.start_time * stream.time_base)
    return float(first.time or 0.0)


def _coded_size(info: VideoInfo, width: int) -> tuple[int, int]:
    """Thumbnail (width, height) before rotation, keeping the display aspect ratio."""
    w = max(2, min(width, info.width))
    h = max(2, int(round(w * info.height / info.width)))
    return (h, w) if info.rotation in (90, 270) else (w, h)


def _frame_time(frame: av.VideoFrame, origin: float, last_t: float, fps: float) -> float:
    if frame.time is None:
        return last_t + 1.0 / (fps or 25.0) if last_t > -math.inf else 0.0
    return max(0.0, float(frame.time) - origin)


def _thumbnail(frame: av.VideoFrame, size: tuple[int, int], rotation: int) -> np.ndarray:
    """Shrink a decoded frame to `size` (w, h) as full-range Y'CrCb, upright."""
    if frame.format.name in _NATIVE_FORMATS:
        y, cb, cr = (_plane(p) for p in frame.planes)
        y, cb, cr = (_shrink(p, size) for p in (y, cb, cr))
        if not (frame.format.name.startswith("yuvj") or frame.color_range == 2):
            y, cb, cr = cv2.LUT(y, _LUMA_LUT), cv2.LUT(cb, _CHROMA_LUT), cv2.LUT(cr, _CHROMA_LUT)
    else:  # 10-bit, RGB, NV12, palette...: let swscale convert and shrink in one go
        small = frame.reformat(width=size[0], height=size[1], format="yuv444p", dst_color_range="JPEG")
        y, cb, cr = (_plane(p).copy() for p in small.planes)
    image = cv2.merge([y, cr, cb])  # as np.dstack, at a fifth of its cost
    if rotation:
        image = np.ascontiguousarray(np.rot90(image, rotation // 90))
    return image


def _plane(plane: av.video.plane.VideoPlane) -> np.ndarray:
    """A view of one image plane without its row padding."""
    rows = np.frombuffer(memoryview(plane), np.uint8).reshape(plane.height, plane.line_size)
    return rows[:, : plane.width]


def _shrink(plane: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Area-average down to `size`; large planes go through a cheap bilinear step first (4x faster, little aliasing)."""
    w, h = size
    if plane.shape[1] >= 4 * w and plane.shape[0] >= 4 * h:
        plane = _bilinear(plane, (2 * w, 2 * h))
    return cv2.resize(plane, (w, h), interpolation=cv2.INTER_AREA)


def _bilinear(plane: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """cv2.resize(plane, size, interpolation=cv2.INTER_LINEAR). At an odd whole ratio (1280x720 to 256x144)
    each sample falls on a pixel centre, so those pixels are taken as they are: 4x less CPU, the same array."""
    (rows, columns), (w, h) = plane.shape, size
    if columns % w == 0 and rows % h == 0 and (columns // w) % 2 == 1 and (rows // h) % 2 == 1:
        kx, ky = columns // w, rows // h
        return np.ascontiguousarray(plane[ky // 2 :: ky, kx // 2 :: kx])
    return cv2.resize(plane, size, interpolation=cv2.INTER_LINEAR)


def _reason(exc: Exception) -> str:
    """FFmpeg's message without the errno prefix and file name."""
    text = getattr(exc, "strerror", None) or str(exc)
    return text.split(":")[0].strip() if text else type(exc).__name__
