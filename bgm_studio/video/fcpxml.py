"""FCPXML (Final Cut Pro X, DaVinci Resolve) read exactly, as OpenTimelineIO timelines.

OTIO's FCP X reader rounds a format's rate down to whole frames per second (29.97 fps read as 29)
and truncates every time through floats, so NTSC timelines were refused and others lost frames.
Here every time, a rational string such as "3003/30000s", becomes a whole number of frames of its
sequence's format. The primary storyline is the video track of lane 0; connected clips and secondary
storylines make a track per lane, below it (audio, for lanes holding audio only) or above it. The
sequence's start timecode (tcStart) is the timeline's global start time, and each clip keeps its markers.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from fractions import Fraction

_ITEMS = {"asset-clip", "clip", "ref-clip", "mc-clip", "sync-clip", "gap", "title", "video", "audio"}
_MARKERS = {"marker", "chapter-marker"}


@dataclass(frozen=True)
class _Placed:
    """One item of a storyline or lane, at its place in the sequence."""

    lane: int
    at: Fraction  # seconds from the sequence's start timecode
    element: ET.Element


def read_fcpxml(path: str | os.PathLike):
    """An opentimelineio SerializableCollection holding a Timeline per project of the file.

    Raises ValueError (or ET.ParseError) for a file that is not FCPXML this can place to the frame."""
    import opentimelineio as otio

    root = ET.parse(path).getroot()
    if root.tag != "fcpxml":
        raise ValueError(f"the root element is <{root.tag}>, not <fcpxml>")
    formats = {f.get("id"): f for f in root.iter("format")}
    assets = {a.get("id"): a for a in root.iter("asset")}
    projects = [p for p in root.iter("project") if p.find("sequence") is not None]
    timelines = [_timeline(p, formats, assets) for p in projects]
    return otio.schema.SerializableCollection("fcpxml", timelines)


def fcpx_time(text: str | None) -> Fraction:
    """The seconds an FCPXML time states: "3003/30000s", "10s" or "0s" (absent: 0)."""
    if not text:
        return Fraction(0)
    if not text.endswith("s"):
        raise ValueError(f"time {text!r} is not in seconds (N/Ds)")
    try:
        return Fraction(text[:-1])
    except ZeroDivisionError:
        raise ValueError(f"time {text!r} divides by zero") from None


def _timeline(project: ET.Element, formats: dict, assets: dict):
    import opentimelineio as otio

    sequence = project.find("sequence")
    assert sequence is not None  # read_fcpxml keeps projects with a sequence
    rate = _rate(sequence, formats)
    start = fcpx_time(sequence.get("tcStart"))
    timeline = otio.schema.Timeline(
        project.get("name", ""),
        global_start_time=otio.opentime.RationalTime(_frames(start, rate), float(rate)) if start else None,
    )
    spine = sequence.find("spine")
    placed = _storyline(spine, 0, -start) if spine is not None else []
    transitions = [_span(t, -start) for t in spine.findall("transition")] if spine is not None else []
    for lane in sorted({p.lane for p in placed}):
        items = sorted((p for p in placed if p.lane == lane), key=lambda p: p.at)
        timeline.tracks.append(_track(lane, items, transitions if lane == 0 else [], rate, assets))
    return timeline


def _rate(sequence: ET.Element, formats: dict) -> Fraction:
    """Frames per second of the sequence's format, exact: 1001/30000s is 30000/1001."""
    form = formats.get(sequence.get("format"))
    if form is None:
        raise ValueError(f"the sequence's format {sequence.get('format')!r} is not among the resources")
    frame = fcpx_time(form.get("frameDuration"))
    if frame <= 0:
        raise ValueError(f"format {form.get('id')!r} states no frame duration")
    return 1 / frame


def _storyline(spine: ET.Element, lane: int, origin: Fraction) -> list[_Placed]:
    """The items of a storyline and everything connected to them. `origin`: where the spine's time
    0 lies in the sequence; a secondary storyline's items follow each other from its own offset."""
    placed = []
    for item in spine:
        if item.tag not in _ITEMS:
            continue
        at = origin + fcpx_time(item.get("offset"))
        placed.append(_Placed(lane, at, item))
        local = at - fcpx_time(item.get("start"))  # where the item's own time 0 lies
        for child in item:
            if child.get("lane") is None:
                continue
            child_lane = lane + int(child.get("lane", "0"))
            child_at = local + fcpx_time(child.get("offset"))
            if child.tag == "spine":
                first = next((c for c in child if c.tag in _ITEMS), None)
                skip = fcpx_time(first.get("offset")) if first is not None else Fraction(0)
                placed.extend(_storyline(child, child_lane, child_at - skip))
            elif child.tag in _ITEMS:
                placed.append(_Placed(child_lane, child_at, child))
    return placed


def _span(transition: ET.Element, origin: Fraction) -> tuple[Fraction, Fraction]:
    """Where a transition plays in the sequence, from its start to its end."""
    at = origin + fcpx_time(transition.get("offset"))
    return at, at + fcpx_time(transition.get("duration"))


def _track(lane: int, items: list[_Placed], transitions: list, rate: Fraction, assets: dict):
    """One lane as a track: its items in order, a gap wherever none plays, a dissolve where a transition
    spans a cut. Items that overlap (the two sides of a transition) meet halfway through the overlap."""
    import opentimelineio as otio

    r = float(rate)
    audio = lane < 0 and not any(_has_picture(p.element, assets) for p in items)
    track = otio.schema.Track(
        "primary storyline" if lane == 0 else f"lane {lane}",
        kind=otio.schema.TrackKind.Audio if audio else otio.schema.TrackKind.Video,
    )
    bounds = [(_frames(p.at, rate), _frames(p.at + fcpx_time(p.element.get("duration")), rate)) for p in items]
    end = 0
    for k, (p, (a, b)) in enumerate(zip(items, bounds)):
        head = max(a, (a + bounds[k - 1][1]) // 2) if k else a
        tail = min(b, (b + bounds[k + 1][0]) // 2) if k + 1 < len(items) else b
        span = next(((t0, t1) for t0, t1 in transitions if k and _frames(t0, rate) <= head <= _frames(t1, rate)), None)
        if head > end:
            track.append(_gap(head - end, r))
        elif span is not None:
            into, out = head - _frames(span[0], rate), _frames(span[1], rate) - head
            track.append(
                otio.schema.Transition(
                    in_offset=otio.opentime.RationalTime(into, r), out_offset=otio.opentime.RationalTime(out, r)
                )
            )
        track.append(_item(p.element, head - a, tail - head, rate))
        end = max(end, tail)
    return track


def _gap(frames: int, rate: float):
    import opentimelineio as otio

    length = otio.opentime.RationalTime(frames, rate)
    return otio.schema.Gap(source_range=otio.opentime.TimeRange(otio.opentime.RationalTime(0, rate), length))


def _item(element: ET.Element, trim: int, frames: int, rate: Fraction):
    """A clip (a gap for <gap>) of `frames` frames from `trim` frames into the element, with its markers."""
    import opentimelineio as otio

    r = float(rate)
    start = _frames(fcpx_time(element.get("start")), rate) + trim
    span = otio.opentime.TimeRange(otio.opentime.RationalTime(start, r), otio.opentime.RationalTime(frames, r))
    if element.tag == "gap":
        item = otio.schema.Gap(source_range=span)
    else:
        item = otio.schema.Clip(element.get("name", ""), source_range=span)
    for marker in element:
        if marker.tag in _MARKERS:
            at = otio.opentime.RationalTime(_frames(fcpx_time(marker.get("start")), rate), r)
            length = otio.opentime.RationalTime(_frames(fcpx_time(marker.get("duration")), rate), r)
            item.markers.append(otio.schema.Marker(marker.get("value", ""), otio.opentime.TimeRange(at, length)))
    return item


def _has_picture(element: ET.Element, assets: dict) -> bool:
    """Whether an item shows a picture: a video, a title, a video asset, or a clip holding one."""
    if element.tag in {"video", "title"}:
        return True
    if element.tag == "asset-clip":
        return assets.get(element.get("ref"), element).get("hasVideo", "1") != "0"
    if element.tag in {"ref-clip", "mc-clip"}:
        return element.get("srcEnable") != "audio"
    return any(_has_picture(c, assets) for c in element)


def _frames(t: Fraction, rate: Fraction) -> int:
    """The nearest whole frame to `t` seconds (FCPXML places video on frame boundaries)."""
    return round(t * rate)
