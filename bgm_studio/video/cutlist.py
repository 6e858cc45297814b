"""An editor's cut list (OTIO, CMX 3600 EDL, FCP 7 XML, FCP X XML, Kdenlive) as shots, instead of detection.

The video is taken to be a render of the timeline: timeline time 0 (after its record
timecode start) is the video's first frame. The clips of the video track with the most
clips (the top one among equals) are the shots, or its markers when it is one clip (an exported score); a gap
becomes a shot of its own, and so does the rest of the video after the last clip. Mismatches that would misplace every cut (another frame rate, a
timeline longer than the video, overlapping clips) are refused with one line; the
others are handled and reported in `notes`, one line each.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from ..errors import BgmError
from .decode import VideoInfo
from .fcpxml import read_fcpxml
from .frame_rate import SAME_RATE
from .shots import Shot

SUFFIXES = {".otio": "otio_json", ".edl": "cmx_3600", ".xml": "fcp_xml", ".fcpxml": "fcpx_xml", ".kdenlive": "kdenlive"}


@dataclass(frozen=True)
class CutList:
    """The shots an editor's timeline gives a video, covering [0, duration_s) without gaps."""

    shots: tuple[Shot, ...]
    transitions: tuple[str, ...]  # how each shot begins: "start", "cut" or "dissolve"
    rate: float  # the timeline's frames per second
    notes: tuple[str, ...]  # one line each: what was handled (gaps, timecode start, other tracks)


def read_cutlist(path: str | os.PathLike, video: VideoInfo, duration_s: float) -> CutList:
    """The shots of the timeline in `path` for a video of `duration_s` seconds; BgmError on a mismatch.

    Read on a thread of its own, which no OpenTimelineIO object outlives: on a pooled thread of the app's
    tasks, after the model had run on the pool, OTIO's first read of a kind took the GIL with another
    thread state than the one holding it (pybind11) and hung the whole app, in half the runs of five reads.
    """
    outcome: list = []

    def read() -> None:
        try:
            outcome.append(_read_cutlist(Path(path), video, duration_s))
        except BaseException as exc:  # raised again on the caller's thread
            outcome.append(exc)

    thread = threading.Thread(target=read, name="cut list")
    thread.start()
    thread.join()
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def _read_cutlist(path: Path, video: VideoInfo, duration_s: float) -> CutList:
    timeline = _read_timeline(path, video.nominal_fps)
    track, notes = _cut_track(path, timeline)
    items, clip_rate = _items(path, track)
    rate = _stated_rate(timeline) or clip_rate
    marked = _marked_cuts(timeline, track)
    if marked is not None:
        owner, starts = marked
        items = _split(items[0][1], starts)
        notes.append(f"{path}: one clip spans the timeline; the markers on {owner} give the cuts ({len(items)} shots)")
    if video.nominal_fps and abs(rate / video.nominal_fps - 1) > SAME_RATE:
        raise BgmError(
            f"{path}: the timeline runs at {rate:.3f} fps but the video at {video.nominal_fps:.3f} fps; "
            "export the cut list from a timeline at the video's frame rate"
        )
    start = _record_start(timeline, track)
    if start:
        notes.append(
            f"{path}: the timeline starts at timecode {_timecode(start, rate)}; taken as the video's first frame"
        )
    return _shots(path, items, rate, duration_s, notes)


def _read_timeline(path: Path, fps: float):
    try:
        import opentimelineio as otio
    except ImportError:
        raise BgmError("reading cut lists needs OpenTimelineIO: pip install opentimelineio") from None
    adapter = SUFFIXES.get(path.suffix.lower())
    if adapter is None:
        raise BgmError(f"{path}: not a cut list this reads ({', '.join(SUFFIXES)})")
    if path.is_dir():
        raise BgmError(f"{path}: is a folder, not a cut list")
    if not path.is_file():
        raise BgmError(f"{path}: no such cut list")
    if adapter != "fcpx_xml" and adapter not in otio.adapters.available_adapter_names():
        raise BgmError(
            f"{path}: reading {path.suffix} needs OpenTimelineIO's {adapter} adapter "
            f"(pip install {_ADAPTER_PACKAGES[adapter]})"
        )
    if adapter == "otio_json":
        _check_nesting(path)
    options = {"rate": fps or 24.0} if adapter == "cmx_3600" else {}  # an EDL does not say its rate
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # the Kdenlive adapter prints a banner on every read
            if adapter == "cmx_3600":  # Windows editors write a byte-order mark, or their code page
                result = otio.adapters.read_from_string(_edl_text(path), adapter_name=adapter, **options)
            elif adapter == "fcpx_xml":  # OTIO's reader rounds NTSC rates down and truncates times
                result = read_fcpxml(path)
            else:
                result = otio.adapters.read_from_file(str(path), adapter_name=adapter, **options)
    except Exception as exc:  # adapters raise anything from their parsers; each is a file the user gave
        raise BgmError(f"{path}: {_reason(exc)}") from exc
    timelines = _timelines(result)
    if len(timelines) != 1:
        held = f"{len(timelines)} timelines" if timelines else "no timeline"
        raise BgmError(f"{path}: holds {held}, not one; export a single sequence")
    return timelines[0]


def _edl_text(path: Path) -> str:
    """An EDL's text: UTF-8 with or without a byte-order mark, else Windows-1252 (clip names with
    accents, as Windows editors write them), else Latin-1, which reads any byte. An event whose reel
    name holds a space is refused: CMX 3600 splits its fields on spaces, and the reader then took
    the reel's second word for the channel and placed the cuts wrong, silently."""
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split()
        if len(fields) >= 8 and fields[0].isdigit() and _TIMECODE.fullmatch(fields[-1]):
            if not _CHANNELS.fullmatch(fields[2]):
                raise BgmError(
                    f"{path}: line {number}: reel {' '.join(fields[1:3])!r}? an EDL's reel names have no "
                    "spaces (CMX 3600); rename the reel, or export the timeline as .otio, .xml or .fcpxml"
                )
    return text


_TIMECODE = re.compile(r"\d{1,2}[:;.]\d{2}[:;.]\d{2}[:;.]\d{2}")
_CHANNELS = re.compile(r"(?i)(V\d*|B|NONE|A\d*|AA|A\d*/V\d*|V\d*/A\d*|AA/V)")  # an event's track field


def _timelines(result) -> list:
    """The timelines a file holds: itself, or those of a collection at any depth (Final Cut Pro X
    exports its sequence inside a library, event and project)."""
    import opentimelineio as otio

    if isinstance(result, otio.schema.Timeline):
        return [result]
    if isinstance(result, otio.schema.SerializableCollection):
        return [t for item in result for t in _timelines(item)]
    return []


def _check_nesting(path: Path) -> None:
    """Refuse JSON nested past Python's recursion limit: OpenTimelineIO's C++ reader recurses without a
    bound and crashes the process (SIGSEGV) on a file nested 100,000 deep. Other JSON errors are its to say."""
    try:
        json.loads(path.read_bytes())
    except RecursionError:
        raise BgmError(f"{path}: cannot be read as a cut list (JSON nested too deeply)") from None
    except (ValueError, OSError):
        pass


_ADAPTER_PACKAGES = {
    "cmx_3600": "otio-cmx3600-adapter",
    "fcp_xml": "otio-fcp-adapter",
    "kdenlive": "otio-kdenlive-adapter",
    "otio_json": "opentimelineio",
}


def _reason(exc: Exception) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if "Overlapping record in" in text:
        return f"clips overlap ({text}); put one clip after another on the video track"
    return f"cannot be read as a cut list ({text[:200]})"


def _cut_track(path: Path, timeline):
    """The video track whose clips are the shots: the one with the most clips, the top one among equals.
    A title or logo on V2 over an edit on V1 (as in most Premiere and Resolve timelines) is one clip
    between gaps; taken as the cuts because it lay on top, it threw every cut of the edit away."""
    import opentimelineio as otio

    tracks = [t for t in timeline.video_tracks() if t.enabled and any(isinstance(c, otio.schema.Clip) for c in t)]
    if not tracks:
        raise BgmError(f"{path}: the timeline has no video clips")
    clips = [sum(isinstance(c, otio.schema.Clip) for c in t) for t in tracks]
    k = max(range(len(tracks)), key=lambda i: (clips[i], i))  # OTIO stacks tracks bottom to top
    notes = []
    if len(tracks) > 1:
        notes.append(
            f"{path}: {len(tracks)} video tracks; {tracks[k].name or f'track {k + 1}'} (the most clips) "
            "gives the cuts, the others are ignored"
        )
    return tracks[k], notes


def _items(path: Path, track) -> tuple[list[tuple[str, object]], float]:
    """(kind, duration) of each clip and gap in order, kind "clip"/"gap"/"dissolve" (a clip after a transition)."""
    import opentimelineio as otio

    items, rate, after_transition = [], 0.0, False
    for child in track:
        if isinstance(child, otio.schema.Transition):
            after_transition = True
            continue
        try:
            duration = child.duration()
        except Exception as exc:  # OTIO: a clip with neither a source range nor media of known length
            raise BgmError(f"{path}: clip {child.name!r} has no length the file states ({_reason(exc)})") from exc
        if duration.value < 0:
            raise BgmError(f"{path}: clip {child.name!r} has a negative length; the clips overlap")
        rate = rate or duration.rate
        kind = "gap" if isinstance(child, otio.schema.Gap) else ("dissolve" if after_transition else "clip")
        items.append((kind, duration))
        after_transition = False
    return items, float(rate)


def _marked_cuts(timeline, track) -> tuple[str, list] | None:
    """(whose markers, their times from the track's start) when the cut track is one clip over the whole
    timeline and markers say where its shots start: a timeline this app exported, whose music clip carries a
    marker per shot (export.timeline), or an editor's single clip marked at its cuts. The markers of that
    clip come first, then the timeline's, then those of a clip spanning the timeline on another track."""
    import opentimelineio as otio

    def spanning(t) -> bool:
        return len(t) == 1 and isinstance(t[0], otio.schema.Clip) and t[0].duration() == track.duration()

    if not spanning(track):
        return None
    others = [t[0] for t in timeline.tracks if t is not track and spanning(t)]
    for owner in [track[0], timeline.tracks, *others]:
        if owner.markers:  # a clip's markers are in its media's time, the timeline's in its own
            clip = owner is not timeline.tracks
            origin = owner.trimmed_range().start_time if clip else otio.opentime.RationalTime(0, 1)
            starts = [m.marked_range.start_time - origin for m in owner.markers]
            return (f"clip {owner.name!r}" if clip else "the timeline"), starts
    return None


def _split(length, starts: list) -> list[tuple[str, object]]:
    """The ("clip", duration) items of a clip of `length` cut at `starts` (RationalTimes from its start)."""
    import opentimelineio as otio

    rate = length.rate
    cuts = sorted({round(t.value_rescaled_to(rate)) for t in starts} - {0})
    bounds = [0, *(f for f in cuts if f < length.value), round(length.value)]
    return [("clip", otio.opentime.RationalTime(b - a, rate)) for a, b in zip(bounds, bounds[1:])]


def _stated_rate(timeline) -> float | None:
    """The frame rate the timeline itself states, where it does: that of its start timecode (OTIO files,
    FCP 7 XML sequences with a timecode, FCPXML). Its clips may run at their media's rates (a 50 fps clip
    in a 25 fps edit), so the first clip's rate is only the last resort."""
    start = timeline.global_start_time
    return float(start.rate) if start is not None else None


def _record_start(timeline, track):
    """The record timecode the timeline starts at (a RationalTime), or None at 00:00:00:00."""
    start = timeline.global_start_time
    if track.source_range is not None and track.source_range.start_time.value < 0:
        start = -track.source_range.start_time  # the EDL reader keeps the first record timecode here
    return start if start is not None and start.value > 0 else None


def _timecode(t, rate: float) -> str:
    import opentimelineio as otio

    try:
        return otio.opentime.to_timecode(t, rate)
    except ValueError:
        return f"{t.to_seconds():.3f} s"


def _shots(path: Path, items, rate: float, duration_s: float, notes: list[str]) -> CutList:
    frame_s = 1.0 / rate
    bounds: list[tuple[float, float]] = []
    kinds: list[str] = []
    t = 0.0
    duration_s = duration_s if duration_s > 0 else sum(d.to_seconds() for _, d in items)  # 0: the video does not say
    for kind, duration in items:
        length = duration.to_seconds()
        if length <= 0:
            continue
        if length < frame_s * (1 - 1e-6):  # it shows no frame of its own: a shot of it would be a few ms of music
            side = "before" if bounds else "after"
            notes.append(
                f"{path}: a {kind} of {length * 1000:.0f} ms at {t:.2f} s, under a frame, joins the shot {side} it"
            )
            if bounds:
                bounds[-1] = (bounds[-1][0], t + length)
            t += length
            continue
        if kind == "gap":
            notes.append(f"{path}: a gap at {t:.2f}-{t + length:.2f} s becomes shot {len(bounds)} of its own")
        bounds.append((bounds[-1][1] if bounds else 0.0, t + length))  # after a leading sliver, from 0
        kinds.append(kind)
        t += length
    if t > duration_s + frame_s + 1e-6:
        raise BgmError(
            f"{path}: the timeline lasts {t:.2f} s but the video only {duration_s:.2f} s; "
            "is this the cut list of this video?"
        )
    if t < duration_s - frame_s - 1e-6:
        notes.append(f"{path}: the timeline ends at {t:.2f} s; the rest of the video becomes shot {len(bounds)}")
        bounds.append((t, duration_s))
        kinds.append("gap")
    else:  # the last frame's rounding: the video's own end closes the last shot
        bounds[-1] = (bounds[-1][0], duration_s)
    shots = tuple(Shot(i, a, b) for i, (a, b) in enumerate(bounds))
    transitions = tuple("start" if i == 0 else ("dissolve" if k == "dissolve" else "cut") for i, k in enumerate(kinds))
    return CutList(shots, transitions, rate, tuple(notes))
