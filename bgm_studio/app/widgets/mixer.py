"""The mixer strip under the preview: the music's level and mute, the video's own sound and its level.

It edits `state.sound`, which live playback follows at once and every export uses.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSizePolicy, QSlider, QToolButton, QWidget

from ...mix_options import VIDEO_SOUND_DB
from ..state import AppState, SoundSettings

MUSIC_DB = (-30, 6)  # slider range of the music's level, dB
VIDEO_DB = (-40, 6)  # slider range of the video sound's level, dB
VIDEO_TIP = "The video's own sound (dialogue, effects) under the music, in playback and MP4 export"


def _fader(low: int, high: int, tip: str) -> QSlider:
    slider = QSlider(Qt.Orientation.Horizontal)
    slider.setRange(low, high)
    slider.setMinimumWidth(60)  # narrower on a small screen, so the window's least width fits one
    slider.setMaximumWidth(110)
    slider.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    slider.setToolTip(tip)
    return slider


class Mixer(QWidget):
    """Music: level and mute; video sound: on/off and level."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._has_sound = True  # the open video has a sound of its own (set_has_sound)
        self.music = _fader(*MUSIC_DB, "Level of the music (dB)")
        self.music_mute = QToolButton()
        self.music_mute.setText("M")
        self.music_mute.setCheckable(True)
        self.music_mute.setToolTip("Mute the music in playback, to hear the video's own sound alone")
        self.music_level = QLabel()
        self.video = QCheckBox("Video sound")
        self.video.setToolTip(VIDEO_TIP)
        self.video_fader = _fader(*VIDEO_DB, "Level of the video's own sound (dB; 0: as loud as the music)")
        self.video_level = QLabel()
        for label in (self.music_level, self.video_level):
            label.setMinimumWidth(48)
            label.setStyleSheet("font-family: monospace;")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 0, 8, 2)
        for w in (QLabel("Music"), self.music, self.music_level, self.music_mute):
            layout.addWidget(w)
        layout.addSpacing(16)
        for widget in (self.video, self.video_fader, self.video_level):
            layout.addWidget(widget)
        layout.addStretch(1)
        self.music.valueChanged.connect(self._on_edited)
        self.music_mute.toggled.connect(self._on_edited)
        self.video.toggled.connect(self._on_edited)
        self.video_fader.valueChanged.connect(self._on_edited)
        state.sound_changed.connect(self._on_sound_changed)
        self._on_sound_changed(state.sound)

    def set_has_sound(self, has_sound: bool) -> None:
        """Offer the video-sound controls only for a video that has a sound of its own."""
        self._has_sound = has_sound
        self.video.setEnabled(has_sound)
        self.video.setToolTip(VIDEO_TIP if has_sound else "This video has no sound of its own")
        self._on_sound_changed(self.state.sound)

    def _on_edited(self, *_args) -> None:
        on = self.video.isChecked()
        self.state.set_sound(
            replace(
                self.state.sound,
                music_gain_db=float(self.music.value()),
                music_muted=self.music_mute.isChecked(),
                original_gain_db=float(self.video_fader.value()) if on else None,
            )
        )

    def _on_sound_changed(self, sound: SoundSettings) -> None:
        widgets = (self.music, self.music_mute, self.video, self.video_fader)
        for w in widgets:
            w.blockSignals(True)
        self.music.setValue(round(sound.music_gain_db))
        self.music_mute.setChecked(sound.music_muted)
        self.video.setChecked(sound.original_gain_db is not None)
        self.video_fader.setValue(
            round(sound.original_gain_db if sound.original_gain_db is not None else VIDEO_SOUND_DB)
        )
        self.video_fader.setEnabled(self._has_sound and sound.original_gain_db is not None)
        self.music_level.setText("muted" if sound.music_muted else f"{sound.music_gain_db:+.0f} dB")
        level = f"{self.video_fader.value():+d} dB" if sound.original_gain_db is not None else "off"
        self.video_level.setText(level if self._has_sound else "none")
        for w in widgets:
            w.blockSignals(False)
