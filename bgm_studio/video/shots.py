"""Shot detection: hard cuts, dissolves and fades through black, from small streamed frames.

Each decoded frame is reduced to a tiny picture and a colour histogram; only
those of the longest of `gradual_spans_s` are kept. The detector itself is a
pure function of the per-frame signals, so it can be tested on arrays.
"""

from __future__ import annotations

import bisect
from collections import deque
from dataclasses import dataclass

import cv2
import numpy as np

from .config import AnalysisConfig
from .decode import Frame

_TINY = 32  # width of the tiny pictures compared pixel by pixel
_BINS = (16, 8, 8)  # histogram bins for Y', Cr, Cb
_LEVEL_S = 0.5  # a hard cut is compared with the frame changes this long either side of it
_WHOLE = 0.8  # a span sees the whole of a dissolve when the next longer one sees at most 1/_WHOLE as much change


@dataclass(frozen=True)
class Shot:
    """A run of frames between two transitions; times in seconds, end exclusive."""

    index: int
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True, eq=False)
class SpanSignals:
    """Per decoded frame from span_s into the video on (arrays of shape (m,)): its change since span_s earlier."""

    span_s: float
    t_s: np.ndarray  # time halfway between the frame and the one span_s earlier
    span: np.ndarray  # pixel distance between those two frames (about 1 for unrelated pictures)
    mix: np.ndarray  # distance of the frame halfway between from the two frames' average, relative to span


@dataclass(frozen=True, eq=False)
class CutSignals:
    """Per decoded frame i (arrays of shape (n,)): how much the picture changes around it."""

    t_s: np.ndarray  # frame times
    step: np.ndarray  # distance 0..1 from the previous frame
    # Where step >= cut_min (a possible cut; 1 elsewhere): how close the picture comes back within flash_s.
    back: np.ndarray  # distance 0..1 from the most alike of the frames 2 back to flash_s back (a flash's end)
    ahead: np.ndarray  # distance 0..1 of the previous frame from the most alike up to flash_s later (a flash)
    luma: np.ndarray  # mean luma 0..1
    luma_std: np.ndarray  # luma standard deviation 0..1
    spans: tuple[SpanSignals, ...]  # one per gradual span, shortest first


@dataclass(frozen=True, eq=False)
class _Snap:
    t_s: float
    tiny: np.ndarray  # (h, w, 3) float32 0..1
    hist: np.ndarray  # (sum(_BINS),) each channel's histogram sums to 1


def _snap(frame: Frame) -> _Snap:
    h, w = frame.ycrcb.shape[:2]
    size = (_TINY, max(2, round(_TINY * h / w))) if w >= h else (max(2, round(_TINY * w / h)), _TINY)
    tiny = cv2.resize(frame.ycrcb, size, interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    hists = [cv2.calcHist([frame.ycrcb], [c], None, [b], [0, 256]).ravel() for c, b in enumerate(_BINS)]
    return _Snap(frame.t_s, tiny, np.concatenate([h / max(h.sum(), 1.0) for h in hists]))


def _pixel_distance(a: _Snap, b: _Snap) -> float:
    """Mean absolute difference of the tiny pictures, scaled so that unrelated pictures give about 1."""
    return float(np.abs(a.tiny - b.tiny).mean()) * 4.0


def _distance(a: _Snap, b: _Snap) -> float:
    """0..1: the mean of a pixel distance (catches same-colour cuts) and a histogram distance (ignores motion)."""
    hist = float(np.abs(a.hist - b.hist).sum()) / (2 * len(_BINS))
    return min(1.0, 0.5 * (min(_pixel_distance(a, b), 1.0) + hist))


class CutSignalTracker:
    """Accumulates CutSignals frame by frame, holding only the tiny pictures of the longest gradual span."""

    def __init__(self, config: AnalysisConfig) -> None:
        self._spans_s = sorted(config.gradual_spans_s)
        self._cut_min, self._flash_s = config.cut_min, config.flash_s
        self._recent: deque[_Snap] = deque()
        self._rows: list[tuple[float, ...]] = []
        self._ahead: list[float] = []
        self._open: deque[tuple[int, float, _Snap]] = deque()  # (index, time, frame before) of possible cuts
        # less than flash_s ago, whose `ahead` is still growing
        self._span_rows: list[list[tuple[float, float, float]]] = [[] for _ in self._spans_s]

    def add(self, frame: Frame) -> None:
        snap = _snap(frame)
        recent = self._recent
        recent.append(snap)
        # The previous frame stays however long ago it was: a slideshow's stills may each last longer than a span.
        while len(recent) > 2 and recent[0].t_s < snap.t_s - self._spans_s[-1] - 1e-6:
            recent.popleft()
        prev = recent[-2] if len(recent) > 1 else snap
        step, back = _distance(prev, snap), 1.0
        while self._open and self._open[0][1] < snap.t_s - self._flash_s - 1e-6:
            self._open.popleft()
        for k, _, before in self._open:
            self._ahead[k] = min(self._ahead[k], _distance(before, snap))
        if step >= self._cut_min and len(recent) > 2:
            earlier = [r for r in list(recent)[-3::-1] if r.t_s >= snap.t_s - self._flash_s - 1e-6]
            if not earlier and snap.t_s - prev.t_s <= self._flash_s:  # frames far apart: is the one between a flash?
                earlier = [recent[-3]]
            back = min((_distance(r, snap) for r in earlier), default=1.0)
            self._open.append((len(self._rows), snap.t_s, prev))
        y = snap.tiny[..., 0]
        self._rows.append((snap.t_s, step, back, float(y.mean()), float(y.std())))
        self._ahead.append(1.0)
        for span_s, rows in zip(self._spans_s, self._span_rows):
            first = bisect.bisect_left(recent, snap.t_s - span_s - 1e-6, key=lambda r: r.t_s)
            if snap.t_s - recent[first].t_s >= 0.9 * span_s:  # only full spans: none in the first span_s
                rows.append(_span_row(recent[first], recent[(first + len(recent)) // 2], snap))

    def result(self) -> CutSignals:
        rows = np.array(self._rows, dtype=np.float64).reshape(-1, 5)
        spans = []
        for span_s, span_rows in zip(self._spans_s, self._span_rows):
            columns = np.array(span_rows, dtype=np.float64).reshape(-1, 3)
            spans.append(SpanSignals(span_s, *(columns[:, c] for c in range(3))))
        ahead = np.array(self._ahead, dtype=np.float64)
        return CutSignals(rows[:, 0], rows[:, 1], rows[:, 2], ahead, rows[:, 3], rows[:, 4], tuple(spans))


def _span_row(first: _Snap, mid: _Snap, last: _Snap) -> tuple[float, float, float]:
    """(time halfway, span, mix) of two frames and the one halfway between them."""
    span = _pixel_distance(first, last)  # linear in the blend weight, so a dissolve gives a clean peak
    residual = float(np.abs(mid.tiny - 0.5 * (first.tiny + last.tiny)).mean()) * 4.0
    return 0.5 * (first.t_s + last.t_s), span, residual / max(span, 1e-3)


@dataclass(frozen=True)
class Transition:
    """A detected shot boundary."""

    t_s: float  # where the new shot starts (the middle of a gradual transition)
    kind: str  # "cut", "dissolve" or "fade"
    strength: float  # how much the picture changes (about 0..1); of two close transitions the weaker is dropped


def detect_transitions(signals: CutSignals, fps: float, config: AnalysisConfig) -> list[Transition]:
    """Find hard cuts, fades through black and dissolves, at least min_shot_s apart."""
    found = _fades(signals, config) + _hard_cuts(signals, fps, config)
    for span in signals.spans:  # shortest first: a longer span only adds dissolves the shorter ones missed
        found += _dissolves(signals, span, config, [t.t_s for t in found])
    # The last frame lasts a frame too: a slideshow's last still, one frame of seconds, is a shot of its own.
    end_s = signals.t_s[-1] + 1.0 / (fps or 25.0) if len(signals.t_s) else 0.0
    return _spaced(found, end_s, config.min_shot_s)


def shots_from_transitions(transitions: list[Transition], duration_s: float) -> list[Shot]:
    """Shots covering [0, duration_s) without gaps, split at the transitions."""
    bounds = [0.0] + [t.t_s for t in transitions if 0.0 < t.t_s < duration_s] + [duration_s]
    return [Shot(i, a, b) for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:]))]


def _hard_cuts(s: CutSignals, fps: float, config: AnalysisConfig) -> list[Transition]:
    """Frames that differ from the previous one far more than their neighbours do, carry most of the
    change between the shots they join, and are no flash.

    In a montage of short shots the surrounding second holds other cuts, and a flash
    may light up the frames a span compares: neither is change within a shot, so both
    are left out of the comparisons (see _stands_out). Each pass leaves out the cuts
    found by the passes before, until no new cut is found: only a cut found on its own
    merits frees its neighbours, so the changes inside a dissolve never free each other.
    """
    gaps = np.diff(s.t_s, prepend=s.t_s[0] - 1.0 / (fps or 25.0))
    rate = s.step / np.maximum(gaps, 1e-3)  # per second: skipped frames and variable frame rates make gaps uneven
    peaks = [int(i) for i in np.flatnonzero(s.step >= config.cut_min) if _is_peak(s, int(i))]
    # A flash starts where the picture before comes back soon after (ahead), and ends where one from before it does (back).
    starts, ends = ([i for i in peaks if signal[i] < 0.5 * s.step[i]] for signal in (s.ahead, s.back))
    lit = np.array(
        [(s.t_s[i], s.t_s[i] + config.flash_s) for i in starts] + [(s.t_s[i] - config.flash_s, s.t_s[i]) for i in ends]
    ).reshape(-1, 2)
    pending = sorted(set(peaks) - set(starts) - set(ends))
    cuts = np.zeros(0, dtype=int)
    while pending:
        found = [i for i in pending if _stands_out(s, rate, gaps, i, cuts, lit, config)]
        cuts = np.sort(np.concatenate([cuts, found])).astype(int)
        near_found = [i for i in pending if np.any(np.abs(s.t_s[found] - s.t_s[i]) <= 2 * _LEVEL_S)]
        pending = [i for i in near_found if i not in cuts]  # a new cut changes the comparisons within a span of it
    return [_cut_at(s, i, fps) for i in cuts]


def _is_peak(s: CutSignals, i: int) -> bool:
    """Frame i changes the most of the two frames either side less than _LEVEL_S from it: frames further
    apart (a slideshow's stills) may each begin a shot."""
    around = slice(max(0, i - 2), i + 3)
    return i > 0 and s.step[i] >= s.step[around][np.abs(s.t_s[around] - s.t_s[i]) < _LEVEL_S].max()


def _stands_out(
    s: CutSignals, rate: np.ndarray, gaps: np.ndarray, i: int, cuts: np.ndarray, lit: np.ndarray, config: AnalysisConfig
) -> bool:
    """Frame i changes cut_ratio times more than the frames within _LEVEL_S of it, and most of the change
    over the short gradual span across it is its own (a dissolve's end has more change around it).
    With no frames to compare within _LEVEL_S (a slideshow's stills, a timelapse), it changes at least as
    much as a dissolve must (gradual_min): two frames of a timelapse are alike, two stills seldom. The gap
    before frame i counts up to _LEVEL_S, as motion goes on through the few frames fast decoding skips:
    a frame held longer hides none (see _cut_at), such as a variable-rate screen recording's still.

    Left out: frames next to another cut, and spans that reach over another cut or end in a
    flash (lit: (start, end) times, shape (k, 2)), since they compare pictures of other shots.
    """
    t = s.t_s[i]
    others = np.arange(*_window(s.t_s, t, _LEVEL_S).indices(len(s.t_s)))
    keep = np.abs(others - i) > 1
    for c in cuts[np.abs(s.t_s[cuts] - t) <= 2 * _LEVEL_S]:
        keep &= np.abs(others - c) > 1
    gap = min(gaps[i], _LEVEL_S)
    level = config.cut_ratio * gap * rate[others[keep]].mean() if keep.any() else config.gradual_min
    if s.step[i] < level:
        return False
    short = s.spans[0]  # a longer span takes in so much motion that it would hide real cuts
    near = _window(short.t_s, t, short.span_s / 2)
    first, last = short.t_s[near] - short.span_s / 2, short.t_s[near] + short.span_s / 2
    keep = np.ones(len(first), dtype=bool)
    for u in s.t_s[cuts[np.abs(s.t_s[cuts] - t) <= short.span_s]]:
        keep &= ~((first < u) & (u <= last))
    for lo, hi in lit[np.abs(lit[:, 0] - t) <= short.span_s + 1.0]:
        keep &= ~(((lo <= first) & (first <= hi)) | ((lo <= last) & (last <= hi)))
    return bool(s.step[i] >= 0.5 * short.span[near][keep].max(initial=0.0))


def _cut_at(s: CutSignals, i: int, fps: float) -> Transition:
    """The cut whose first frame is decoded frame i: halfway to the frame after i-1, where skipped frames hide it.

    Fast decoding skips a few frames at a time, and none below 10 fps (see decode), so frame i-1 held
    for longer than _LEVEL_S hides none: a variable-rate slideshow's still, and the cut is at frame i.
    """
    gap = s.t_s[i] - s.t_s[i - 1]
    start = s.t_s[i] if gap > _LEVEL_S else min(s.t_s[i - 1] + 1.0 / (fps or 25.0), s.t_s[i])
    return Transition(float(0.5 * (start + s.t_s[i])), "cut", float(s.step[i]))


def _fades(s: CutSignals, config: AnalysisConfig) -> list[Transition]:
    """Runs of black frames with picture on both sides: a cut at the darkest frame (at both ends if long)."""
    black = (s.luma < config.black_luma) & (s.luma_std < 0.05)
    fades = []
    for start, stop in _runs(black):
        if start == 0 or stop == len(black):  # fading in at the start or out at the end is no cut
            continue
        if s.t_s[stop - 1] - s.t_s[start] <= 2.0:
            i = start + int(np.argmin(s.luma[start:stop]))
            fades.append(Transition(float(s.t_s[i]), "fade", 1.0))
        else:  # a black shot of its own
            fades += [Transition(float(s.t_s[start]), "fade", 1.0), Transition(float(s.t_s[stop]), "fade", 1.0)]
    return fades


def _dissolves(signals: CutSignals, s: SpanSignals, config: AnalysisConfig, taken: list[float]) -> list[Transition]:
    """Peaks of the change over one span where the middle frame is a blend of the two ends.

    The score span * (1 - mix) peaks at the middle of a dissolve: off centre, one
    end is already part blended (span drops) and the middle frame is no longer
    their average (mix rises). Each peak is then centred on the span that fits the
    dissolve's length.
    """
    span_s = s.span_s
    score = s.span * np.clip(1.0 - s.mix, 0.0, 1.0)
    taken_s = np.sort(np.array(taken))
    found = []
    for j in np.flatnonzero((s.span >= config.gradual_min) & (s.mix <= 0.5)):
        t = s.t_s[j]
        near_taken = _window(taken_s, t, span_s)
        if near_taken.stop > near_taken.start or score[j] < score[_window(s.t_s, t, span_s / 2)].max():
            continue
        # Both sides must lie inside the video; near its start or end, where no full span fits, a side counts as quiet.
        before = score[_window(s.t_s, t - 1.25 * span_s, span_s / 4)].max(initial=0.0)
        after = score[_window(s.t_s, t + 1.25 * span_s, span_s / 4)].max(initial=0.0)
        inside = signals.t_s[0] <= t - span_s and t + span_s <= signals.t_s[-1]
        if not inside or score[j] < 1.5 * min(before, after):
            continue  # no quieter stretch on either side: a blend-like change within a shot (e.g. a zoom)
        fit = _fitting_span(signals.spans, t)
        found.append(Transition(_peak_centre(fit, int(np.argmin(np.abs(fit.t_s - t)))), "dissolve", float(s.span[j])))
    return found


def _fitting_span(spans: tuple[SpanSignals, ...], t_s: float) -> SpanSignals:
    """The shortest span that sees the whole of the dissolve near t_s.

    A span shorter than the dissolve sees only part of its change (half of it for
    a dissolve twice as long) and gives a plateau instead of a peak; a span much
    longer than the dissolve takes in more of the motion around it. So a span is
    taken when the next longer one sees little more change.
    """
    for short, long in zip(spans, spans[1:]):
        seen = [sig.span[_window(sig.t_s, t_s, short.span_s / 2)] for sig in (short, long)]
        if not seen[1].size or seen[0].max(initial=0.0) >= _WHOLE * seen[1].max():
            return short
    return spans[-1]


def _peak_centre(s: SpanSignals, peak: int, passes: int = 3) -> float:
    """Centroid of the change over the span around `peak`, above half its height.

    The height is measured from a line joining the levels one span before and
    after, where a dissolve no longer than the span has left the compared frames,
    so that motion in one of the two shots, which raises its side, does not pull
    the centre towards it. Each level is the lowest change there, since motion and
    a neighbouring transition can only add to it. A dissolve longer than the span
    gives a plateau with an arbitrary highest point, so the windows are centred
    again on each estimate.
    """
    t, span, span_s, centre = s.t_s, s.span, s.span_s, float(s.t_s[peak])
    for _ in range(passes):
        levels = [
            float(level.min())
            for level in (span[_window(t, centre + k * span_s, span_s / 4)] for k in (-1, 1))
            if level.size
        ]
        before, after = (levels[0], levels[-1]) if levels else (0.0, 0.0)  # one level only near the start or end
        near = _window(t, centre, 1.5 * span_s)
        times = t[near]
        height = span[near] - (before + (after - before) * (times - centre + span_s) / (2.0 * span_s))
        top = int(np.argmin(np.abs(times - centre)))
        if height[top] <= 0.0:  # no rise above the levels (frames a span apart): the estimate stands
            break
        floor = 0.5 * height[top]
        lo, hi = top, top
        while lo > 0 and height[lo - 1] > floor:
            lo -= 1
        while hi + 1 < len(height) and height[hi + 1] > floor:
            hi += 1
        weights = height[lo : hi + 1] - floor + 1e-9
        centre = float(np.sum(times[lo : hi + 1] * weights) / np.sum(weights))
    return centre


def _window(times: np.ndarray, centre: float, half: float) -> slice:
    """Indices of the sorted `times` within centre +- half."""
    return slice(int(np.searchsorted(times, centre - half)), int(np.searchsorted(times, centre + half, side="right")))


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) index pairs of the runs of True in a boolean array."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))


def _spaced(found: list[Transition], end_s: float, min_shot_s: float) -> list[Transition]:
    """Keep the strongest transitions so that every shot lasts at least min_shot_s."""
    kept: list[Transition] = []
    for tr in sorted(found, key=lambda t: -t.strength):
        if min_shot_s <= tr.t_s <= end_s - min_shot_s and all(abs(tr.t_s - k.t_s) >= min_shot_s for k in kept):
            kept.append(tr)
    return sorted(kept, key=lambda t: t.t_s)
