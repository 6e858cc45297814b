"""The timeline: shots, the video's sound and the speech in it, bar/beat ruler, chords, the form's phrases and piano roll on one time
axis, with a playhead.

Each lane is a plot in a vertical splitter (drag between lanes to resize them; a new lane is one more
LaneSpec). Zoom with the mouse wheel (Ctrl+wheel zooms the roll's pitch), scroll by dragging or with
the scroll bar; a click seeks (and in the shot lane selects the shot); dragging a cut line moves that cut.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer, Qt, Signal
from PySide6.QtGui import QImage, QPicture
from PySide6.QtWidgets import QLabel, QScrollBar, QSplitter, QVBoxLayout, QWidget

from ...audio.ducking import FRAME_S
from ...project.state import Project
from ..project_view import view_of
from ..state import AppState
from . import theme
from .cut_lines import CutLinesItem
from .note_editor import NoteEditor
from .lanes import (
    LANE_HEIGHT,
    ChordLaneItem,
    CutMarksItem,
    KeysItem,
    NotesItem,
    RulerItem,
    ShotLaneItem,
    SpeechItem,
    WaveformItem,
)

AXIS_WIDTH = 46  # the same left margin on every lane keeps their time axes aligned
MIN_SHOT_S = 0.25  # as in project.cuts: a dragged cut stops this far from its neighbours
NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
SCROLL_STEPS = 1000
_LEGEND = (
    f"<span style='color:{theme.note_colour(0, 110).name()}'>&#9632;</span> Melody &nbsp;&nbsp; "
    f"<span style='color:{theme.note_colour(1, 110).name()}'>&#9632;</span> Accompaniment &nbsp;&nbsp; "
    f"<span style='color:{theme.MUTED_TEXT.name()}'>darker = softer · drag a yellow cut line to move it · "
    "wheel to zoom · Ctrl+wheel on the notes: taller rows</span>"
)


class TimeAxis(pg.AxisItem):
    def tickStrings(self, values, scale, spacing):
        return [
            f"{int(v // 60)}:{v % 60:04.1f}" if spacing < 1 else f"{int(v // 60)}:{int(round(v % 60)):02d}"
            for v in values
        ]


class PitchAxis(pg.AxisItem):
    """Octave labels (C2, C3, ...) at every C."""

    def tickValues(self, minVal, maxVal, size):
        cs = [p for p in range(int(minVal), int(maxVal) + 1) if p % 12 == 0]
        return [(12, cs)]

    def tickStrings(self, values, scale, spacing):
        return [f"{NOTE_NAMES[int(v) % 12]}{int(v) // 12 - 1}" for v in values]


@dataclass(frozen=True)
class LaneSpec:
    """One lane of the timeline, top to bottom; each is a plot in the lanes' splitter, so users resize it."""

    name: str  # the plot is Timeline.<name>_plot
    height: int  # px it starts with
    minimum: int  # px it can be dragged down to
    stretch: int = 0  # share of the height the timeline gains when it grows


LANES = (
    LaneSpec("shot", 48, 24),
    LaneSpec("wave", 30, 16),
    LaneSpec("speech", 14, 10),
    LaneSpec("ruler", 22, 16),
    LaneSpec("chord", 22, 16),
    LaneSpec("form", 18, 14),
    LaneSpec("roll", 220, 60, stretch=1),
)
PITCH_SPAN = (24, 30)  # semitones the roll shows at first: the notes' range, within these bounds
MIN_ROW_PX = 5  # ... and fewer where the roll is short, so a semitone gets at least this many px
PITCH_LIMITS = dict(yMin=12.0, yMax=120.0, minYRange=6.0, maxYRange=96.0)


class RollViewBox(pg.ViewBox):
    """The piano roll's view: the wheel zooms time as on every lane, Ctrl+wheel zooms pitch (taller rows),
    Shift+wheel scrolls pitch; dragging pans both, or moves the notes it starts on."""

    note_editor = None  # the NoteEditor that may take a drag that starts on a note

    def mouseDragEvent(self, ev, axis=None) -> None:
        if self.note_editor is None or not self.note_editor.drag(ev, self):
            super().mouseDragEvent(ev, axis)

    def wheelEvent(self, ev, axis=None) -> None:
        if ev.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier):
            low, high = self.viewRange()[1]
            if ev.modifiers() & Qt.KeyboardModifier.ControlModifier:
                factor = 1.02 ** (-ev.delta() / 8)  # pyqtgraph's own wheel step
                centre = self.mapToView(ev.pos()).y()
                low, high = centre + (low - centre) * factor, centre + (high - centre) * factor
            else:
                step = (high - low) * 0.1 * (1 if ev.delta() > 0 else -1)
                low, high = low + step, high + step
            self.setYRange(low, high, padding=0)
            ev.accept()
        else:
            super().wheelEvent(ev, axis=0)


def _lane(spec: LaneSpec) -> pg.PlotWidget:
    roll = spec.name == "roll"
    axes = {"bottom": TimeAxis("bottom"), "left": PitchAxis("left")} if roll else {}
    widget = pg.PlotWidget(viewBox=RollViewBox() if roll else None, axisItems=axes, background=theme.PANEL)
    widget.setMinimumHeight(spec.minimum)
    plot = widget.getPlotItem()
    plot.layout.setContentsMargins(0, 0, 8, 0)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.setMouseEnabled(x=True, y=roll)
    plot.showAxis("bottom", roll)
    plot.getAxis("left").setWidth(AXIS_WIDTH)
    for side in ("left", "bottom", "top", "right"):  # no unit prefix: it reset each axis's label (0.3 ms) on every zoom
        plot.getAxis(side).enableAutoSIPrefix(False)
    if roll:
        plot.getViewBox().setLimits(**PITCH_LIMITS)
    else:
        plot.getAxis("left").setStyle(showValues=False)
        plot.getAxis("left").setPen(pg.mkPen(None))
        plot.setYRange(0, LANE_HEIGHT, padding=0)
    plot.getViewBox().setBackgroundColor(theme.BACKGROUND)
    return widget


class Timeline(QWidget):
    """Shots, ruler, chords and piano roll of the state's project (or of the analysis alone)."""

    seek_requested = Signal(float)
    shot_clicked = Signal(int)
    cut_moved = Signal(int, float)  # shot k's first cut moved to a time
    # One plot per LaneSpec, set by name in __init__.
    shot_plot: pg.PlotItem
    wave_plot: pg.PlotItem
    speech_plot: pg.PlotItem
    ruler_plot: pg.PlotItem
    chord_plot: pg.PlotItem
    form_plot: pg.PlotItem
    roll_plot: pg.PlotItem

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        legend = QLabel(_LEGEND)
        legend.setAlignment(Qt.AlignmentFlag.AlignRight)
        legend.setStyleSheet("font-size: 8pt; padding: 2px 8px;")
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setHandleWidth(4)
        self.lanes: list[pg.PlotItem] = []  # top to bottom, in LANES order
        for spec in LANES:
            widget = _lane(spec)
            plot = widget.getPlotItem()
            setattr(self, f"{spec.name}_plot", plot)
            self.splitter.addWidget(widget)
            self.splitter.setStretchFactor(self.splitter.count() - 1, spec.stretch)
            widget.scene().sigMouseClicked.connect(lambda event, plot=plot: self._on_clicked(plot, event))
            if self.lanes:
                plot.setXLink(self.lanes[0])
            self.lanes.append(plot)
        self.splitter.setSizes([spec.height for spec in LANES])
        self.shots, self.ruler, self.notes, self.keys = ShotLaneItem(), RulerItem(), NotesItem(), KeysItem()
        self.chords, self.form, self.wave = ChordLaneItem(), ChordLaneItem(), WaveformItem()
        self.shot_plot.addItem(self.shots)
        self.wave_plot.addItem(self.wave)
        self.speech = SpeechItem()
        self.speech_plot.addItem(self.speech)
        self.speech_plot.getViewWidget().setToolTip("Speech in the video's sound: the music ducks under it")
        self.speech_plot.getViewWidget().setVisible(False)
        self.ruler_plot.addItem(self.ruler)
        self.chord_plot.addItem(self.chords)
        self.form_plot.addItem(self.form)
        self.roll_plot.addItem(self.keys)
        self.roll_plot.addItem(self.notes)
        self.roll_plot.showGrid(x=False, y=True, alpha=0.15)
        self.note_editor = NoteEditor(self.roll_plot)
        self.roll_plot.getViewBox().note_editor = self.note_editor
        self.selection = pg.LinearRegionItem(movable=False, brush=pg.mkBrush(79, 156, 247, 28), pen=pg.mkPen(None))
        self.selection.setZValue(-10)
        self.selection.hide()
        self.roll_plot.addItem(self.selection)
        self.playheads = [pg.InfiniteLine(0.0, pen=pg.mkPen(theme.PLAYHEAD, width=2)) for _ in self.lanes]
        for plot, line in zip(self.lanes, self.playheads):
            line.setZValue(100)
            plot.addItem(line, ignoreBounds=True)
        self.cut_lines = CutLinesItem()
        self.shot_plot.addItem(self.cut_lines, ignoreBounds=True)
        self.cut_lines.cut_moved.connect(self.cut_moved)
        self.roll_cuts = CutMarksItem()
        self.roll_plot.addItem(self.roll_cuts, ignoreBounds=True)
        self.scroll_bar = QScrollBar(Qt.Orientation.Horizontal)
        self.scroll_bar.setRange(0, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(legend)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.scroll_bar)
        self.shot_plot.getViewBox().sigXRangeChanged.connect(self._on_range_changed)
        self.scroll_bar.valueChanged.connect(self._on_scrolled)
        state.project_changed.connect(self._on_document_changed)  # also sent with every new analysis
        state.selection_changed.connect(self._on_selection_changed)
        state.position_changed.connect(self._on_position_changed)
        self._on_document_changed(None)

    def set_thumbnails(self, images: list[QImage]) -> None:
        self.shots.set_thumbnails(images)

    def set_waveform(self, peaks: np.ndarray, bucket_s: float, shown: bool | None = None) -> None:
        """The video's own sound as peak levels, one per bucket_s seconds (see jobs.sound_envelope);
        the lane shows only for a video with sound (shown: whether it will have some, while it is read:
        the lanes are laid out once, not again when the envelope comes)."""
        self.wave.set_envelope(peaks, bucket_s)
        self.wave_plot.getViewWidget().setVisible(len(peaks) > 0 if shown is None else shown)

    def set_speech(self, speech: np.ndarray | None) -> None:
        """Speech found in the video's sound, a bool per 10 ms (None: none); the lane shows only where some is."""
        self.speech.set_speech(np.zeros(0, bool) if speech is None else speech, FRAME_S)
        self.speech_plot.getViewWidget().setVisible(bool(self.speech.spans))

    def refresh(self) -> None:
        """Redraw from the state (e.g. to put back a cut line whose move failed)."""
        self._on_document_changed(None)

    def zoom_to_fit(self) -> None:
        self.shot_plot.setXRange(0.0, max(self.state.duration_s, 1.0), padding=0)

    def visible_range(self) -> tuple[float, float]:
        return tuple(self.shot_plot.getViewBox().viewRange()[0])

    def _spans(self) -> list[tuple[float, float]]:
        state = self.state
        shots = state.project.shots if state.project is not None else state.analysis.shots if state.analysis else ()
        return [(s.start_s, s.end_s) for s in shots]

    def _on_document_changed(self, _value) -> None:
        project = self.state.project
        duration = max(self.state.duration_s, 1.0)
        vb = self.shot_plot.getViewBox()
        old_end = vb.state["limits"]["xLimits"][1]
        vb.setLimits(xMin=0.0, xMax=duration, minXRange=min(0.5, duration))
        locked = {s.index for s in project.shots if s.overrides.locked} if project else set()
        self.shots.set_shots(self._spans(), locked)
        self.keys.set_end(duration)
        self._set_cut_lines()
        first_music = not len(self.note_editor.notes)
        self._show_music(project, fit_pitch=old_end != duration or first_music)
        self._on_selection_changed(self.state.selected)
        if old_end != duration:
            self.zoom_to_fit()
        if old_end != duration or first_music:  # every lane changes: a new video, or its first music
            self._paint_in_turns()

    def _paint_in_turns(self) -> None:
        """Repaint the lanes one to a turn of the event loop when all of them change: at once, that held it 10-15 ms."""
        views = [plot.getViewWidget() for plot in self.lanes[1:]]
        for view in views:
            view.setUpdatesEnabled(False)

        def next_lane() -> None:
            if views:
                views.pop(0).setUpdatesEnabled(True)
                QTimer.singleShot(0, self, next_lane)

        QTimer.singleShot(0, self, next_lane)

    def _show_music(self, project: Project | None, fit_pitch: bool = True) -> None:
        """Draw the project's music; fit_pitch: frame its notes' pitches (a new document, not an edit)."""
        if project is None or project.n_beats == 0:
            self.ruler.set_beats(np.zeros(0))
            self.chords.set_chords([])
            self.form.set_chords([])
            self.notes.set_notes(QPicture(), 0.0)
            self.note_editor.set_project(None, np.zeros(0), np.zeros((0, 5), np.int64))
            self.roll_plot.setYRange(48, 84, padding=0)
            return
        view = view_of(project)  # prepared by the task that made the project
        self.ruler.set_beats(view.beat_s)
        self.note_editor.set_project(project, view.beat_s, view.notes)
        self.chords.set_chords(view.chords)
        self.form.set_chords(view.phrases)
        self.notes.set_notes(view.picture, float(view.note_ends_s.max()) if len(view.notes) else 0.0)
        notes = view.notes
        if not fit_pitch:
            return
        low, high = (int(notes[:, 1].min()), int(notes[:, 1].max())) if len(notes) else (48, 84)
        mid = (low + high) / 2
        height = self.roll_plot.getViewBox().height()
        most = PITCH_SPAN[1] if height < 1 else max(12.0, height / (MIN_ROW_PX * 1.02))  # rows tall enough to read
        half = min(max(high - low + 4, PITCH_SPAN[0]), PITCH_SPAN[1], most) / 2
        self.roll_plot.setYRange(mid - half, mid + half, padding=0)

    def _set_cut_lines(self) -> None:
        """The cut lines of the shot lane (draggable once there is music) and a faint one across the roll."""
        spans = self._spans()
        cuts = [a for a, _ in spans[1:]]
        bounds = [(spans[k - 1][0] + MIN_SHOT_S, spans[k][1] - MIN_SHOT_S) for k in range(1, len(spans))]
        self.cut_lines.set_cuts(cuts, bounds, spans[-1][1] if spans else 1.0, self.state.project is not None)
        self.roll_cuts.set_cuts(cuts)

    def _on_selection_changed(self, k: int) -> None:
        self.shots.set_selected(k)
        spans = self._spans()
        if 0 <= k < len(spans):
            self.selection.setRegion(spans[k])
            self.selection.show()
        else:
            self.selection.hide()

    def _on_position_changed(self, t_s: float) -> None:
        for line in self.playheads:
            line.setValue(t_s)
        a, b = self.visible_range()
        if not a <= t_s <= b:  # follow the playhead a page at a time
            width = b - a
            start = min(max(t_s - 0.1 * width, 0.0), max(self.state.duration_s - width, 0.0))
            self.shot_plot.setXRange(start, start + width, padding=0)

    def _on_clicked(self, plot: pg.PlotItem, event) -> None:
        pos, vb = event.scenePos(), plot.getViewBox()
        if event.button() != Qt.MouseButton.LeftButton or not vb.sceneBoundingRect().contains(pos):
            return
        at = vb.mapSceneToView(pos)
        t = float(at.x())
        if plot is self.roll_plot and self.note_editor.click(t, at.y(), event.modifiers(), event.double()):
            return  # about notes: no seek
        if not event.double():
            if plot is self.shot_plot:
                self.shot_clicked.emit(self.state.shot_at(t))
            self.seek_requested.emit(min(max(t, 0.0), self.state.duration_s))

    def _on_range_changed(self, _vb, x_range) -> None:
        duration = max(self.state.duration_s, 1e-6)
        a, b = x_range
        self.scroll_bar.blockSignals(True)
        self.scroll_bar.setRange(0, max(0, int(SCROLL_STEPS * (1 - (b - a) / duration))))
        self.scroll_bar.setPageStep(int(SCROLL_STEPS * (b - a) / duration))
        self.scroll_bar.setValue(int(SCROLL_STEPS * a / duration))
        self.scroll_bar.blockSignals(False)

    def _on_scrolled(self, value: int) -> None:
        a, b = self.visible_range()
        start = value / SCROLL_STEPS * self.state.duration_s
        self.shot_plot.setXRange(start, start + (b - a), padding=0)
