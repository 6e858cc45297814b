"""Cut lists out: the music back into an editor, as an OTIO timeline, a CMX 3600 EDL, FCP 7 XML or FCP X XML.

The timeline holds the video on a picture track (for the editor to relink), then one audio
track per audio file: the music first, then any stems. The music clip carries a marker at
every shot start. Every time is a whole frame of the video's rate: NTSC rates are kept exact
(24000/1001, 30000/1001, 60000/1001) and 29.97/59.94 timecodes are drop-frame.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..atomic import atomic_path
from ..errors import BgmError
from ..video.frame_rate import STANDARD_RATES, standard_rate

FORMATS = {".otio": "otio_json", ".edl": "cmx_3600", ".xml": "fcp_xml", ".fcpxml": "fcpx_xml"}


@dataclass(frozen=True)
class Marker:
    """A named point on the music: a shot start."""

    t_s: float
    name: str


@dataclass(frozen=True)
class AudioFile:
    """One audio track of the timeline: the music, or one stem of it."""

    name: str
    path: str


def timeline_rate(fps: float) -> float:
    """The video's frame rate as editors count it: a standard rate exactly (NTSC's 30000/1001 for 29.97)
    when fps lies on one (video.frame_rate.standard_rate)."""
    if fps <= 0:
        raise BgmError("the video's frame rate is unknown; a timeline needs one")
    return standard_rate(fps) or round(fps, 6)


def score_timeline(
    name: str, duration_s: float, rate: float, audio: list[AudioFile], markers: list[Marker], video: str | None = None
):
    """An opentimelineio Timeline: the video (if given) on V1, then one track per audio file, markers on the first."""
    import opentimelineio as otio

    frames = round(duration_s * rate)
    whole = otio.opentime.TimeRange(otio.opentime.RationalTime(0, rate), otio.opentime.RationalTime(frames, rate))
    timeline = otio.schema.Timeline(name)
    picture = otio.schema.Track("V1", kind=otio.schema.TrackKind.Video)
    picture.append(_clip(Path(video).name, video, whole) if video else otio.schema.Gap(source_range=whole))
    timeline.tracks.append(picture)
    for k, file in enumerate(audio):
        track = otio.schema.Track(f"A{k + 1}", kind=otio.schema.TrackKind.Audio)
        clip = _clip(file.name, file.path, whole)
        if k == 0:
            for m in markers:
                at = otio.opentime.RationalTime(min(round(m.t_s * rate), frames - 1), rate)
                clip.markers.append(
                    otio.schema.Marker(
                        m.name,
                        otio.opentime.TimeRange(at, otio.opentime.RationalTime(0, rate)),
                        otio.schema.MarkerColor.RED,
                    )
                )
        track.append(clip)
        timeline.tracks.append(track)
    return timeline


def _clip(name: str, path: str, whole):
    import opentimelineio as otio

    url = Path(path).absolute().as_uri()
    return otio.schema.Clip(name, otio.schema.ExternalReference(url, whole), whole)


def check_timeline_path(path: str | os.PathLike) -> str:
    """The OTIO adapter for a timeline path's suffix; BgmError for another suffix."""
    adapter = FORMATS.get(Path(path).suffix.lower())
    if adapter is None:
        raise BgmError(f"{path}: a timeline is written as {', '.join(FORMATS)}")
    return adapter


def write_timeline(timeline, path: str | os.PathLike, inputs: tuple[str, ...] = ()) -> None:
    """Write a timeline in the format its suffix names, atomically."""
    text = timeline_text(timeline, path)
    with atomic_path(path, inputs) as tmp:
        tmp.write_text(text)


def timeline_text(timeline, path: str | os.PathLike) -> str:
    """The timeline in the format the path's suffix names; BgmError where that format cannot hold it
    (SMPTE timecode counts no 15 fps, say), so a caller can refuse before it writes anything.

    An EDL is one event list: it carries the music track (with its markers as locators) and
    no stems, since OTIO's EDL writer writes the first track of the timeline only.
    """
    adapter = check_timeline_path(path)
    import opentimelineio as otio

    if adapter == "fcpx_xml":
        _teach_fcpx_ntsc_rates()
    if adapter == "cmx_3600":
        timeline = timeline.deepcopy()
        music = next(t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Audio)
        picture = next(t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video)
        timeline.tracks[:] = [music.deepcopy(), picture.deepcopy()]
    try:
        text = otio.adapters.write_to_string(timeline, adapter_name=adapter)
    except Exception as exc:  # an adapter's own limits, e.g. a rate it cannot express
        rate = f"{timeline.duration().rate:.6g} fps"
        raise BgmError(
            f"{path}: cannot be written as {adapter} at {rate} ({' '.join(str(exc).split())[:200]})"
        ) from exc
    return _with_frame_code_mode(text) if adapter == "cmx_3600" else text


def _with_frame_code_mode(edl: str) -> str:
    """The EDL with its FCM line after the title: OTIO's writer writes drop-frame timecodes at 29.97 and
    59.94 (HH:MM:SS;FF) but no FCM line, and an editor reading one as non-drop puts every event and
    locator 2 frames a minute off."""
    if "\nFCM:" in edl:
        return edl
    mode = "DROP FRAME" if re.search(r"\d{2}:\d{2}:\d{2};\d{2}", edl) else "NON-DROP FRAME"
    lines = edl.split("\n")
    at = 1 if lines and lines[0].startswith("TITLE:") else 0
    return "\n".join([*lines[:at], f"FCM: {mode}", *lines[at:]])


def _teach_fcpx_ntsc_rates() -> None:
    """Give OTIO's FCP X writer the exact NTSC rates: its table knows only 23.98, 29.97 and 59.94, so
    a timeline at 24000/1001 would fail, and one at 23.98 would put times between frames."""
    import opentimelineio as otio

    writer = otio.adapters.from_name("fcpx_xml").module()  # the module OTIO loaded, not a second import
    writer.FRAMERATE_FRAMEDURATION.update({r: f"1001/{round(r * 1001)}s" for r in STANDARD_RATES if not r.is_integer()})
