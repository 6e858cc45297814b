"""Sound settings: the soundfont, an instrument for the melody and one for the accompaniment,
and the video's own sound under the music."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QLabel, QPushButton, QVBoxLayout, QWidget)

from ..state import AppState, SoundSettings

# General MIDI programs that suit background piano music; the number is the GM program (0-127).
INSTRUMENTS = (
    (0, "Grand piano"), (1, "Bright piano"), (4, "Electric piano"), (6, "Harpsichord"), (8, "Celesta"),
    (10, "Music box"), (11, "Vibraphone"), (12, "Marimba"), (24, "Nylon guitar"), (46, "Harp"),
    (48, "Strings"), (49, "Slow strings"), (52, "Choir"), (73, "Flute"), (71, "Clarinet"),
    (68, "Oboe"), (75, "Pan flute"), (88, "Warm pad"), (89, "Polysynth pad"), (95, "Sweep pad"),
)


def _instrument_box(tooltip: str) -> QComboBox:
    box = QComboBox()
    for program, name in INSTRUMENTS:
        box.addItem(name, program)
    box.setToolTip(tooltip)
    return box


class SoundPanel(QWidget):
    """Edits `state.sound`."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.soundfont = QLabel()
        self.soundfont.setStyleSheet("color: #8e9297;")
        self.choose = QPushButton("Choose…")
        self.choose.setToolTip("Choose a .sf2/.sf3 soundfont")
        self.melody = _instrument_box("Instrument of the melody")
        self.accompaniment = _instrument_box("Instrument of the accompaniment")
        self.original = QCheckBox("Mix under the music")
        self.original_gain = QDoubleSpinBox()
        self.original_gain.setRange(-40.0, 6.0)
        self.original_gain.setValue(-12.0)
        self.original_gain.setSuffix(" dB")
        sf_row, orig_row = QHBoxLayout(), QHBoxLayout()
        sf_row.addWidget(self.soundfont, 1)
        sf_row.addWidget(self.choose)
        orig_row.addWidget(self.original, 1)
        orig_row.addWidget(self.original_gain)
        form = QFormLayout()
        form.setContentsMargins(12, 12, 12, 10)
        form.addRow("Soundfont", sf_row)
        form.addRow("Melody", self.melody)
        form.addRow("Accompaniment", self.accompaniment)
        form.addRow("Video sound", orig_row)
        note = QLabel("Used for playback and for every export; the video's own sound is mixed into playback "
                      "and MP4 exports when ticked.")
        note.setWordWrap(True)
        note.setStyleSheet("color: #8e9297;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addStretch(1)
        self.choose.clicked.connect(self._on_choose_clicked)
        for box in (self.melody, self.accompaniment):
            box.currentIndexChanged.connect(self._on_edited)
        self.original.toggled.connect(self._on_edited)
        self.original_gain.valueChanged.connect(self._on_edited)
        state.sound_changed.connect(self._on_sound_changed)
        self._on_sound_changed(state.sound)

    def _on_choose_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a soundfont", str(Path.home()),
                                              "SoundFonts (*.sf2 *.sf3);;All files (*)")
        if path:
            self.state.set_sound(replace(self.state.sound, soundfont=path))

    def _on_edited(self, *_args) -> None:
        self.original_gain.setEnabled(self.original.isChecked())
        self.state.set_sound(replace(
            self.state.sound, programs=(self.melody.currentData(), self.accompaniment.currentData()),
            original_gain_db=self.original_gain.value() if self.original.isChecked() else None))

    def _on_sound_changed(self, sound: SoundSettings) -> None:
        widgets = (self.melody, self.accompaniment, self.original, self.original_gain)
        for w in widgets:
            w.blockSignals(True)
        self.soundfont.setText(Path(sound.soundfont).name if sound.soundfont else "default General MIDI")
        for box, program in zip((self.melody, self.accompaniment), sound.programs):
            index = box.findData(program)
            if index < 0:
                box.addItem(f"GM program {program}", program)
                index = box.count() - 1
            box.setCurrentIndex(index)
        self.original.setChecked(sound.original_gain_db is not None)
        if sound.original_gain_db is not None:
            self.original_gain.setValue(sound.original_gain_db)
        self.original_gain.setEnabled(sound.original_gain_db is not None)
        for w in widgets:
            w.blockSignals(False)
