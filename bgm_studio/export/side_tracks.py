"""The source's further audio tracks, subtitle tracks and timecode in an exported video, where its
container holds them.

An audio track after the first (whose sound is mixed under the music) is copied packet for packet
where the container takes it, else decoded and encoded as AAC; one that neither works for is left
out. A subtitle track the container takes is copied packet for packet; a text one it does not take
(SubRip from an .mkv into an .mp4, mov_text into an .mkv) is converted to the container's own text
subtitles; a bitmap one it does not take is left out. The timecode goes on as the video stream's
`timecode` tag, which the MP4/MOV muxer writes as a tmcd track and Matroska as a tag, counting in the
picture's nominal rate. No container here takes any other data track (telemetry, KLV): those are
left out. Cover art goes on as the MP4's cover (FFmpeg's MOV muxer writes none) and as a Matroska
attachment, as do the source's other attachments (fonts for its subtitles), which only Matroska holds.
Only the first video track is scored and exported: a further one is left out. `SideTracks.left_out`
names what the container cannot hold, `SideTracks.unscored` the further video tracks, and
`SideTracks.reencoded` the audio tracks made AAC, for a note: a track is never dropped or changed silently.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import av
from av.audio.stream import AudioStream
from av.container import InputContainer, OutputContainer
from av.subtitles.stream import SubtitleStream
from av.video.stream import VideoStream

from ..video.frame_rate import nominal_rate

TEXT_SUBTITLES = {"mp4": "mov_text", "mov": "mov_text", "matroska": "ass"}  # each container's own text format
KEPT_TAGS = ("language", "title")  # an audio or subtitle track's tags that go with it
AAC_CHANNEL_BIT_RATE = 96_000  # an audio track made AAC: 192 kb/s for stereo, as the music's
AAC_FALLBACK_RATE = 48_000  # for a track at a sample rate AAC has no place for (e.g. 192 kHz)
MAX_TIMECODE_RATE = 255  # frames a second a tmcd track can count (FFmpeg's MOV muxer refuses more)
COVER_MIMETYPES = {  # a picture's codec: the type Matroska's readers show an attachment of as cover art
    "mjpeg": "image/jpeg",
    "png": "image/png",
    "bmp": "image/bmp",
    "gif": "image/gif",
    "webp": "image/webp",
    "tiff": "image/tiff",
}


@dataclass(frozen=True)
class Timecode:
    """The source's start timecode and the rate it counts in."""

    start: str  # e.g. "01:00:00:00", or "01:00:00;00" for drop-frame
    rate: Fraction | None  # frames a second; None: the picture has no rate a timecode can count in


@dataclass(frozen=True)
class _Carried:
    """A subtitle track and its output stream, taking its packets as they are or converted; or an audio
    track the container takes as it is."""

    source: SubtitleStream | AudioStream
    output: SubtitleStream | AudioStream
    converted: bool


@dataclass(frozen=True)
class _Encoded:
    """An audio track the container cannot hold as it is, and the AAC stream its decoded sound goes to."""

    source: AudioStream
    output: AudioStream

    def encode(self, packet: av.Packet | None, move: int = 0) -> list[av.Packet]:
        """The AAC packets of `packet`'s sound, `move` (in the source's time base) earlier; None: the
        decoder's and the encoder's last. A packet that does not decode is skipped, as players skip it."""
        try:
            frames = self.source.codec_context.decode(packet)
        except av.FFmpegError:
            frames = []
        for frame in frames:
            frame.pts = None if frame.pts is None else frame.pts - move
        packets = [out for frame in frames for out in self.output.encode(frame)]
        return packets + (self.output.encode(None) if packet is None else [])


class SideTracks:
    """The further audio tracks and the subtitle tracks of `source` added to `output`, and the tracks left out.

    `take` readies a demuxed packet of one of them for the output, moved `shift` seconds earlier with the
    picture (an MPEG-TS clock's origin); `ready` hands over the packets taken since it was last called,
    and `flush` the last of them at the end.
    """

    def __init__(self, source: InputContainer, output: OutputContainer, shift: Fraction = Fraction(0)) -> None:
        self._shift = shift
        self._carried: dict[int, _Carried | _Encoded] = {}
        self._waiting: list[av.Packet] = []
        self.left_out: list[str] = []  # e.g. "subtitle track 2 (dvd_subtitle)"
        self.reencoded: list[str] = []  # audio tracks made AAC, e.g. "audio track 2 (pcm_mulaw)"
        self.unscored: list[str] = []  # further video tracks, left out, e.g. "video track 1 (h264)"
        self.timecode = _timecode(source)
        if self.timecode and self.timecode.rate is None:
            self.left_out.append(f"timecode ({self.timecode.start})")
        for sound in source.streams.audio[1:]:  # the first is mixed under the music
            audio = _carry_audio(sound, output)
            name = f"audio track {sound.index} ({sound.codec_context.name if sound.codec_context else 'unknown'})"
            if audio is None:
                self.left_out.append(name)
                continue
            self._carried[sound.index] = audio
            if isinstance(audio, _Encoded):
                self.reencoded.append(name)
        for stream in source.streams.subtitles:
            carried = _carry(stream, output)
            if carried:
                self._carried[stream.index] = carried
            else:
                self.left_out.append(f"subtitle track {stream.index} ({stream.codec_context.name})")
        for data in source.streams.data:
            if _timecode_of(data.metadata) is None:  # a tmcd track goes on as the video's tag
                self.left_out.append(f"data track {data.index} ({data.name or 'unknown'})")
        self._carry_pictures(source, output)

    def _carry_pictures(self, source: InputContainer, output: OutputContainer) -> None:
        """Carry the source's cover art and attachments where `output` holds them, and name the rest: the
        further video tracks, which are not scored, and what the container cannot hold."""
        for stream in source.streams.video[1:]:
            name = stream.codec_context.name if stream.codec_context else "unknown"
            if not stream.disposition & av.stream.Disposition.attached_pic:
                self.unscored.append(f"video track {stream.index} ({name})")
                continue
            cover = _carry_cover(source, stream, output)
            if cover is None:
                self.left_out.append(f"cover art ({name})")
            self._waiting += cover or []
        for attachment in source.streams.attachments:
            if output.format.name == "matroska":
                mimetype = attachment.mimetype or "application/octet-stream"
                output.add_attachment(attachment.name or f"attachment{attachment.index}", mimetype, attachment.data)
            else:
                self.left_out.append(f"attachment {attachment.index} ({attachment.name or 'unnamed'})")

    @property
    def streams(self) -> list[SubtitleStream | AudioStream]:
        """The source's audio and subtitle tracks to demux with the picture."""
        return [c.source for c in self._carried.values()]

    def take(self, packet: av.Packet) -> None:
        carried = self._carried[packet.stream.index]
        if packet.size == 0 or packet.pts is None or packet.time_base is None:
            return  # the demuxer's flush packet
        move = round(self._shift / packet.time_base)
        if isinstance(carried, _Encoded):
            self._waiting += carried.encode(packet, move)
            return
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

    def flush(self) -> list[av.Packet]:
        """The packets still to write once the source is read: those taken last, and the sound the
        AAC encoders still hold."""
        for carried in self._carried.values():
            if isinstance(carried, _Encoded):
                self._waiting += carried.encode(None)
        return self.ready()

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


def _carry_audio(stream: AudioStream, output: OutputContainer) -> _Carried | _Encoded | None:
    """An output stream for an audio track: a copy where the container takes the codec, else AAC of its
    decoded sound; None where neither can be written (no decoder for it, a channel layout AAC refuses).
    Each is first tried on an empty container of the output's format: FFmpeg takes some codecs it then
    cannot write a header for (FLAC and Opus in .mov)."""
    fmt = output.format.name
    tags = {k: v for k, v in stream.metadata.items() if k.lower() in KEPT_TAGS}
    if _writable(fmt, lambda trial: trial.add_stream_from_template(stream)):
        copy = output.add_stream_from_template(stream)
        copy.metadata.update(tags)
        return _Carried(stream, copy, converted=False)
    if stream.codec_context is None or not _writable(fmt, lambda trial: _aac_like(trial, stream)):
        return None  # PyAV gives a stream no codec context where FFmpeg has no decoder for it
    aac = _aac_like(output, stream)
    aac.metadata.update(tags)
    return _Encoded(stream, aac)


def _aac_like(output: OutputContainer, stream: AudioStream) -> AudioStream:
    """An AAC stream for `stream`'s sound, with its channels, at its sample rate where AAC has that rate."""
    rates = av.Codec("aac", "w").audio_rates or ()
    rate = stream.codec_context.sample_rate if stream.codec_context.sample_rate in rates else AAC_FALLBACK_RATE
    aac = output.add_stream("aac", rate=rate, layout=stream.codec_context.layout)
    aac.bit_rate = AAC_CHANNEL_BIT_RATE * stream.codec_context.channels
    return aac


def _writable(fmt: str, add: Callable[[OutputContainer], object]) -> bool:
    """Whether a container of `fmt` holding the stream `add` puts in it starts: takes the codec and
    writes its header (opening the stream's encoder, if it has one)."""
    with av.open(io.BytesIO(), "w", format=fmt) as trial:
        try:
            add(trial)
            trial.start_encoding()
        except (ValueError, av.FFmpegError):  # PyAV: the container cannot hold the codec; FFmpeg: nor start
            return False
    return True


def _carry_cover(source: InputContainer, stream: VideoStream, output: OutputContainer) -> list[av.Packet] | None:
    """Put the cover art `stream` in `output`: in Matroska as an attachment, elsewhere as a picture stream
    whose one packet is returned (to be muxed first); None where the container does not keep it."""
    picture = _picture(source, stream)
    codec = stream.codec_context.name if stream.codec_context else ""
    if output.format.name == "matroska":
        mimetype = stream.metadata.get("mimetype") or COVER_MIMETYPES.get(codec)
        if picture is None or mimetype is None:
            return None
        filename = stream.metadata.get("filename") or f"cover.{mimetype.split('/')[-1]}"
        output.add_attachment(filename, mimetype, picture)
        return []
    if picture is None or not _keeps_cover(output.format.name, stream, picture):
        return None
    return [_cover_packet(output, stream, picture)]


def _cover_packet(output: OutputContainer, stream: VideoStream, picture: bytes) -> av.Packet:
    """A cover art stream like `stream` added to `output`, and its one packet, holding `picture`."""
    cover = output.add_stream_from_template(stream)
    cover.disposition = av.stream.Disposition.attached_pic
    packet = av.Packet(picture)
    packet.stream = cover
    return packet


def _keeps_cover(fmt: str, stream: VideoStream, picture: bytes) -> bool:
    """Whether a file of `fmt` written with the cover art reads back with it: the MP4 muxer refuses a
    picture codec it has no tag for, and the MOV muxer takes the picture and writes nothing of it."""
    trial_file = io.BytesIO()
    try:
        with av.open(trial_file, "w", format=fmt) as trial:
            trial.mux(_cover_packet(trial, stream, picture))
        trial_file.seek(0)
        with av.open(trial_file) as back:
            return any(s.disposition & av.stream.Disposition.attached_pic for s in back.streams.video)
    except (ValueError, av.FFmpegError):  # PyAV: the container cannot hold the codec; FFmpeg: nor write it
        return False


def _picture(source: InputContainer, stream: VideoStream) -> bytes | None:
    """The cover art's picture, read from the source opened again (its own reading stays at the start);
    None where it cannot be read."""
    try:
        with av.open(source.name, metadata_errors="ignore") as again:
            packet = next((p for p in again.demux(again.streams[stream.index]) if p.size), None)
            return None if packet is None else bytes(packet)
    except av.FFmpegError:
        return None


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
    source, output = carried.source, carried.output
    assert isinstance(source, SubtitleStream) and isinstance(output, SubtitleStream)  # only text is converted
    try:
        subtitle = source.codec_context.decode2(packet)
        if subtitle is None or not len(subtitle):
            return None
        out = output.codec_context.encode_subtitle(subtitle)
    except av.FFmpegError:
        return None
    return out
