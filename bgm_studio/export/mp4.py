"""MP4 export: the input's video stream copied packet for packet, the music encoded as AAC, the
further audio tracks, subtitle tracks, timecode, cover art and attachments kept where the container
holds them (side_tracks.py).

A video stream the container cannot hold (Cinepak in .mp4, say) is re-encoded as H.264 instead,
and the progress label says so; copying stays the rule wherever the container takes the stream.

The original soundtrack (the first audio track) is mixed under the music at a chosen gain, against
the music's level, and the music ducks under its speech; or it is dropped, and the music plays at its
own level throughout (mixdown.py). That track plays by default; a further audio track (a second
language, a second microphone) follows it as it came. The music is rendered to the video's exact
length (the part that decodes, for a truncated file), so the file lasts as long as the video. Muxing
goes through PyAV (FFmpeg); the input file is only ever read.
"""

from __future__ import annotations

import io
import itertools
import math
import os
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Callable, Final, Iterator

import av
import numpy as np

from ..atomic import atomic_path, check_writable_target
from ..audio.render import CancelFn, RenderConfig, never
from ..audio.synth import SynthConfig
from ..errors import BgmError
from ..music.notes import Score
from ..progress import ProgressFn, no_progress
from ..video.decode import decodable_frames
from .mixdown import MixConfig, mixdown, picture_mix
from .probe import open_video, probe_video
from .side_tracks import SideTracks

AAC_BIT_RATE = 192_000
AAC_FRAME = 1024  # samples per AAC frame
# frames handed to the encoder at once (~6 s): progress and cancel are checked this often
ENCODE_CHUNK = AAC_FRAME * 256
CONTAINER_FORMATS = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov", ".mkv": "matroska"}
WRITTEN_WITH = {".mid": "--midi", ".midi": "--midi", ".wav": "--wav"}  # the option that writes a file of this suffix
MKV_HINT = "an .mkv output holds most video codecs"
REENCODE_CODEC: Final = "libx264"  # a stream the container cannot hold becomes H.264, which every container here takes
REENCODE_OPTIONS = {"crf": "18", "preset": "veryfast"}  # visually lossless at a few times real time
MAX_ORIGINAL_GAIN_DB = 40.0
WAITING_PACKETS = 256  # packets without a decode time held back to take one from a later packet
CLOCK_FORMATS = ("mpegts", "mpeg")  # MPEG transport and program streams: timestamps from a broadcast clock


def check_gain(gain_db: float | None) -> None:
    """Refuse a gain for the original soundtrack that is not a usable number of dB."""
    if gain_db is not None and not (math.isfinite(gain_db) and gain_db <= MAX_ORIGINAL_GAIN_DB):
        raise BgmError(
            f"original gain {gain_db} dB is out of range; choose at most {MAX_ORIGINAL_GAIN_DB:+.0f} dB (e.g. -12)"
        )


def container_format(path: str | os.PathLike) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in CONTAINER_FORMATS:
        other = WRITTEN_WITH.get(suffix)
        hint = f" (a {suffix} file is written with {other})" if other else ""
        raise BgmError(f"{path}: unknown video type {suffix or '(none)'}; name it .mp4, .mov or .mkv{hint}")
    return CONTAINER_FORMATS[suffix]


def check_codec(video: str | os.PathLike, path: str | os.PathLike) -> None:
    """Refuse a video that can neither be copied into the container of `path` nor re-encoded, before any
    output is written (only an FFmpeg without an H.264 encoder refuses anything)."""
    problem = video_copy_problem(video, path)
    if problem and REENCODE_CODEC not in av.codecs_available:
        with open_video(video) as source:
            raise BgmError(f"{path}: {problem}; {_container_hint(source.streams.video[0])}")


def video_copy_problem(video: str | os.PathLike, path: str | os.PathLike) -> str | None:
    """Why the video stream cannot be copied into the container of `path` as it is (then export
    re-encodes it as H.264), e.g. "'mp4' format does not support 'cinepak' codec"; None when it can."""
    with open_video(video) as source, av.open(io.BytesIO(), "w", format=container_format(path)) as output:
        try:
            _stream_like(output, source.streams.video[0])
        except ValueError as exc:  # PyAV: the container cannot hold this codec
            return str(exc)
    return None


def left_out(video: str | os.PathLike, path: str | os.PathLike) -> list[str]:
    """The source's tracks an export to `path` leaves out as its container cannot hold them, as 'data
    track 1 (bin_data)': [] when it carries every further audio track, every subtitle track, the timecode,
    the cover art and the attachments."""
    return _side_tracks(video, path).left_out


def _side_tracks(video: str | os.PathLike, path: str | os.PathLike) -> SideTracks:
    """What an export of `video` to `path` does with the tracks beside the picture and the first sound,
    planned on an empty container of its format."""
    with open_video(video) as source, av.open(io.BytesIO(), "w", format=container_format(path)) as output:
        return SideTracks(source, output)


def reencoded_note(video: str | os.PathLike, path: str | os.PathLike) -> str | None:
    """One line saying the picture is no longer the video's own, bit for bit, for the user: "the video was
    re-encoded as H.264 ('mp4' format does not support 'cinepak' codec)", and that its transparency is
    gone where it had an alpha channel (ProRes 4444, PNG): H.264 has none; None when it is copied as it is."""
    problem = video_copy_problem(video, path)
    if not problem:
        return None
    note = f"the video was re-encoded as H.264 ({problem})"
    with open_video(video) as source:
        stream = source.streams.video[0]
        if not _has_alpha(stream):
            return note
        keeps = _holding_suffix(stream)
        return f"{note}; its transparency (alpha channel) is lost, as H.264 has none" + (
            f" (a {keeps} output keeps it)" if keeps else ""
        )


def _has_alpha(stream: av.video.stream.VideoStream) -> bool:
    """Whether the stream's pictures have an alpha channel (transparency): yuva444p10le, rgba, ..."""
    pix_fmt = stream.codec_context.pix_fmt
    return pix_fmt is not None and any(c.is_alpha for c in av.VideoFormat(pix_fmt).components)


def export_notes(video: str | os.PathLike, path: str | os.PathLike) -> list[str]:
    """What an export of `video` to `path` tells the user, one line each (the command, the app and a batch
    all say these): its picture or a further audio track re-encoded ("the video's audio track 2 (pcm_mulaw)
    was re-encoded as AAC, which mp4 cannot hold as it is"), tracks of the video its container cannot hold
    ("left out the video's data track 1 (bin_data), which mp4 cannot hold") and its further video tracks,
    which are not scored; [] when it kept them all as they are. The tracks are planned once for all three."""
    side, fmt = _side_tracks(video, path), container_format(path)
    notes = [reencoded_note(video, path)]
    if side.reencoded:
        were = "was" if len(side.reencoded) == 1 else "were"
        notes.append(
            f"the video's {', '.join(side.reencoded)} {were} re-encoded as AAC, which {fmt} cannot hold as it is"
        )
    if side.left_out:
        notes.append(f"left out the video's {', '.join(side.left_out)}, which {fmt} cannot hold")
    if side.unscored:
        notes.append(
            f"left out the video's {', '.join(side.unscored)}: only its first video track is scored and exported"
        )
    return [note for note in notes if note]


def _stream_like(
    output: av.container.OutputContainer, stream: av.video.stream.VideoStream
) -> av.video.stream.VideoStream:
    """An output stream for `stream`'s packets as they are. PyAV looks the codec up by its decoder's
    name, which for AV1 is libdav1d, no codec a container knows: then the decoder's own codec is taken.
    Raises ValueError where the container cannot hold the codec."""
    try:
        return output.add_stream_from_template(stream)
    except ValueError:
        return output.add_stream_from_template(stream, opaque=True)


def export_mp4(
    score: Score,
    video: str | os.PathLike,
    path: str | os.PathLike,
    original_gain_db: float | None = None,
    synth: SynthConfig = SynthConfig(),
    config: RenderConfig = RenderConfig(),
    progress: ProgressFn = no_progress,
    cancel: CancelFn = never,
    duration_s: float | None = None,
    mix: MixConfig = MixConfig(),
) -> None:
    """Write `video` with the score as its soundtrack to `path`, atomically.

    original_gain_db: None drops the original soundtrack; a gain (e.g. -6.0) mixes it under
    the music, levelled to the music's loudness first (0 dB: as loud as the music). The mix
    meets `mix.loudness` either way.
    duration_s: the music's length, e.g. where decoding of a truncated video stopped,
    whose index claims more than the file holds; None: the video stream's stated length.
    """
    container_format(path)
    check_gain(original_gain_db)
    check_writable_target(path, inputs=(video,))  # fail before the render, not after it
    duration_s = duration_s or probe_video(video).duration_s
    sound = mixdown(
        score,
        duration_s,
        video,
        picture_mix(replace(mix, original_gain_db=original_gain_db)),
        synth,
        config,
        progress,
        cancel,
        apart=False,
    )
    mux_music(video, path, sound.mix, config.sample_rate, duration_s, progress, cancel)


def mux_music(
    video: str | os.PathLike,
    path: str | os.PathLike,
    music: np.ndarray,
    sample_rate: int,
    duration_s: float,
    progress: ProgressFn = no_progress,
    cancel: CancelFn = never,
) -> None:
    """Write `video`'s picture with `music` (float32 stereo, shape=(frames, 2)) as its sound, atomically."""
    fmt = container_format(path)
    with atomic_path(path, inputs=(video,)) as tmp:
        try:
            _mux(video, tmp, path, fmt, music, sample_rate, duration_s, progress, _cancel_check(path, cancel))
        except av.FFmpegError as exc:
            if isinstance(exc, OSError):
                raise  # a write error: atomic_path reports it
            raise BgmError(f"{path}: could not write the video ({exc.strerror or exc}); {MKV_HINT}") from exc


def read_soundtrack(video: str | os.PathLike, sample_rate: int, frames: int) -> np.ndarray:
    """`decode_soundtrack` padded with silence or cut at the end to `frames`: shape=(frames, 2).
    Decoded straight into place: the decoded pieces, joined and padded, were three copies of it at
    once (762 MB for 12 minutes)."""
    audio = np.zeros((frames, 2), np.float32)
    for start, piece in _soundtrack_pieces(video, sample_rate):
        a, b = max(start, 0), min(start + len(piece), frames)
        if a < b:
            audio[a:b] = piece[a - start : b - start]
    return audio


def decode_soundtrack(video: str | os.PathLike, sample_rate: int) -> np.ndarray | None:
    """The first audio stream as float32 stereo at `sample_rate`, shape=(frames, 2); None when there is none.

    Aligned with the video stream's start (a soundtrack that starts late is padded with silence in
    front). Playback and every export read a video's sound here. A packet that does not decode is
    skipped, as players and FFmpeg skip it: a clip cut out of a longer film often starts on a broken
    audio frame (the Megamind clip of opencv-doc, whose whole soundtrack failed for its first packet).
    """
    pieces = list(_soundtrack_pieces(video, sample_rate))
    if not pieces:
        return None
    audio = np.concatenate([piece for _, piece in pieces], dtype=np.float32)
    lead = pieces[0][0]
    return np.pad(audio, ((lead, 0), (0, 0))) if lead > 0 else audio[-lead:]


def _soundtrack_pieces(video: str | os.PathLike, sample_rate: int) -> Iterator[tuple[int, np.ndarray]]:
    """The first audio stream as it decodes (nothing without one): (first frame, counted from the video
    stream's start, so negative for sound before the picture; float32 stereo samples, shape=(n, 2))."""
    resampler = av.AudioResampler(format="flt", layout="stereo", rate=sample_rate)
    waiting: list[np.ndarray] = []  # pieces decoded before a frame gave the sound's start time
    lead, position, decoded = None, 0, False
    damage: list[av.FFmpegError] = []
    try:
        with open_video(video) as container:
            if not container.streams.audio:
                return
            stream = container.streams.video[0]
            video_start = float(stream.start_time * stream.time_base) if stream.start_time and stream.time_base else 0.0
            for frame in itertools.chain(decodable_frames(container, container.streams.audio[0], damage), [None]):
                if lead is None and frame is not None and frame.time is not None:
                    lead = int(round((frame.time - video_start) * sample_rate))
                waiting += [f.to_ndarray().reshape(-1, 2) for f in resampler.resample(frame)]
                if lead is None and frame is not None:
                    continue
                for piece in waiting:
                    yield (lead or 0) + position, piece
                    position, decoded = position + len(piece), True
                waiting = []
    except av.FFmpegError as exc:
        raise BgmError(f"{video}: could not decode the original soundtrack ({exc.strerror or exc})") from exc
    if not decoded and damage:
        raise BgmError(f"{video}: could not decode the original soundtrack ({damage[0].strerror or damage[0]})")


def _cancel_check(path: str | os.PathLike, cancel: CancelFn) -> Callable[[], None]:
    """A function that raises BgmError once `cancel()` says so."""

    def check() -> None:
        if cancel():
            raise BgmError(f"{path}: export cancelled")

    return check


def _mux(
    video,
    out_path: Path,
    target: str | os.PathLike,
    fmt: str,
    music: np.ndarray,
    sample_rate: int,
    duration_s: float,
    progress: ProgressFn,
    cancel: Callable[[], None],
) -> None:
    """Copy the video packets (or re-encode them where the container cannot hold them) and interleave
    the AAC-encoded music, the further audio tracks and the subtitles with them by time."""
    options = {"movflags": "+faststart"} if fmt in ("mp4", "mov") else {}
    reencode = video_copy_problem(video, target) is not None
    with open_video(video) as source, av.open(str(out_path), "w", format=fmt, options=options) as output:
        source_video = source.streams.video[0]
        video_out = _h264_of_stream(output, source_video) if reencode else _copy_of_stream(output, source_video, target)
        audio_out = output.add_stream("aac", rate=sample_rate, layout="stereo")
        audio_out.bit_rate = AAC_BIT_RATE
        audio_out.disposition = av.stream.Disposition.default  # the music plays, not a further audio track
        audio_out.codec_context.options = {
            "aac_coder": "fast"
        }  # half the time of 'twoloop'; at 192 kb/s no audible loss
        origin = _clock_origin(source, source_video)
        side = SideTracks(source, output, origin * Fraction(source_video.time_base or 0))
        side.carry_timecode(video_out)
        start = (
            (source_video.start_time - origin) * source_video.time_base
            if source_video.start_time and source_video.time_base
            else 0
        )
        lead = max(0, round(float(start) * sample_rate))  # music starts with the picture, not at 0
        audio_packets = _encode(audio_out, music, sample_rate, progress, cancel, lead)
        next_audio = 0
        label = (
            f"re-encoding the video as H.264 ({fmt} cannot hold {source_video.codec_context.name})"
            if reencode
            else "writing video"
        )
        for packet in _video_packets(source, source_video, video_out, reencode, video, origin, side):
            cancel()
            stamp = packet.dts if packet.dts is not None else packet.pts
            assert stamp is not None and packet.time_base is not None  # only packets with a time reach here
            t = float(stamp * packet.time_base)
            while next_audio < len(audio_packets) and (audio_packets[next_audio].pts or 0) / sample_rate <= t:
                output.mux(audio_packets[next_audio])
                next_audio += 1
            output.mux(side.ready())
            output.mux(packet)
            progress(t, duration_s, label)
        output.mux(audio_packets[next_audio:] + side.flush())
    progress(duration_s, duration_s, label)


def _video_packets(
    source: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    out: av.video.stream.VideoStream,
    reencode: bool,
    video,
    origin: int,
    side: SideTracks,
) -> Iterator[av.Packet]:
    """The output's video packets in order, `origin` (in the stream's time base) moved to 0: the source's
    as they are, or its frames encoded by `out`, upright and at their pixel aspect as the source shows them.
    The further audio and the subtitle packets demuxed on the way go to `side`."""
    packets = _whole_packets(_demux(source, stream, video, side), video)
    if not reencode:
        for packet in _with_decode_times(packets, _frame_step(stream)):
            packet.stream = out
            packet.pts = None if packet.pts is None else packet.pts - origin
            packet.dts = None if packet.dts is None else packet.dts - origin
            yield packet
        return
    first = True
    for frame in (frame for packet in itertools.chain(packets, [None]) for frame in stream.decode(packet)):
        if first and frame.rotation:
            out.set_display_rotation(frame.rotation)  # before the first frame is encoded
        first = False
        picture = frame.reformat(out.codec_context.width, out.codec_context.height, "yuv420p")
        picture.pts = None if frame.pts is None else frame.pts - origin
        yield from out.encode(picture)
    yield from out.encode(None)


def _whole_packets(packets: Iterator[av.Packet], video) -> Iterator[av.Packet]:
    """The packets that hold data, without the empty flush packet and one cut off by the file's end;
    a damaged packet with good ones after it stops the export in one line."""
    cut_off = None
    for packet in packets:
        if packet.size == 0:
            continue
        stamp = packet.dts if packet.dts is not None else packet.pts
        if packet.is_corrupt:
            cut_off = float(stamp * packet.time_base) if stamp is not None and packet.time_base else cut_off or 0.0
            continue
        if cut_off is not None:  # a damaged packet with good ones after it: the file is damaged, not cut short
            raise BgmError(
                f"{video}: the video stream is damaged at {cut_off:.1f} s; the export stopped "
                "and wrote nothing (repair or re-encode the video)"
            )
        yield packet


def _with_decode_times(packets: Iterator[av.Packet], step: int) -> Iterator[av.Packet]:
    """The packets, each with a decode time. Matroska gives none to the first packets of a stream with
    B-frames, its first keyframe among them: they take the times just before the first one given, `step`
    apart (never after their own presentation), as a copy needs every packet, in order. A run of
    more than WAITING_PACKETS without one goes on from the last time given, so memory stays bounded."""
    waiting: list[av.Packet] = []
    last = None
    for packet in packets:
        if packet.dts is None:
            waiting.append(packet)
            if len(waiting) > WAITING_PACKETS:
                yield from _timed_after(waiting, last, step)
                last, waiting = waiting[-1].dts, []
            continue
        yield from _timed_after(waiting, packet.dts - (len(waiting) + 1) * step, step)  # ending a step before it
        waiting = []
        last = packet.dts
        yield packet
    yield from _timed_after(waiting, last, step)


def _timed_after(packets: list[av.Packet], last: int | None, step: int) -> list[av.Packet]:
    """`packets` timed on from decode time `last`, `step` apart (never after their presentation)."""
    for k, packet in enumerate(packets, 1):
        packet.dts = packet.pts if last is None else last + k * step
        if packet.pts is not None and packet.dts is not None:
            packet.dts = min(packet.dts, packet.pts)
    return packets


def _frame_step(stream: av.video.stream.VideoStream) -> int:
    """One frame's duration in the stream's time base (at least 1)."""
    if stream.average_rate and stream.time_base:
        return max(1, round(1 / (stream.average_rate * stream.time_base)))
    return 1


def _clock_origin(source: av.container.InputContainer, stream: av.video.stream.VideoStream) -> int:
    """Where an MPEG transport or program stream's clock stood at its first frame (its time base), else 0.
    That clock starts anywhere; kept, it would open an MP4 with seconds of nothing."""
    return stream.start_time if source.format.name in CLOCK_FORMATS and stream.start_time else 0


def _h264_of_stream(
    output: av.container.OutputContainer, stream: av.video.stream.VideoStream
) -> av.video.stream.VideoStream:
    """An H.264 stream for `stream`'s frames, at its size (rounded down to even, as 4:2:0 needs) and timing."""
    h264 = output.add_stream(REENCODE_CODEC, rate=stream.average_rate or 25, options=dict(REENCODE_OPTIONS))
    h264.width, h264.height = stream.codec_context.width // 2 * 2, stream.codec_context.height // 2 * 2
    h264.pix_fmt = "yuv420p"
    sar = stream.sample_aspect_ratio or stream.codec_context.sample_aspect_ratio
    if sar and sar != 1:  # anamorphic video keeps its shape
        h264.codec_context.sample_aspect_ratio = sar
    assert stream.time_base is not None  # a demuxed stream has one
    h264.time_base = h264.codec_context.time_base = stream.time_base  # frames keep their own timestamps
    return h264


def _demux(source, stream, video, side: SideTracks) -> Iterator[av.Packet]:
    """The stream's packets, `side`'s audio and subtitle packets handed to it; a demuxer error (a damaged
    index or packet) stops the export in one line."""
    packets = source.demux(stream, *side.streams)
    t = 0.0
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            return
        except av.FFmpegError as exc:
            raise BgmError(
                f"{video}: the video cannot be read past {t:.1f} s ({exc.strerror or exc}); "
                "the export stopped and wrote nothing"
            ) from exc
        if packet.stream.index != stream.index:
            side.take(packet)
            continue
        if packet.dts is not None:
            t = float(packet.dts * packet.time_base)
        yield packet


def _copy_of_stream(
    output: av.container.OutputContainer, stream: av.video.stream.VideoStream, target: str | os.PathLike
) -> av.video.stream.VideoStream:
    """An output stream taking `stream`'s packets as they are.

    HEVC in MP4/MOV is tagged hvc1 where the parameter sets travel in the stream's header:
    FFmpeg's default tag, hev1, is refused by QuickTime, Safari and iOS (so a phone's own
    hvc1 clip would come back unplayable on the phone)."""
    try:
        copy = _stream_like(output, stream)
    except ValueError as exc:  # PyAV: the container cannot hold this codec
        raise BgmError(f"{target}: {exc}; {_container_hint(stream)}") from exc
    if stream.codec_context.name == "hevc" and output.format.name in ("mp4", "mov") and stream.codec_context.extradata:
        copy.codec_context.codec_tag = "hvc1"
    return copy


def _container_hint(stream: av.video.stream.VideoStream) -> str:
    """What to do about a codec the chosen container refused: name one that takes it, else convert."""
    suffix = _holding_suffix(stream)
    if suffix:
        return f"a {suffix} output can hold it"
    return (
        f"no container BGM Studio writes holds {stream.codec_context.name}: convert the video first "
        "(e.g. ffmpeg -i IN -c:v libx264 OUT.mp4)"
    )


def _holding_suffix(stream: av.video.stream.VideoStream) -> str | None:
    """The output type (.mkv, else .mov) whose container holds the stream as it is; None if neither does."""
    for suffix in (".mkv", ".mov"):
        with av.open(io.BytesIO(), "w", format=CONTAINER_FORMATS[suffix]) as other:
            try:
                _stream_like(other, stream)
                return suffix
            except ValueError:
                continue
    return None


def _encode(
    stream, music: np.ndarray, sample_rate: int, progress: ProgressFn, cancel: Callable[[], None], lead: int = 0
) -> list[av.Packet]:
    """AAC packets of the music (float32 stereo, shape=(frames, 2)), timed in samples from `lead`.

    The music goes in ENCODE_CHUNK frames at a time, which PyAV cuts into the encoder's 1024: the same
    packets as frame by frame, with a 256th of the Python calls."""
    packets = []
    for pos in range(0, len(music), ENCODE_CHUNK):
        cancel()
        progress(pos, len(music), "encoding audio")
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(music[pos : pos + ENCODE_CHUNK].T), format="fltp", layout="stereo"
        )
        frame.sample_rate = sample_rate
        frame.pts = lead + pos
        packets += stream.encode(frame)
    return packets + stream.encode(None)
