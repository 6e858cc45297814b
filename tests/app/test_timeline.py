"""The timeline: lanes share one time axis, zoom and scroll move them together, the playhead crosses all."""

from __future__ import annotations

import re

import pytest

from bgm_studio.music.harmony import chord_changes
from tests.app.helpers import wait_task


def test_zoom_scroll_and_playhead_on_all_lanes(qtbot, make_window, clip):
    window = make_window()
    window.open_path(clip)
    wait_task(qtbot, window)
    window.generate()
    wait_task(qtbot, window)
    timeline = window.timeline
    assert timeline.visible_range() == (0.0, window.state.duration_s)
    cuts = [s.start_s for s in window.state.project.shots[1:]]
    assert (
        timeline.cut_lines.editable and timeline.roll_cuts.cuts == cuts == timeline.cut_lines.cuts
    )  # across the roll too

    timeline.shot_plot.setXRange(2.0, 4.0, padding=0)
    for plot in (timeline.ruler_plot, timeline.chord_plot, timeline.roll_plot):  # one time axis
        a, b = plot.getViewBox().viewRange()[0]
        assert abs(a - 2.0) < 1e-6 and abs(b - 4.0) < 1e-6
    assert timeline.scroll_bar.value() > 0 and timeline.scroll_bar.pageStep() == 250
    timeline.scroll_bar.setValue(0)
    assert abs(timeline.visible_range()[0]) < 1e-6

    window.seek(7.0)  # outside the view: the view follows the playhead
    assert all(line.value() == 7.0 for line in timeline.playheads)
    a, b = timeline.visible_range()
    assert a <= 7.0 <= b and abs((b - a) - 2.0) < 1e-6

    window.fit_action.trigger()
    assert timeline.visible_range() == (0.0, window.state.duration_s)


def test_chord_lane_names_each_chord_at_its_beat(qtbot, make_window, clip):
    window = make_window()
    window.open_path(clip)
    wait_task(qtbot, window)
    assert window.timeline.chords.chords == []  # no music yet, no chords
    window.generate()
    wait_task(qtbot, window)
    project, timeline = window.state.project, window.timeline
    lane = timeline.chords.chords
    changes = chord_changes(project.chord_root, project.chord_pcs)
    assert len(lane) >= 3 and [name for _, _, name in lane] == [name for _, name in changes]
    symbol = r"[A-G][b#]?(m|dim|aug|sus[24]|7|maj7|m7|m7b5|6|m6|dim7|7sus4)?"
    assert all(re.fullmatch(symbol, name) for _, _, name in lane)
    beat_s = timeline.ruler._beats  # the ruler's beat times: the lanes share one tempo map
    assert [a for a, _, _ in lane] == [beat_s[beat] for beat, _ in changes]
    assert [b for _, b, _ in lane[:-1]] == [a for a, _, _ in lane[1:]]
    assert lane[-1][1] == pytest.approx(project.duration_s, abs=1e-6)
    assert not timeline.splitter.grab().isNull()  # the lane paints


def test_form_lane_shows_the_phrases_with_their_letters(qtbot, make_window, clip):
    window = make_window()
    window.open_path(clip)
    wait_task(qtbot, window)
    assert window.timeline.form.chords == []  # no music yet, no form
    window.generate()
    wait_task(qtbot, window)
    project, timeline = window.state.project, window.timeline
    lane = timeline.form.chords
    assert [name.split()[0].rstrip("'") for _, _, name in lane] == [p.letter for p in project.phrases]
    assert [int(name.split()[1]) for _, _, name in lane] == [p.n_bars for p in project.phrases]
    beat_s = timeline.ruler._beats
    assert [a for a, _, _ in lane] == [beat_s[p.start_bar * 4] for p in project.phrases]
    assert lane[-1][1] == pytest.approx(project.duration_s, abs=1e-6)


def test_the_rolls_cut_marks_follow_a_split(qtbot, make_window, clip):
    from PySide6.QtGui import QImage, QPainter

    from bgm_studio.app.widgets import theme

    window = make_window()
    window.open_path(clip)
    wait_task(qtbot, window)
    window.generate()
    wait_task(qtbot, window)
    window.seek(3.0)
    window.split_action.trigger()
    wait_task(qtbot, window)
    cuts = window.timeline.roll_cuts.cuts
    assert len(cuts) == 4 and abs(cuts[1] - 3.0) < 0.1 and cuts == sorted(cuts)
    image = QImage(800, 50, QImage.Format_RGB32)
    image.fill(0)
    painter = QPainter(image)
    painter.scale(100.0, 1.0)  # 100 px a second
    window.timeline.roll_cuts.paint(painter)
    painter.end()
    marked = {x for x in range(800) for y in range(50) if image.pixelColor(x, y).red() > 60}
    assert all(any(abs(x - 100 * t) <= 1 for x in marked) for t in cuts) and theme.CUT.red() > 60


def _drag(view, start, end, steps: int = 6) -> None:
    """Press the left button at `start` in a lane's viewport, move to `end` holding it, release; the moves
    come 15 ms apart, as a mouse's do (pyqtgraph drops moves closer together than its rate limit)."""
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    def send(kind, pos, buttons):
        button = Qt.NoButton if kind == QMouseEvent.Type.MouseMove else Qt.LeftButton
        glob = QPointF(view.mapToGlobal(pos.toPoint()))
        QApplication.sendEvent(view, QMouseEvent(kind, pos, glob, button, buttons, Qt.NoModifier))

    send(QMouseEvent.Type.MouseMove, QPointF(start), Qt.NoButton)  # hover first, as a mouse does
    send(QMouseEvent.Type.MouseButtonPress, QPointF(start), Qt.LeftButton)
    for i in range(1, steps + 1):
        QTest.qWait(15)
        send(QMouseEvent.Type.MouseMove, QPointF(start) + (QPointF(end) - QPointF(start)) * i / steps, Qt.LeftButton)
    send(QMouseEvent.Type.MouseButtonRelease, QPointF(end), Qt.NoButton)


def test_dragging_a_cut_line_with_the_mouse_moves_that_cut_and_elsewhere_pans(qtbot, make_window, clip):
    from PySide6.QtCore import QPointF

    window = make_window()
    window.resize(1280, 720)
    window.open_path(clip)
    wait_task(qtbot, window)
    timeline = window.timeline
    assert not timeline.cut_lines.editable  # no music yet: nothing to regenerate, the cuts stay
    window.generate()
    wait_task(qtbot, window)
    qtbot.wait(20)
    vb = timeline.shot_plot.getViewBox()
    view = timeline.shot_plot.scene().views()[0].viewport()

    def at(t_s: float):
        return timeline.shot_plot.scene().views()[0].mapFromScene(vb.mapViewToScene(QPointF(t_s, 0.5)))

    moved = []
    timeline.cut_moved.connect(lambda k, t: moved.append((k, t)))
    start = timeline.cut_lines.cuts[1]  # the cut at 4.52 s starts shot 2
    _drag(view, at(start + 0.02), at(5.2))  # a press near the line takes it
    assert len(moved) == 1 and moved[0][0] == 2 and abs(moved[0][1] - 5.2) < 0.05
    wait_task(qtbot, window)
    assert abs(window.state.project.shots[2].start_s - moved[0][1]) < 0.05

    moved.clear()
    before = timeline.visible_range()
    timeline.shot_plot.setXRange(1.0, 5.0, padding=0)
    _drag(view, at(3.0), at(2.0))  # away from any cut: the view pans, no cut moves
    assert moved == [] and timeline.visible_range()[0] > 1.5 and before != timeline.visible_range()
