"""The main window opens within the screen it is on (it was a fixed 1440x900, cut off on 1280x720)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QSplitter

from bgm_studio.app.window_size import FRAME, PREFERRED, TIMELINE_SHARE, placement
from tests.app.helpers import open_and_generate


def test_the_window_and_its_least_size_fit_the_screen_with_the_timeline_roomy(qtbot, make_window):
    window = make_window()  # offscreen: one 800x800 screen, smaller than the window's preferred size
    qtbot.waitExposed(window)
    available = window.screen().availableGeometry()
    assert available.contains(window.frameGeometry())
    assert window.minimumSizeHint().width() <= available.width()
    assert window.minimumSizeHint().height() <= available.height()
    picture, timeline = window._main_split.sizes()
    assert timeline > picture and window.timeline.roll_plot.getViewBox().height() >= 150


@pytest.mark.parametrize("width, height", [(1280, 720), (1366, 768), (1920, 1080), (2560, 1440)])
def test_placement_keeps_the_framed_window_on_the_screen(width, height):
    available = QRect(0, 24, width, height - 24)  # a desktop panel along the top
    place = placement(available)
    border = FRAME.width() // 2  # the title bar takes the rest of FRAME's height
    framed = place.geometry.adjusted(-border, border - FRAME.height(), border, border)
    assert available.contains(framed)
    roomy = width >= PREFERRED.width() + FRAME.width() and height - 24 >= PREFERRED.height() + FRAME.height()
    assert place.maximised is not roomy
    assert place.geometry.size() == (PREFERRED if roomy else (available.size() - FRAME).boundedTo(PREFERRED))
    assert abs(place.geometry.center().x() - available.center().x()) <= FRAME.width()


def test_placement_on_a_screen_smaller_than_the_preferred_size():
    place = placement(QRect(0, 0, 1280, 720))
    assert place.maximised and place.geometry.size() == QSize(1264, 672)


SHOT_TAB_CONTROLS = ("energy", "density", "mode", "lock", "regenerate", "new_chords", "takes", "split", "merge")


@pytest.mark.parametrize(
    "width, height, share",
    [(1280, 720, TIMELINE_SHARE[1]), (1264, 672, TIMELINE_SHARE[1]), (1440, 900, TIMELINE_SHARE[0])],
    ids=["1280x720", "1280x720-framed", "1920x1080"],  # a 1920x1080 screen opens the preferred 1440x900
)
def test_the_shot_tab_shows_every_control_without_scrolling(qtbot, make_window, clip, width, height, share):
    window = make_window()
    open_and_generate(qtbot, window, clip)
    window.setWindowState(Qt.WindowState.WindowNoState)
    window.resize(width, height)
    window._main_split.setSizes([round(1000 * (1 - share)), round(1000 * share)])  # as fit_to_screen shares it
    window.state.select(1)
    qtbot.waitUntil(lambda: window.size() == QSize(width, height))
    qtbot.wait(20)  # the layouts settle
    panel = window.shot_panel
    area = panel.parentWidget().parentWidget()  # the scroll area holding the panel
    viewport = area.viewport()
    assert area.verticalScrollBar().maximum() == 0 and area.horizontalScrollBar().maximum() == 0
    for name in SHOT_TAB_CONTROLS:
        control = getattr(panel, name)
        placed = QRect(control.mapTo(viewport, QPoint(0, 0)), control.size())
        assert viewport.rect().contains(placed), name
        assert control.visibleRegion().boundingRect() == control.rect(), name  # nothing covers it
    assert panel.takes.height() >= 54  # three takes show


def test_a_narrow_shot_tab_puts_the_takes_below_the_controls(qtbot, make_window, clip):
    window = make_window()
    open_and_generate(qtbot, window, clip)
    window.state.select(1)
    panel = window.shot_panel
    top = panel.parentWidget()
    while not isinstance(top, QSplitter):  # the splitter between the picture and the side tabs
        top = top.parentWidget()
    top.setSizes([sum(top.sizes()) - 340, 340])  # dragged as narrow as it goes
    qtbot.wait(20)
    assert panel.width() < 400
    assert panel.takes.mapTo(panel, QPoint(0, 0)).y() > panel.regenerate.mapTo(panel, QPoint(0, 0)).y()
    assert panel.split.mapTo(panel, QPoint(0, 0)).x() + panel.split.width() <= 340
