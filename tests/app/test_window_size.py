"""The main window opens within the screen it is on (it was a fixed 1440x900, cut off on 1280x720)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, QSize

from bgm_studio.app.window_size import FRAME, PREFERRED, placement


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
