"""Piano-roll editing with the mouse: click selects a note (Ctrl+click adds), dragging a note moves it
(by its right end: resizes it), double-click on empty space draws one; the keys act on the selection.

Edits leave as `edited(removed, added, label)` rows for the main window to apply as one undoable
step (see note_edits); the editor itself changes nothing in the project.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, Qt, Signal

from ...music.notes import STEPS_PER_BEAT
from ...project.state import Project
from .. import note_edits
from .lanes import SelectedNotesItem

RESIZE_EDGE_PX = 6  # a drag starting this close to a note's right end resizes it


class NoteEditor(QObject):
    """Selection and mouse gestures on the roll plot's notes."""

    edited = Signal(object, object, str)  # removed rows, added rows, undo label
    selection_changed = Signal()

    def __init__(self, plot: pg.PlotItem) -> None:
        super().__init__()
        self.plot = plot
        self.project: Project | None = None
        self.notes = np.zeros((0, 5), np.int64)  # the piece's notes, absolute steps
        self.selected = np.zeros((0, 5), np.int64)  # rows of `notes`
        self._beat_s = np.zeros(0)  # seconds of every beat, the end included
        self._drag: tuple[str, np.ndarray, float, float] | None = None  # mode, rows, start step, start pitch
        self.outline = SelectedNotesItem()
        plot.addItem(self.outline, ignoreBounds=True)

    def set_project(self, project: Project | None, beat_s: np.ndarray, notes: np.ndarray) -> None:
        """New notes to edit (the project's notes, sorted); the selection keeps the notes that are still there."""
        self.project, self._beat_s = project, np.asarray(beat_s, np.float64)
        self.notes = notes if project is not None and len(beat_s) else np.zeros((0, 5), np.int64)
        self.select(self.notes[note_edits.matching(self.notes, self.selected)])

    def select(self, rows: np.ndarray) -> None:
        self.selected = np.asarray(rows, np.int64).reshape(-1, 5)
        self._show(self.selected)
        self.selection_changed.emit()

    def step_at(self, t_s: float) -> float:
        return float(np.interp(t_s, self._beat_s, np.arange(len(self._beat_s)) * STEPS_PER_BEAT))

    def seconds_at(self, steps) -> np.ndarray:
        if not len(self._beat_s):
            return np.zeros_like(np.asarray(steps, np.float64))
        return np.interp(steps, np.arange(len(self._beat_s)) * STEPS_PER_BEAT, self._beat_s)

    def note_at(self, t_s: float, pitch: float) -> int:
        """Index in `notes` of the note under a point (the melody's over the accompaniment's); -1 if none."""
        if not len(self.notes):
            return -1
        step = self.step_at(t_s)
        hit = np.nonzero(
            (self.notes[:, 1] == round(pitch))
            & (self.notes[:, 0] <= step)
            & (step < self.notes[:, 0] + self.notes[:, 2])
        )[0]
        return int(hit[np.argmin(self.notes[hit, 4])]) if len(hit) else -1

    # -- gestures (called by the timeline and the roll's view box) ---------------------------------

    def click(self, t_s: float, pitch: float, modifiers, double: bool) -> bool:
        """A click on the roll; True when it was about notes (then it does not seek)."""
        if self.project is None or not len(self._beat_s):
            return False
        i = self.note_at(t_s, pitch)
        if double and i < 0:
            self.edited.emit(
                np.zeros((0, 5), np.int64),
                note_edits.drawn(self.project, int(self.step_at(t_s)), int(round(pitch))),
                "Draw note",
            )
            return True
        if i < 0:
            if len(self.selected):
                self.select(np.zeros((0, 5), np.int64))
            return False
        row = self.notes[i : i + 1]
        if modifiers & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier):
            inside = note_edits.matching(self.selected, row)
            self.select(self.selected[~inside] if inside.any() else np.concatenate([self.selected, row]))
        else:
            self.select(row)
        return True

    def drag(self, ev, vb: pg.ViewBox) -> bool:
        """A left-button drag on the roll: moves or resizes notes when it starts on one, else False (pan)."""
        if ev.button() != Qt.MouseButton.LeftButton or self.project is None:
            return False
        at = vb.mapToView(ev.pos())
        if ev.isStart():
            start = vb.mapToView(ev.buttonDownPos())
            i = self.note_at(start.x(), start.y())
            if i < 0:
                self._drag = None
                return False
            row = self.notes[i : i + 1]
            if not note_edits.matching(self.selected, row).any():
                self.select(row)
            end_px = vb.mapViewToDevice(QPointF(float(self.seconds_at(row[0, 0] + row[0, 2])), start.y())).x()
            near_end = end_px - vb.mapViewToDevice(start).x() < RESIZE_EDGE_PX
            self._drag = ("resize" if near_end else "move", self.selected.copy(), self.step_at(start.x()), start.y())
        if self._drag is None:
            return False
        ev.accept()
        mode, rows, step0, pitch0 = self._drag
        d_steps = int(round(self.step_at(at.x()) - step0))
        new = (
            note_edits.resized(self.project, rows, d_steps)
            if mode == "resize"
            else note_edits.moved(self.project, rows, d_steps, int(round(at.y() - pitch0)))
        )
        self._show(new)
        if ev.isFinish():
            self._drag = None
            if not np.array_equal(new, rows):
                self.selected = new
                self.edited.emit(rows, new, "Resize notes" if mode == "resize" else "Move notes")
        return True

    def delete(self) -> None:
        if len(self.selected):
            self.edited.emit(self.selected, np.zeros((0, 5), np.int64), "Delete notes")

    def change_velocity(self, d_velocity: int) -> None:
        if len(self.selected) and self.project is not None:
            old = self.selected
            self.selected = note_edits.with_velocity(self.project, old, d_velocity)
            self.edited.emit(old, self.selected, "Louder notes" if d_velocity > 0 else "Softer notes")

    def _show(self, rows: np.ndarray) -> None:
        if not len(self._beat_s):
            rows = rows[:0]
        self.outline.set_notes(self.seconds_at(rows[:, 0]), self.seconds_at(rows[:, 0] + rows[:, 2]), rows[:, 1])
