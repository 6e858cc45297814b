"""Play/pause, the clock, and whether sound is on."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStyle, QToolButton, QWidget

from ..state import AppState
from . import theme


def clock(t_s: float) -> str:
    return f"{int(t_s // 60)}:{t_s % 60:05.2f}"


class Transport(QWidget):
    """A bar under the preview: play button, position / duration, and the sound status."""

    play_toggled = Signal()

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.play = QToolButton()
        self.play.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.play.setToolTip("Play / pause (Space)")
        self.play.setAutoRaise(True)
        self.play.clicked.connect(self.play_toggled.emit)
        self.time = QLabel(clock(0.0))
        self.time.setStyleSheet("font-family: monospace; font-size: 13px;")
        self.sound = QLabel("")
        self.sound.setStyleSheet(f"color: {theme.MUTED_TEXT.name()};")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addWidget(self.play)
        layout.addWidget(self.time)
        layout.addStretch(1)
        layout.addWidget(self.sound)
        state.position_changed.connect(self._on_position_changed)
        state.analysis_changed.connect(self._on_position_changed)

    def set_playing(self, playing: bool) -> None:
        icon = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play.setIcon(self.style().standardIcon(icon))

    def set_sound_status(self, text: str, warning: bool = False) -> None:
        colour = theme.WARNING if warning else theme.MUTED_TEXT
        self.sound.setStyleSheet(f"color: {colour.name()};")
        self.sound.setText(text)
        self.sound.setToolTip(text)

    def _on_position_changed(self, _value) -> None:
        self.time.setText(f"{clock(self.state.position_s)} / {clock(self.state.duration_s)}")
