"""Colours and the dark palette shared by every widget."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QApplication, QLabel

BACKGROUND = QColor("#1e1f22")
PANEL = QColor("#2b2d31")
LANE = QColor("#26282c")
GRID = QColor("#3a3d42")
TEXT = QColor("#dcdde1")
MUTED_TEXT = QColor("#8e9297")
ACCENT = QColor("#4f9cf7")  # selection
PLAYHEAD = QColor("#ff5a5f")
CUT = QColor("#f5c542")
WAVE = QColor("#5fa8a0")  # the video's own sound
SPEECH = QColor("#7890d8")  # speech found in it, where the music ducks
MELODY_HUE, ACCOMPANIMENT_HUE = 0.07, 0.55  # warm orange and cool teal-blue (HSV hue)
WARNING = QColor("#f0a04b")


def note_colour(track: int, velocity: int) -> QColor:
    """A note's colour: hue by track, shade by velocity (soft notes darker and greyer)."""
    v = min(max(velocity, 1), 127) / 127.0
    hue = MELODY_HUE if track == 0 else ACCOMPANIMENT_HUE
    return QColor.fromHsvF(hue, 0.35 + 0.55 * v, 0.45 + 0.55 * v)


def apply_dark_theme(app: QApplication) -> None:
    """Fusion with a dark palette: the same look on every platform."""
    app.setStyle("Fusion")
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: PANEL,
        QPalette.ColorRole.WindowText: TEXT,
        QPalette.ColorRole.Base: BACKGROUND,
        QPalette.ColorRole.AlternateBase: PANEL,
        QPalette.ColorRole.ToolTipBase: PANEL,
        QPalette.ColorRole.ToolTipText: TEXT,
        QPalette.ColorRole.Text: TEXT,
        QPalette.ColorRole.Button: QColor("#35373c"),
        QPalette.ColorRole.ButtonText: TEXT,
        QPalette.ColorRole.BrightText: PLAYHEAD,
        QPalette.ColorRole.Highlight: ACCENT,
        QPalette.ColorRole.HighlightedText: QColor("#ffffff"),
        QPalette.ColorRole.Link: ACCENT,
        QPalette.ColorRole.PlaceholderText: MUTED_TEXT,
    }
    for role, colour in roles.items():
        p.setColor(role, colour)
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, MUTED_TEXT)
    p.setColor(
        QPalette.ColorGroup.Disabled, QPalette.ColorRole.Highlight, GRID
    )  # a disabled slider drew blue, as if live
    app.setPalette(p)


class Splash(QLabel):
    """What shows while the libraries load: a frameless picture, closed once the window is up.

    Not a QSplashScreen: its show() waits up to a second for the window system to expose it,
    and on start-up that second was spent each time, before anything else could load.
    """

    def __init__(self, pixmap: QPixmap) -> None:
        super().__init__()
        self.setWindowFlags(
            Qt.WindowType.SplashScreen | Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint
        )
        self.setPixmap(pixmap)
        self.setFixedSize(pixmap.size())
        screen = QApplication.primaryScreen()
        if screen is not None:  # in the middle of the screen, as a splash screen is
            self.move(screen.availableGeometry().center() - self.rect().center())


def splash_screen() -> Splash:
    """The splash: the app's name on its panel colour."""
    pixmap = QPixmap(480, 200)
    pixmap.fill(PANEL)
    painter = QPainter(pixmap)
    painter.fillRect(QRect(0, 0, 480, 6), ACCENT)
    font = QFont()
    font.setPointSize(22)
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(TEXT)
    painter.drawText(QRect(0, 50, 480, 50), Qt.AlignmentFlag.AlignCenter, "BGM Studio")
    font.setPointSize(10)
    font.setBold(False)
    painter.setFont(font)
    painter.setPen(MUTED_TEXT)
    painter.drawText(QRect(0, 105, 480, 30), Qt.AlignmentFlag.AlignCenter, "Piano background music for your video")
    painter.drawText(QRect(0, 150, 480, 30), Qt.AlignmentFlag.AlignCenter, "Loading…")
    painter.end()
    return Splash(pixmap)
