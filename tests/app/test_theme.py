"""The dark theme: a control that ignores the mouse looks it."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from bgm_studio.app.widgets.theme import ACCENT, apply_dark_theme
from tests.app.helpers import open_and_generate


def _accent_pixels(widget) -> int:
    image = widget.grab().toImage()
    return sum(
        1
        for x in range(image.width())
        for y in range(image.height())
        if abs(image.pixelColor(x, y).hue() - ACCENT.hue()) < 12 and image.pixelColor(x, y).saturation() > 120
    )


def test_the_energy_slider_looks_disabled_while_auto_is_ticked(qtbot, make_window, clip):
    apply_dark_theme(QApplication.instance())
    window = make_window()
    open_and_generate(qtbot, window, clip)
    window.state.select(1)
    panel = window.shot_panel
    panel.energy_auto.setChecked(False)
    assert panel.energy.isEnabled() and _accent_pixels(panel.energy) > 50  # live: its filled groove is blue
    panel.energy_auto.setChecked(True)
    assert not panel.energy.isEnabled() and _accent_pixels(panel.energy) == 0  # it drew the same blue
