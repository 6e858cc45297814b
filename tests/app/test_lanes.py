"""The timeline's lanes drawn alone: the lock badge, labels that thin out when crowded."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

LOCK_SVG = Path(__file__).resolve().parents[2] / "resources" / "icons" / "lock.svg"


def _render(item, width: int, height: int, end_s: float) -> np.ndarray:
    """The item painted over `width` x `height` px for seconds 0..end_s; luminance, shape=(height, width)."""
    image = QImage(width, height, QImage.Format_ARGB32)
    image.fill(QColor("black"))
    painter = QPainter(image)
    painter.scale(width / end_s, height)
    item.paint(painter)
    painter.end()
    return _luminance(image)


def _luminance(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format_RGB32)
    rgb = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.width(), 4)[..., :3]
    return rgb.astype(np.float64).mean(axis=2)


def _icon_mask(size: int) -> np.ndarray:
    image = QImage(size, size, QImage.Format_ARGB32)
    image.fill(Qt.transparent)
    painter = QPainter(image)
    QSvgRenderer(str(LOCK_SVG)).render(painter, QRectF(0, 0, size, size))
    painter.end()
    alpha = np.frombuffer(image.constBits(), np.uint8).reshape(size, size, 4)[..., 3]
    return alpha > 128


def test_the_lock_badge_is_the_lock_icon_from_resources(qtbot):
    from bgm_studio.app.widgets.lanes import ShotLaneItem

    lane = ShotLaneItem()
    lane.set_shots([(0.0, 4.0), (4.0, 8.0)], locked=set())
    unlocked = _render(lane, 400, 60, 8.0)
    lane.set_shots([(0.0, 4.0), (4.0, 8.0)], locked={1})
    locked = _render(lane, 400, 60, 8.0)
    ys, xs = np.nonzero(np.abs(locked - unlocked) > 40)
    assert len(xs) and xs.min() >= 200  # only shot 1's badge changed
    region = locked[ys.min() - 4 : ys.max() + 5, xs.min() - 4 : xs.max() + 5] > 150
    best = 0.0
    for size in range(10, 17):  # the icon at any small size, anywhere in the changed region
        mask = _icon_mask(size)
        for y in range(max(1, region.shape[0] - size + 1)):
            for x in range(max(1, region.shape[1] - size + 1)):
                window = region[y : y + size, x : x + size]
                if window.shape == mask.shape:
                    best = max(best, (window & mask).sum() / (window | mask).sum())
    assert best > 0.7  # an empty box where a font has no lock glyph scores far lower
