"""An exported video keeps every audio track of the source: the music mixed under the first, and each
further one copied where the container holds its codec, else re-encoded as AAC and said so, with its
language and title tags and in time with the picture."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from bgm_studio.export import side_tracks
from bgm_studio.export.mp4 import export_mp4, export_notes
from tests.media import file_hash, with_two_sound_tracks
from tests.video_clips import ShotSpec, make_clip

FIRST_HZ, SECOND_HZ = 440.0, 1000.0  # a distinct tone per track: the second's peak says which track it is
RATE = 48_000


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> dict[str, Path]:
    """A 3 s clip with two sound tracks, the second in codecs an MP4, MOV or MKV holds or not: AAC in
    MP4, G.711 mu-law in MOV (an IP camera's), FLAC in MKV, SMPTE 302M PCM in MPEG-TS (a broadcast
    recording, whose clock starts at 1.4 s)."""
    folder = tmp_path_factory.mktemp("audio")
    picture = folder / "picture.mp4"
    make_clip(picture, [ShotSpec(seconds=3.0)], size=(160, 90))
    return {
        name: with_two_sound_tracks(picture, folder / name, codec, (FIRST_HZ, SECOND_HZ))
        for name, codec in (("aac.mp4", "aac"), ("mulaw.mov", "pcm_mulaw"), ("flac.mkv", "flac"), ("pcm.ts", "s302m"))
    }


def _second_track(path: Path) -> tuple[str, dict[str, str], float, np.ndarray]:
    """The second audio track's codec, tags, start (s) from the picture's first frame, and its sound as
    mono float32 at RATE."""
    with av.open(str(path)) as c:
        assert len(c.streams.audio) == 2
        picture, track = c.streams.video[0], c.streams.audio[1]
        picture_start = float((picture.start_time or 0) * picture.time_base)
        resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        frames = list(c.decode(track))
        pieces = [f.to_ndarray().reshape(-1) for frame in frames + [None] for f in resampler.resample(frame)]
        tags = {k.lower(): v for k, v in track.metadata.items()}
        return track.codec_context.name, tags, frames[0].time - picture_start, np.concatenate(pieces)


def _peak_hz(sound: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(sound * np.hanning(len(sound))))
    return float(np.argmax(spectrum) * RATE / len(sound))


@pytest.mark.parametrize(
    "source, suffix, codec",
    [
        ("aac.mp4", ".mp4", "aac"),  # copied
        ("flac.mkv", ".mkv", "flac"),
        ("mulaw.mov", ".mp4", "aac"),  # MP4 cannot hold mu-law: re-encoded
        ("flac.mkv", ".mov", "aac"),  # FFmpeg takes FLAC in a MOV, then cannot write its header: re-encoded
        ("pcm.ts", ".mp4", "aac"),  # re-encoded, and moved to the picture's start with it
    ],
)
def test_every_audio_track_is_kept(score, sources, tmp_path, source, suffix, codec):
    src = sources[source]
    before = file_hash(src)
    out = tmp_path / f"out{suffix}"
    export_mp4(score, src, out, original_gain_db=-6.0)
    source_codec, _, source_start, source_sound = _second_track(src)
    out_codec, tags, start, sound = _second_track(out)
    assert out_codec == codec
    assert abs(_peak_hz(sound) - SECOND_HZ) < 2.0  # the second track's own tone, not the first's or the music
    assert tags.get("language") == "ger"
    if suffix == ".mkv":  # MP4 and MOV keep no track title
        assert tags.get("title") == "Room mic"
    assert start == pytest.approx(source_start, abs=0.03)
    if codec == source_codec:  # copied: the very samples
        assert np.array_equal(sound, source_sound)
        assert export_notes(src, out) == []
    else:
        fmt = {".mp4": "mp4", ".mov": "mov"}[suffix]
        assert export_notes(src, out) == [
            f"the video's audio track 2 ({source_codec}) was re-encoded as AAC, which {fmt} cannot hold as it is"
        ]
    with av.open(str(out)) as c:  # the music plays, the further track waits to be chosen
        assert [bool(s.disposition & av.stream.Disposition.default) for s in c.streams.audio] == [True, False]
    assert file_hash(src) == before


def test_a_track_that_cannot_be_kept_is_named(score, sources, tmp_path, monkeypatch):
    """Where the track can be neither copied nor made AAC (an FFmpeg without the AAC encoder, a channel
    layout it refuses), the export goes on without it and says so."""

    def no_aac(output, stream):
        raise ValueError("no AAC encoder")

    monkeypatch.setattr(side_tracks, "_aac_like", no_aac)
    out = tmp_path / "out.mp4"
    assert export_notes(sources["mulaw.mov"], out) == [
        "left out the video's audio track 2 (pcm_mulaw), which mp4 cannot hold"
    ]
    export_mp4(score, sources["mulaw.mov"], out, original_gain_db=-6.0)
    with av.open(str(out)) as c:
        assert [s.type for s in c.streams] == ["video", "audio"]
