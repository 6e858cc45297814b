"""The cut lines of the shot lane: one item draws every cut and lets the user drag one to move it.

A pyqtgraph InfiniteLine per cut took 10-20 ms of the UI thread to make for a 3-minute video of 36
shots, when it opened, and each line works out its bounds in Python whenever the view changes. One
item draws every cut in one paint.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QPainter, QPen

import pyqtgraph as pg

from . import theme
from .lanes import LANE_HEIGHT

HIT_PX = 5  # a press this close to a cut line takes that line
WIDTH_PX, HOVER_WIDTH_PX = 2, 5
TOOLTIP = "Drag to move this cut; the shots on both sides are regenerated"


class CutLinesItem(pg.GraphicsObject):
    """A line at each cut; with `editable`, dragging one moves it within its bounds and emits cut_moved."""

    cut_moved = Signal(int, float)  # shot k's first cut (k >= 1) dropped at a time, in seconds

    def __init__(self) -> None:
        super().__init__()
        self.setZValue(50)
        self.setAcceptHoverEvents(True)
        self.cuts: list[float] = []  # seconds; cuts[i] starts shot i + 1
        self.bounds: list[tuple[float, float]] = []  # where each cut may be dragged, seconds
        self.editable = False
        self._end = 1.0
        self._hovered: int | None = None  # the line under the mouse, drawn wider
        self._dragged: int | None = None

    def set_cuts(self, cuts: list[float], bounds: list[tuple[float, float]], end_s: float, editable: bool) -> None:
        """Show these cuts (putting back a line whose drag was refused); bounds: (earliest, latest) of each."""
        self.prepareGeometryChange()
        self.cuts, self.bounds, self._end, self.editable = list(cuts), list(bounds), end_s, editable
        self._hovered = self._dragged = None
        self.unsetCursor()
        self.setToolTip("")
        self.update()

    def nearest(self, x: float) -> int | None:
        """The cut within HIT_PX of time x, if any (the nearest one)."""
        px = self.pixelWidth() or 1.0  # seconds per pixel
        distance, i = min(((abs(t - x), i) for i, t in enumerate(self.cuts)), default=(float("inf"), -1))
        return i if distance <= HIT_PX * px else None

    def boundingRect(self) -> QRectF:
        return QRectF(0.0, 0.0, self._end, LANE_HEIGHT)

    def paint(self, painter: QPainter, *args) -> None:
        for i, t in enumerate(self.cuts):
            pen = QPen(theme.CUT, HOVER_WIDTH_PX if i in (self._hovered, self._dragged) else WIDTH_PX)
            pen.setCosmetic(True)  # px at any zoom
            painter.setPen(pen)
            painter.drawLine(QPointF(t, 0.0), QPointF(t, LANE_HEIGHT))

    def hoverEvent(self, ev) -> None:
        i = None if ev.isExit() or not self.editable or self._dragged is not None else self.nearest(ev.pos().x())
        if i is not None:
            ev.acceptDrags(Qt.MouseButton.LeftButton)
        if i != self._hovered and self._dragged is None:
            self._hovered = i
            if i is None:
                self.unsetCursor()
            else:
                self.setCursor(Qt.CursorShape.SizeHorCursor)
            self.setToolTip(TOOLTIP if i is not None else "")
            self.update()

    def mouseDragEvent(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton or not self.editable:
            ev.ignore()
            return
        if ev.isStart():
            self._dragged = self.nearest(ev.buttonDownPos().x())
        if self._dragged is None:
            ev.ignore()
            return
        ev.accept()
        i = self._dragged
        low, high = self.bounds[i]
        self.cuts[i] = min(max(ev.pos().x(), low), high)
        self.update()
        if ev.isFinish():
            self._dragged = None
            self.cut_moved.emit(i + 1, float(self.cuts[i]))
