"""Small media files made on the fly with the ffmpeg program, for the export tests.

Import as `from tests.media import make_video` (run pytest from the repository root).
"""

from __future__ import annotations

import hashlib
import shutil
import struct
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import pytest


def ffmpeg(*args: str) -> None:
    if shutil.which("ffmpeg") is None:
        pytest.skip("the ffmpeg program is not installed")
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def make_video(path: Path, seconds: float = 2.0, fps: int = 25, tone_hz: float | None = 440.0) -> Path:
    """H.264 test pattern (with B-frames) of `seconds`, with a mono AAC sine soundtrack unless tone_hz is None."""
    args = ["-f", "lavfi", "-i", f"testsrc=size=160x120:rate={fps}:duration={seconds}"]
    if tone_hz is not None:
        args += ["-f", "lavfi", "-i", f"sine=frequency={tone_hz}:duration={seconds}", "-c:a", "aac", "-shortest"]
    ffmpeg(*args, "-c:v", "libx264", "-bf", "2", "-g", "12", "-pix_fmt", "yuv420p", str(path))
    return path


def make_with_data_track(path: Path) -> Path:
    """An MPEG-TS of a 3 s H.264 test pattern and an opaque data track (stream 1), which no container
    an export writes can hold."""
    blob = path.with_name(f"{path.stem}.bin")
    blob.write_bytes(bytes(range(256)) * 8)
    picture = ["-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=3"]
    data = ["-f", "data", "-i", str(blob), "-map", "0", "-map", "1"]
    ffmpeg(*picture, *data, "-c:v", "libx264", "-pix_fmt", "yuv420p", str(path))
    return path


def with_two_sound_tracks(picture: Path, path: Path, second_codec: str, hz: tuple[float, float]) -> Path:
    """`picture` (a clip with no sound, e.g. from tests.video_clips.make_clip) with two sine tracks of its
    length: AAC at hz[0] tagged English, and stereo at hz[1] encoded with `second_codec`, tagged German
    and titled 'Room mic' (a camera's second microphone, or a second language)."""
    with av.open(str(picture)) as c:
        seconds = float(c.duration / av.time_base)
    tones = [a for f in hz for a in ("-f", "lavfi", "-i", f"sine=frequency={f}:sample_rate=48000:duration={seconds}")]
    tags = ["-metadata:s:a:0", "language=eng", "-metadata:s:a:1", "language=ger", "-metadata:s:a:1", "title=Room mic"]
    codecs = ["-c:v", "copy", "-c:a:0", "aac", "-c:a:1", second_codec, "-ac:a:1", "2", "-strict", "-2"]
    ffmpeg("-i", str(picture), *tones, "-map", "0:v", "-map", "1", "-map", "2", *codecs, *tags, str(path))
    return path


def with_dvd_subtitle(src: Path, dst: Path, at_s: float = 0.5) -> Path:
    """A Matroska copy of `src` with a DVD (bitmap) subtitle track, last, showing a small bar at `at_s`."""
    with av.open(str(src)) as source, av.open(str(dst), "w", format="matroska") as out:
        targets = {s.index: out.add_stream_from_template(s) for s in source.streams}
        subtitles = out.add_stream("dvdsub")
        for packet in source.demux():
            if packet.dts is not None:
                packet.stream = targets[packet.stream.index]
                out.mux(packet)
        packet = av.Packet(_dvd_subtitle_unit())
        packet.time_base, packet.pts, packet.dts, packet.duration = Fraction(1, 1000), round(at_s * 1000), None, 1000
        packet.stream = subtitles
        out.mux(packet)
    return dst


def _dvd_subtitle_unit() -> bytes:
    """A DVD subpicture unit: a 4x2 bar of colour 1 (each field one run-length line, filled to its end),
    and its control sequence: palette, contrast, area, where each field's lines start, show."""
    lines = b"\x00\x01\x00\x01"
    control_at = 4 + len(lines)
    commands = b"\x03\x12\x34\x04\xff\xf0\x05\x00\x00\x03\x00\x00\x01\x06\x00\x04\x00\x06\x01\xff"
    body = lines + struct.pack(">HH", 0, control_at) + commands
    return struct.pack(">HH", 4 + len(body), control_at) + body


def make_audio_only(path: Path, seconds: float = 1.0) -> Path:
    """An AAC file with no video stream."""
    ffmpeg("-f", "lavfi", "-i", f"sine=frequency=330:duration={seconds}", "-c:a", "aac", str(path))
    return path


def with_packets_zeroed(src: Path, dst: Path, kind: str, first: int, count: int) -> Path:
    """A copy of `src` (Matroska) whose `kind` ('audio' or 'video') packets first..first+count-1
    hold zeros: packets a decoder refuses, as in a clip cut out of a longer film."""
    with av.open(str(src)) as source, av.open(str(dst), "w", format="matroska") as out:
        targets = {s.index: out.add_stream_from_template(s) for s in source.streams}
        n = 0
        for packet in source.demux():
            if packet.dts is None:
                continue
            target = targets[packet.stream.index]
            if packet.stream.type == kind:
                if first <= n < first + count:
                    zeroed = av.Packet(bytes(packet.size))
                    zeroed.pts, zeroed.dts, zeroed.time_base = packet.pts, packet.dts, packet.time_base
                    packet = zeroed
                n += 1
            packet.stream = target
            out.mux(packet)
    return dst


def file_hash(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def video_packets(path: Path) -> list[tuple[Fraction | None, Fraction | None, str]]:
    """(pts, dts in seconds or None, sha256 of the bytes) of every packet of the first video stream, in file order."""

    def seconds(ts, time_base):
        return None if ts is None else ts * time_base

    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        return [
            (seconds(p.pts, p.time_base), seconds(p.dts, p.time_base), hashlib.sha256(bytes(p)).hexdigest())
            for p in c.demux(stream)
            if p.size
        ]


def decoded_end_s(path: Path) -> float:
    """End (s) of the last video frame that decodes, every frame on one thread, as a player shows them."""
    times = []
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        stream.thread_type = "SLICE"
        for packet in c.demux(stream):
            try:
                times += [frame.time for frame in packet.decode()]
            except av.FFmpegError:  # the damaged packet of a cut-off file
                continue
        return max(times) + float(1 / stream.average_rate)


def first_sound(audio, sample_rate: int, after_s: float, threshold: float = 1e-3) -> float:
    """Time (s) of the first sample at or after `after_s` whose level exceeds `threshold` (inf if none)."""
    start = int(round(after_s * sample_rate))
    loud = (abs(audio[start:]).max(axis=1) > threshold).nonzero()[0]
    return (start + loud[0]) / sample_rate if len(loud) else float("inf")


def rms(audio, sample_rate: int, start_s: float, end_s: float) -> float:
    """Root-mean-square level of the audio between two times."""
    seg = audio[int(start_s * sample_rate) : int(end_s * sample_rate)]
    return float((seg.astype("float64") ** 2).mean() ** 0.5) if len(seg) else 0.0
