"""The source's subtitle tracks and timecode in an exported video, where its container holds them.

A subtitle track the container takes is copied packet for packet; a text one it does not take
(SubRip from an .mkv into an .mp4, mov_text into an .mkv) is converted to the container's own text
subtitles; a bitmap one it does not take is left out. The timecode goes on as the video stream's
`timecode` tag, which the MP4/MOV muxer writes as a tmcd track and Matroska as a tag, counting in the
picture's nominal rate. No container here takes any other data track (telemetry, KLV): those are
left out. `SideTracks.left_out` names what is, for a note: a track is never dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import av
from av.container import InputContainer, OutputContainer
from av.subtitles.stream import SubtitleStream
from av.video.stream import VideoStream

from ..video.frame_rate import nominal_rate

TEXT_SUBTITLES = {"mp4": "mov_text", "mov": "mov_text", "matroska": "ass"}  # each container's own text format
KEPT_TAGS = ("language", "title")  # a subtitle track's tags that go with it
MAX_TIMECODE_RATE = 255  # frames a second a tmcd track can count (FFmpeg's MOV muxer refuses more)


@dataclass(frozen=True)
class Timecode:
    """The source's start timecode and the rate it counts in."""

    start: str  # e.g. "01:00:00:00", or "01:00:00;00" for drop-frame
    rate: Fraction | None  # frames a second; None: the picture has no rate a timecode can count in


@dataclass(frozen=True)
class _Carried:
    """A subtitle track and its output stream, taking its packets as they are or converted."""

    source: SubtitleStream
    output: SubtitleStream
    converted: bool


class SideTracks:
    """The subtitle tracks of `source` added to `output`, and the tracks left out.

    `take` readies a demuxed subtitle packet for the output, moved `shift` seconds earlier with the
    picture (an MPEG-TS clock's origin); `ready` hands over the packets taken since it was last called.
    """

    def __init__(self, source: InputContainer, output: OutputContainer, shift: Fraction = Fraction(0)) -> None:
        self._shift = shift
        self._carried: dict[int, _Carried] = {}
        self._waiting: list[av.Packet] = []
        self.left_out: list[str] = []  # e.g. "subtitle track 2 (dvd_subtitle)"
        self.timecode = _timecode(source)
        if self.timecode and self.timecode.rate is None:
            self.left_out.append(f"timecode ({self.timecode.start})")
        for stream in source.streams.subtitles:
            carried = _carry(stream, output)
            if carried:
                self._carried[stream.index] = carried
            else:
                self.left_out.append(f"subtitle track {stream.index} ({stream.codec_context.name})")
        for data in source.streams.data:
            if _timecode_of(data.metadata) is None:  # a tmcd track goes on as the video's tag
                self.left_out.append(f"data track {data.index} ({data.name or 'unknown'})")

    @property
    def streams(self) -> list[SubtitleStream]:
        """The source's subtitle tracks to demux with the picture."""
        return [c.source for c in self._carried.values()]

    def take(self, packet: av.Packet) -> None:
        carried = self._carried[packet.stream.index]
        if packet.size == 0 or packet.pts is None or packet.time_base is None:
            return  # the demuxer's flush packet
        move = round(self._shift / packet.time_base)
        out = _converted(carried, packet) if carried.converted else packet
        if out is None:
            return
        out.time_base, out.duration = packet.time_base, packet.duration
        out.pts, out.dts = packet.pts - move, (packet.pts if packet.dts is None else packet.dts) - move
        out.stream = carried.output
        self._waiting.append(out)

    def ready(self) -> list[av.Packet]:
        ready, self._waiting = self._waiting, []
        return ready

    def carry_timecode(self, video_out: VideoStream) -> None:
        """Tag the output's picture with the source's timecode and the rate it counts in (the muxer reads
        that from the picture's frame rate, which a copied stream may lack or hold as its clock's)."""
        if self.timecode and self.timecode.rate:
            video_out.metadata["timecode"] = self.timecode.start
            video_out.codec_context.framerate = self.timecode.rate


def _timecode(source: InputContainer) -> Timecode | None:
    """The source's timecode: MP4 and MOV give it on the video stream (from their tmcd track), Matroska
    on the file; it counts in the picture's nominal rate."""
    video = source.streams.video[0]
    start = _timecode_of(video.metadata) or _timecode_of(source.metadata)
    if start is None:
        return None
    average, declared = video.average_rate or video.guessed_rate, video.guessed_rate or video.average_rate
    fps = nominal_rate(float(average or 0), float(declared or 0))
    rate = Fraction(fps).limit_denominator(1001)  # NTSC's rates exactly
    return Timecode(start, rate if 1 <= round(rate) <= MAX_TIMECODE_RATE else None)


def _timecode_of(tags: dict[str, str]) -> str | None:
    return next((value for key, value in tags.items() if key.lower() == "timecode"), None)


def _carry(stream: SubtitleStream, output: OutputContainer) -> _Carried | None:
    """An output stream for the subtitle track: a copy, else a conversion of its text; None for a bitmap
    track the container does not take."""
    tags = {k: v for k, v in stream.metadata.items() if k.lower() in KEPT_TAGS}
    try:
        copy = output.add_stream_from_template(stream)
        copy.metadata.update(tags)
        return _Carried(stream, copy, converted=False)
    except ValueError:  # PyAV: the container cannot hold this codec
        pass
    target = TEXT_SUBTITLES.get(output.format.name)
    if not (target and stream.codec_context.codec.text_sub and target in av.codecs_available):
        return None
    stream.codec_context.open(strict=False)  # the decoder makes the ASS header the encoder starts from
    text = output.add_stream(target)
    assert isinstance(text, SubtitleStream)  # a subtitle codec's stream
    text.codec_context.subtitle_header = stream.codec_context.subtitle_header
    text.metadata.update(tags)
    return _Carried(stream, text, converted=True)


def _converted(carried: _Carried, packet: av.Packet) -> av.Packet | None:
    """The packet's subtitle in the output's text format (untimed); None for one that shows nothing
    or does not decode (players skip a damaged subtitle too)."""
    try:
        subtitle = carried.source.codec_context.decode2(packet)
        if subtitle is None or not len(subtitle):
            return None
        out = carried.output.codec_context.encode_subtitle(subtitle)
    except av.FFmpegError:
        return None
    return out
