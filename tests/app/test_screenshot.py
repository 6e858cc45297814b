"""The README's screenshot is made by driving the real window: open, generate, select, save."""

from __future__ import annotations

from PySide6.QtGui import QImage

from bgm_studio.app.screenshot import take


def test_the_screenshot_shows_a_scored_clip_at_the_requested_size(qtbot, clip, tiny_model, tmp_path):
    out = tmp_path / "shot.png"
    take(clip, str(out), tiny_model, shot=1, size=(1200, 760))
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1200, 760)
    colours = {image.pixel(x, y) for x in range(0, 1200, 40) for y in range(0, 760, 40)}
    assert len(colours) > 20  # a painted window, not a blank grab
