"""The timeline: lanes share one time axis, zoom and scroll move them together, the playhead crosses all."""
from __future__ import annotations

from tests.app.helpers import wait_task


def test_zoom_scroll_and_playhead_on_all_lanes(qtbot, make_window, clip):
    window = make_window()
    window.open_path(clip)
    wait_task(qtbot, window)
    window.generate()
    wait_task(qtbot, window)
    timeline = window.timeline
    assert timeline.visible_range() == (0.0, window.state.duration_s)
    assert len(timeline._cut_lines) == 3 and all(line.movable for line in timeline._cut_lines)

    timeline.shot_plot.setXRange(2.0, 4.0, padding=0)
    for plot in (timeline.ruler_plot, timeline.roll_plot):  # one time axis
        a, b = plot.getViewBox().viewRange()[0]
        assert abs(a - 2.0) < 1e-6 and abs(b - 4.0) < 1e-6
    assert timeline.scroll.value() > 0 and timeline.scroll.pageStep() == 250
    timeline.scroll.setValue(0)
    assert abs(timeline.visible_range()[0]) < 1e-6

    window.seek(7.0)  # outside the view: the view follows the playhead
    assert all(line.value() == 7.0 for line in timeline.playheads)
    a, b = timeline.visible_range()
    assert a <= 7.0 <= b and abs((b - a) - 2.0) < 1e-6

    window.fit_action.trigger()
    assert timeline.visible_range() == (0.0, window.state.duration_s)
