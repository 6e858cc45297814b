"""The graphics items of the timeline lanes, in seconds on x: shots, the video's sound and its speech,
bars and beats, chords, notes.

Each item paints in device pixels where it must stay readable at any zoom (thumbnails,
labels), mapping its data rectangles through the painter's transform first. Items cache
their pixels, so the playhead moving over them 60 times a second costs a blit, not a repaint.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen, QPicture, QTransform
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QGraphicsItem

from . import theme

ICONS = Path(__file__).resolve().parents[3] / "resources" / "icons"
BADGE_WIDTH = 22  # px of a shot's number chip
LOCK_SIZE = 14  # px of the lock icon's place in a shot's badge
LANE_HEIGHT = 1.0  # the shot lane, the ruler and the chord lane span y in [0, 1]
VELOCITY_SHADES = 8  # notes are drawn in this many shades of their track's colour


class ShotLaneItem(pg.GraphicsObject):
    """Shots as blocks with their thumbnail repeated like a film strip, a number, and the selection."""

    def __init__(self) -> None:
        super().__init__()
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._spans: list[tuple[float, float]] = []
        self._thumbs: list[QImage | None] = []
        self._selected = -1
        self._locked: set[int] = set()
        self.labels: list[tuple[int, QRectF]] = []  # (shot, badge rectangle in px) drawn at the last paint

    def set_shots(self, spans: list[tuple[float, float]], locked: set[int]) -> None:
        self.prepareGeometryChange()
        if len(spans) != len(self._spans):
            self._thumbs = [None] * len(spans)
        self._spans, self._locked = spans, locked
        self.update()

    def set_thumbnails(self, images: list[QImage]) -> None:
        self._thumbs = list(images)[: len(self._spans)] + [None] * max(0, len(self._spans) - len(images))
        self.update()

    def set_selected(self, k: int) -> None:
        self._selected = k
        self.update()

    def boundingRect(self) -> QRectF:
        end = self._spans[-1][1] if self._spans else 1.0
        return QRectF(0.0, 0.0, end, LANE_HEIGHT)

    def paint(self, painter: QPainter, *args) -> None:
        to_device = painter.transform()
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        font = QFont(painter.font())
        font.setPointSizeF(8.5)
        font.setBold(True)
        painter.setFont(font)
        rects = [to_device.mapRect(QRectF(a, 0.0, b - a, LANE_HEIGHT)).adjusted(1, 2, -1, -2) for a, b in self._spans]
        for k, rect in enumerate(rects):
            if rect.width() >= 1:
                self._paint_shot(painter, k, rect)
        widths = [BADGE_WIDTH + LOCK_SIZE * (k in self._locked) for k in range(len(rects))]
        shown = place_labels([r.left() + 4 for r in rects], widths, first=self._selected)
        self.labels = [(k, QRectF(rects[k].left() + 4, rects[k].top() + 4, widths[k], 16)) for k in shown]
        for k, badge in self.labels:
            _paint_badge(painter, badge.topLeft(), f"{k}", k in self._locked)
        if 0 <= self._selected < len(rects):
            painter.setPen(QPen(theme.ACCENT, 3))
            painter.drawRect(rects[self._selected].adjusted(1, 1, -1, -1))
        painter.restore()

    def _paint_shot(self, painter: QPainter, k: int, rect: QRectF) -> None:
        painter.setClipRect(rect)
        painter.fillRect(rect, theme.LANE)
        thumb = self._thumbs[k] if k < len(self._thumbs) else None
        if thumb is not None and not thumb.isNull():
            w = rect.height() * thumb.width() / thumb.height()
            x = rect.left()
            while x < rect.right():  # a film strip of the shot's frame
                painter.drawImage(QRectF(x, rect.top(), w, rect.height()), thumb)
                x += w + 1
        if k != self._selected:
            painter.fillRect(rect, QColor(0, 0, 0, 70))
        painter.setClipping(False)


def place_labels(lefts: Sequence[float], widths: Sequence[float], first: int = -1, gap: float = 3.0) -> list[int]:
    """Which labels to draw so that none overlaps another (px); a crowded lane shows every few.

    Left to right, a label is drawn where it clears the one drawn before it; label `first` (the
    selected shot, say) is always drawn and the others make room for it. Returns indices in order.
    """
    fixed = (lefts[first], lefts[first] + widths[first]) if 0 <= first < len(lefts) else None
    shown, right = [], float("-inf")
    for i, (left, width) in enumerate(zip(lefts, widths)):
        clear = left >= right + gap and (fixed is None or left + width + gap <= fixed[0] or left >= fixed[1] + gap)
        if i == first or clear:
            shown.append(i)
            right = left + width
    return shown


def _paint_badge(painter: QPainter, at: QPointF, text: str, locked: bool) -> None:
    """A shot's number on a dark chip, with the lock icon after it when the shot is locked."""
    badge = QRectF(at.x(), at.y(), BADGE_WIDTH + LOCK_SIZE * locked, 16)
    painter.fillRect(badge, QColor(0, 0, 0, 170))
    painter.setPen(theme.TEXT)
    painter.drawText(QRectF(at.x(), at.y(), BADGE_WIDTH, 16), Qt.AlignmentFlag.AlignCenter, text)
    if locked:  # an icon, not a font's lock glyph, which many systems lack
        lock_icon().render(painter, QRectF(at.x() + 20, at.y() + 2, LOCK_SIZE - 2, LOCK_SIZE - 2))


@functools.cache
def lock_icon() -> QSvgRenderer:
    return QSvgRenderer(str(ICONS / "lock.svg"))


class RulerItem(pg.GraphicsObject):
    """Bar lines with numbers and beat ticks, at the beat times of the tempo map."""

    def __init__(self) -> None:
        super().__init__()
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._beats = np.zeros(0)

    def set_beats(self, beat_times: np.ndarray) -> None:
        """beat_times: shape=(n_beats + 1,) seconds of every beat, the end included."""
        self.prepareGeometryChange()
        self._beats = np.asarray(beat_times, dtype=np.float64)
        self.update()

    def boundingRect(self) -> QRectF:
        end = float(self._beats[-1]) if len(self._beats) else 1.0
        return QRectF(0.0, 0.0, end, LANE_HEIGHT)

    def paint(self, painter: QPainter, *args) -> None:
        if len(self._beats) < 2:
            return
        to_device = painter.transform()
        painter.save()
        painter.resetTransform()
        top = to_device.map(QPointF(0.0, LANE_HEIGHT)).y()
        bottom = to_device.map(QPointF(0.0, 0.0)).y()
        top, bottom = min(top, bottom), max(top, bottom)
        xs = np.array([to_device.map(QPointF(t, 0.0)).x() for t in self._beats])
        beat_px = float(np.median(np.diff(xs)))
        label_every = next(n for n in (1, 2, 4, 8, 16, 32, 64, 1 << 30) if 4 * beat_px * n >= 28)
        font = QFont(painter.font())
        font.setPointSizeF(8)
        painter.setFont(font)
        for i, x in enumerate(xs[:-1]):
            bar, beat = divmod(i, 4)
            if beat == 0:
                painter.setPen(QPen(theme.TEXT if bar % label_every == 0 else theme.MUTED_TEXT, 1))
                painter.drawLine(QPointF(x, top + (bottom - top) * 0.35), QPointF(x, bottom))
                if bar % label_every == 0:
                    painter.drawText(QPointF(x + 3, top + (bottom - top) * 0.55), str(bar + 1))
            elif beat_px >= 5:
                painter.setPen(QPen(theme.MUTED_TEXT, 1))
                painter.drawLine(QPointF(x, top + (bottom - top) * 0.75), QPointF(x, bottom))
        painter.restore()


class ChordLaneItem(pg.GraphicsObject):
    """The chord progression: a block per chord with its name written where the chord changes."""

    def __init__(self) -> None:
        super().__init__()
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.chords: list[tuple[float, float, str]] = []  # (start_s, end_s, name) of each chord in turn
        self.labels: list[tuple[int, QRectF]] = []  # (chord, name rectangle in px) drawn at the last paint

    def set_chords(self, chords: list[tuple[float, float, str]]) -> None:
        self.prepareGeometryChange()
        self.chords = list(chords)
        self.update()

    def boundingRect(self) -> QRectF:
        end = self.chords[-1][1] if self.chords else 1.0
        return QRectF(0.0, 0.0, end, LANE_HEIGHT)

    def paint(self, painter: QPainter, *args) -> None:
        to_device = painter.transform()
        painter.save()
        painter.resetTransform()
        font = QFont(painter.font())
        font.setPointSizeF(8.5)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        rects = [to_device.mapRect(QRectF(a, 0.0, b - a, LANE_HEIGHT)).adjusted(0, 2, 0, -2) for a, b, _ in self.chords]
        for rect in rects:
            painter.fillRect(rect.adjusted(1, 0, 0, 0), theme.LANE)
            painter.setPen(QPen(theme.GRID, 1))
            painter.drawLine(rect.topLeft(), rect.bottomLeft())
        widths = [metrics.horizontalAdvance(name) for _, _, name in self.chords]
        shown = place_labels([r.left() + 4 for r in rects], widths)
        self.labels = [(i, QRectF(rects[i].left() + 4, rects[i].top(), widths[i], rects[i].height())) for i in shown]
        painter.setPen(theme.TEXT)
        for i, rect in self.labels:  # a name may run over the short chords after it: theirs are left out
            painter.drawText(rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, self.chords[i][2])
        painter.restore()


class WaveformItem(pg.GraphicsObject):
    """The video's own sound as a mirrored peak envelope, so dialogue and effects show where they are.

    Drawn relative to its loudest moment: what matters is where the sound is, not how loud the file is.
    Painted in device pixels, the loudest bucket of each pixel column: a path through every bucket
    (36,000 points for 3 minutes) took 2.5-5.5 ms a paint, and every lane repaints on each zoom.
    """

    def __init__(self) -> None:
        super().__init__()
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.peaks = np.zeros(0, np.float32)
        self._bucket_s = 1.0
        self._loudest = 1.0

    def set_envelope(self, peaks: np.ndarray, bucket_s: float) -> None:
        """peaks: shape=(n,) levels 0-1, one per bucket_s seconds from the video's start."""
        self.prepareGeometryChange()
        self.peaks = np.asarray(peaks, np.float32)
        self._bucket_s = bucket_s
        self._loudest = max(float(self.peaks.max()), 1e-3) if len(self.peaks) else 1.0  # a quiet track shows its shape
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(0.0, 0.0, max(len(self.peaks) * self._bucket_s, 1.0), LANE_HEIGHT)

    def paint(self, painter: QPainter, *args) -> None:
        outline = waveform_outline(
            self.peaks / self._loudest, self._bucket_s, painter.transform(), painter.device().width()
        )
        if outline is None:
            return
        painter.save()
        painter.resetTransform()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(theme.WAVE)
        painter.drawPath(outline)
        painter.restore()


def waveform_outline(levels: np.ndarray, bucket_s: float, to_device: QTransform, width_px: int) -> QPainterPath | None:
    """The mirrored envelope around y = 0.5 in device pixels, over the columns [0, width_px) only:
    one point per column (its loudest bucket) where buckets are narrower than a pixel.

    levels: shape=(n,) 0-1 per bucket_s seconds; to_device maps (seconds, lane y) to pixels (no rotation).
    """
    if not len(levels) or to_device.m11() <= 0:
        return None
    scale, offset = to_device.m11(), to_device.dx()  # px = scale * t + offset
    first = max(int((0.0 - offset) / scale / bucket_s) - 1, 0)
    last = min(int((width_px - offset) / scale / bucket_s) + 2, len(levels))
    if last <= first:
        return None
    x = scale * np.arange(first, last + 1) * bucket_s + offset  # px of each bucket's start, and of the last's end
    column = np.floor(x[:-1])
    starts = np.flatnonzero(np.diff(column, prepend=column[0] - 1))  # each column's first bucket
    level = 0.48 * np.maximum.reduceat(levels[first:last], starts)
    xs = np.append(x[starts], x[-1])
    level = np.append(level, level[-1])
    ys = to_device.m22() * np.concatenate([0.5 + level, 0.5 - level[::-1]]) + to_device.dy()
    outline = pg.arrayToQPath(np.concatenate([xs, xs[::-1]]), ys)
    outline.closeSubpath()
    return outline


class SpeechItem(pg.GraphicsObject):
    """Speech found in the video's sound (audio/ducking.py) as blocks: where the music ducks under dialogue."""

    def __init__(self) -> None:
        super().__init__()
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.spans: list[tuple[float, float]] = []  # (start_s, end_s) of each stretch of speech
        self._end = 1.0

    def set_speech(self, speech: np.ndarray, frame_s: float) -> None:
        """speech: bool shape=(n,), one per frame_s seconds from the video's start."""
        self.prepareGeometryChange()
        edges = np.diff(np.concatenate([[0], np.asarray(speech, np.int8), [0]]))
        starts, ends = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]
        self.spans = [(float(a * frame_s), float(b * frame_s)) for a, b in zip(starts, ends)]
        self._end = max(len(speech) * frame_s, 1.0)
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(0.0, 0.0, self._end, LANE_HEIGHT)

    def paint(self, painter: QPainter, *args) -> None:
        for a, b in self.spans:
            painter.fillRect(QRectF(a, 0.15, b - a, LANE_HEIGHT - 0.3), theme.SPEECH)


class NotesItem(pg.GraphicsObject):
    """The piano roll: one rectangle per note, melody and accompaniment in two hues, velocity as shade."""

    def __init__(self) -> None:
        super().__init__()
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._picture = QPicture()
        self._bounds = QRectF(0, 21, 1, 88)

    def set_notes(self, picture: QPicture, end_s: float) -> None:
        """The notes as drawn by notes_picture (off the UI thread, see app.project_view), ending at end_s."""
        self.prepareGeometryChange()
        self._picture = picture
        self._bounds = QRectF(0.0, 20.0, end_s if end_s > 0 else 1.0, 90.0)
        self.update()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, *args) -> None:
        self._picture.play(painter)


def notes_picture(starts_s: np.ndarray, ends_s: np.ndarray, notes: np.ndarray) -> QPicture:
    """The piano roll's notes drawn in (seconds, pitch) units, for NotesItem.set_notes.

    notes: int shape=(N, 5) rows (start_step, pitch, length_steps, velocity, track); times in seconds.
    Painting a QPicture is allowed off the UI thread, so a task draws the notes of the music it made.
    """
    picture = QPicture()
    painter = QPainter(picture)
    painter.setPen(Qt.PenStyle.NoPen)
    shade = np.minimum(notes[:, 3] * VELOCITY_SHADES // 128, VELOCITY_SHADES - 1)
    for track in (1, 0):  # accompaniment first so the melody stays on top
        for level in range(VELOCITY_SHADES):  # one brush per shade: a few batched draws, not one per note
            pick = np.nonzero((notes[:, 4] == track) & (shade == level))[0]
            if len(pick):
                painter.setBrush(theme.note_colour(track, int((level + 0.5) * 128 / VELOCITY_SHADES)))
                painter.drawRects([QRectF(starts_s[i], notes[i, 1] - 0.4, ends_s[i] - starts_s[i], 0.8) for i in pick])
    painter.end()
    return picture


class SelectedNotesItem(pg.GraphicsObject):
    """Outlines of the selected notes (or where a drag would put them), over the roll."""

    def __init__(self) -> None:
        super().__init__()
        self.setZValue(20)
        self._rects: list[QRectF] = []

    def set_notes(self, starts_s: np.ndarray, ends_s: np.ndarray, pitches: np.ndarray) -> None:
        self.prepareGeometryChange()
        self._rects = [QRectF(a, p - 0.5, b - a, 1.0) for a, b, p in zip(starts_s, ends_s, pitches)]
        self.update()

    def boundingRect(self) -> QRectF:
        if not self._rects:
            return QRectF()
        rect = self._rects[0]
        for r in self._rects[1:]:
            rect = rect.united(r)
        return rect

    def paint(self, painter: QPainter, *args) -> None:
        pen = QPen(theme.TEXT, 2)
        pen.setCosmetic(True)  # 2 px at any zoom
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for rect in self._rects:
            painter.drawRect(rect)


class CutMarksItem(pg.GraphicsObject):
    """A faint dashed line across the roll at every cut: one item for all of them (a line item each took
    1 ms apiece to make on the UI thread, twice for every cut, when a long video opened)."""

    def __init__(self) -> None:
        super().__init__()
        self.setOpacity(0.45)
        self.cuts: list[float] = []  # seconds

    def set_cuts(self, cuts: list[float]) -> None:
        self.prepareGeometryChange()
        self.cuts = list(cuts)
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(0.0, 0.0, max(self.cuts, default=0.0) + 1e-3, 128.0)

    def paint(self, painter: QPainter, *args) -> None:
        pen = QPen(theme.CUT, 1, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)  # 1 px at any zoom
        painter.setPen(pen)
        for t in self.cuts:
            painter.drawLine(QPointF(t, 0.0), QPointF(t, 128.0))


class KeysItem(pg.GraphicsObject):
    """Darker rows behind the black keys' pitches, so a note's pitch reads at a glance."""

    BLACK = (1, 3, 6, 8, 10)  # pitch classes of the black keys

    def __init__(self) -> None:
        super().__init__()
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setZValue(-20)
        self._end = 1.0

    def set_end(self, end_s: float) -> None:
        self.prepareGeometryChange()
        self._end = end_s
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(0.0, 20.5, self._end, 88.0)

    def paint(self, painter: QPainter, *args) -> None:
        shade = QColor(0, 0, 0, 60)
        for pitch in range(21, 109):
            if pitch % 12 in self.BLACK:
                painter.fillRect(QRectF(0.0, pitch - 0.5, self._end, 1.0), shade)
