"""The timeline's lanes drawn alone: the lock badge, labels that thin out when crowded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
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


def _overlap(rects) -> bool:
    return any(a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1 :])


def test_crowded_lanes_thin_their_labels_instead_of_overlapping(qtbot):
    from bgm_studio.app.widgets.lanes import ChordLaneItem, ShotLaneItem

    spans = [(k * 3.5, (k + 1) * 3.5) for k in range(84)]  # 84 shots of a 4.9-minute video over 1200 px
    lane = ShotLaneItem()
    lane.set_shots(spans, locked={10, 11})
    lane.set_selected(41)
    _render(lane, 1200, 56, spans[-1][1])
    shown = [k for k, _ in lane.labels]
    assert not _overlap([rect for _, rect in lane.labels]) and 41 in shown
    assert 15 <= len(shown) < 84 and shown == sorted(shown)

    chords = ChordLaneItem()
    names = ["C", "Am", "F", "G7", "Dm7", "Em", "Bdim", "Fmaj7"]
    chords.set_chords([(i * 0.875, (i + 1) * 0.875, names[i % 8]) for i in range(336)])  # one per half bar
    _render(chords, 1200, 22, 294.0)
    assert not _overlap([rect for _, rect in chords.labels]) and len(chords.labels) >= 20
    _render(chords, 1200, 22, 20.0)  # zoomed in: every chord of the first 20 s is named
    assert {i for i, rect in chords.labels if rect.left() < 1200} >= set(range(22))


def test_the_waveform_is_drawn_where_the_sound_is_loud(qtbot):
    """The envelope's outline, built from its arrays at once: full height where loud, a sliver where quiet."""
    from PySide6.QtGui import QImage, QPainter

    from bgm_studio.app.widgets import theme
    from bgm_studio.app.widgets.lanes import WaveformItem

    peaks = np.concatenate([np.full(9000, 0.1), np.full(9000, 1.0)]).astype(np.float32)  # 3 minutes, quiet then loud
    item = WaveformItem()
    item.set_envelope(peaks, 0.01)
    assert item.boundingRect().width() == 180.0
    image = QImage(360, 100, QImage.Format_RGB32)
    image.fill(0)
    painter = QPainter(image)
    painter.scale(2.0, 100.0)  # 2 px a second, the lane's height 100 px
    item.paint(painter)
    painter.end()
    wave = theme.WAVE.name()
    assert image.pixelColor(270, 5).name() == wave and image.pixelColor(270, 95).name() == wave  # loud: full height
    assert image.pixelColor(90, 50).name() == wave and image.pixelColor(90, 10).name() != wave  # quiet: a sliver


def test_the_waveform_is_drawn_per_pixel_column_keeping_each_columns_loudest_moment(qtbot):
    """3 minutes at 100 buckets a second in 360 px: one point per column (not 36,000), and a click
    one bucket long still reaches full height in its column; zoomed in, only the visible columns."""
    from PySide6.QtGui import QTransform

    from bgm_studio.app.widgets.lanes import waveform_outline

    levels = np.full(18000, 0.1, np.float32)
    levels[9000] = 1.0  # a click at 90 s
    outline = waveform_outline(levels, 0.01, QTransform.fromScale(2.0, 100.0), 360)
    assert outline.elementCount() <= 2 * 362 + 1
    top = min((outline.elementAt(i) for i in range(outline.elementCount())), key=lambda e: e.y)
    assert abs(top.x - 180) <= 1 and top.y == pytest.approx(100 * (0.5 - 0.48))
    zoomed = QTransform(400.0, 0, 0, 100.0, -400.0 * 89.0, 0)  # 400 px a second from 89 s: buckets 4 px wide
    outline = waveform_outline(levels, 0.01, zoomed, 800)
    xs = [outline.elementAt(i).x for i in range(outline.elementCount())]
    assert outline.elementCount() <= 2 * 205 + 1 and min(xs) >= -8 and max(xs) <= 808
