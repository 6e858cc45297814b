"""Sound settings: the soundfont, the arrangement (a preset, an instrument per part, a preset per shot),
the video's own sound under the music, ducking under its speech (with a lane of the speech found and
the music's gain), and the export loudness.

The arrangement belongs to the project (an undoable edit, heard at once in playback); the
rest are `state.sound`. Measuring the mix and writing stems are long jobs the main window runs.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...audio.ducking import FRAME_S, duck_gain
from ...audio.loudness import TARGETS
from ...mix_options import VIDEO_SOUND_DB
from ...music.arrangement import PRESETS, Arrangement
from ...music.parts import PARTS
from ..state import AppState, SoundSettings

# General MIDI programs that suit background music; the number is the GM program (0-127).
INSTRUMENTS = (
    (0, "Grand piano"),
    (1, "Bright piano"),
    (4, "Electric piano"),
    (6, "Harpsichord"),
    (8, "Celesta"),
    (10, "Music box"),
    (11, "Vibraphone"),
    (12, "Marimba"),
    (24, "Nylon guitar"),
    (32, "Acoustic bass"),
    (33, "Finger bass"),
    (42, "Cello"),
    (46, "Harp"),
    (48, "Strings"),
    (49, "Slow strings"),
    (52, "Choir"),
    (73, "Flute"),
    (71, "Clarinet"),
    (68, "Oboe"),
    (75, "Pan flute"),
    (88, "New age pad"),
    (89, "Warm pad"),
    (90, "Polysynth pad"),
    (95, "Sweep pad"),
)
PIECE_PRESET = "As the piece"


def _combo(items, tooltip: str) -> QComboBox:
    box = QComboBox()
    for data, name in items:
        box.addItem(name, data)
    box.setToolTip(tooltip)
    return box


def _select(box: QComboBox, data, missing: str) -> None:
    """Show `data` in the box, adding an entry named `missing` if the box has none for it."""
    index = box.findData(data)
    if index < 0:
        box.addItem(missing, data)
        index = box.count() - 1
    box.setCurrentIndex(index)


class SoundPanel(QWidget):
    """Edits the project's arrangement and `state.sound`."""

    measure_requested = Signal()  # measure the loudness of the mix an export would write
    stems_requested = Signal(str)  # write the stems into this folder

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._has_sound = True  # the open video has a sound of its own (set_has_sound)
        self._busy = False  # a task is running whose result replaces the project (set_busy)
        self.soundfont = QLabel()
        self.soundfont.setStyleSheet("color: #8e9297;")
        self.choose = QPushButton("Choose…")
        self.choose.setToolTip("Choose a .sf2/.sf3 soundfont")
        self.preset = _combo([(name, name) for name in PRESETS], "Instruments of every part at once")
        for i, preset in enumerate(PRESETS.values()):
            self.preset.setItemData(i, preset.description, Qt.ItemDataRole.ToolTipRole)
        self.parts = {part: _combo(INSTRUMENTS, f"Instrument of the {part}") for part in PARTS}
        self.shot_preset = _combo(
            [("", PIECE_PRESET)] + [(n, n) for n in PRESETS],
            "A preset of the selected shot's own; it changes at the cut without cutting notes",
        )
        self.original = QCheckBox("Mix under the music")
        self.original_gain = QDoubleSpinBox()
        self.original_gain.setRange(-40.0, 6.0)
        self.original_gain.setValue(VIDEO_SOUND_DB)
        self.original_gain.setSuffix(" dB")
        self.original_gain.setToolTip(
            "The video's own sound against the music: 0 dB is as loud as the music, which dips under speech"
        )
        self.duck = QCheckBox("Duck the music under speech")
        self.duck_depth = QDoubleSpinBox()
        self.duck_depth.setRange(-40.0, 0.0)
        self.duck_depth.setSuffix(" dB")
        self.speech: np.ndarray | None = None  # bool per 10 ms frame of the video's sound
        self.gain_lane = pg.PlotWidget(background=None)
        self.gain_lane.setFixedHeight(70)
        self.gain_lane.setMouseEnabled(False, False)
        self.gain_lane.hideButtons()
        self.gain_lane.setYRange(-40.0, 3.0)
        self.gain_lane.setToolTip("Speech found in the video's sound (shaded) and the music's gain under it (dB)")
        self.speech_curve = self.gain_lane.plot(pen=None, fillLevel=-40.0, brush=(120, 170, 255, 70))
        self.gain_curve = self.gain_lane.plot(pen=pg.mkPen((255, 190, 90), width=2))
        self.loudness = _combo(
            [(name, f"{name} ({lufs:g} LUFS)") for name, lufs in TARGETS.items()],
            "Loudness of every export, true peak at most -1 dBTP",
        )
        self.measured = QLabel("not measured")
        self.measured.setStyleSheet("color: #8e9297;")
        self.measure = QPushButton("Measure")
        self.measure.setToolTip("Render the mix as an export would and measure its loudness (BS.1770)")
        self.stems = QPushButton("Write stems…")
        self.stems.setToolTip("One WAV per part, the mix and the MIDI, into a folder")
        self._build_layout()
        self.choose.clicked.connect(self._on_choose_clicked)
        self.preset.currentIndexChanged.connect(self._on_preset_chosen)
        for part, box in self.parts.items():
            box.currentIndexChanged.connect(lambda _i, part=part: self._on_instrument_chosen(part))
        self.shot_preset.currentIndexChanged.connect(self._on_shot_preset_chosen)
        for w in (self.original, self.duck):
            w.toggled.connect(self._on_edited)
        for spin in (self.original_gain, self.duck_depth):
            spin.valueChanged.connect(self._on_edited)
        self.loudness.currentIndexChanged.connect(self._on_edited)
        self.measure.clicked.connect(self.measure_requested.emit)
        self.stems.clicked.connect(self._on_stems_clicked)
        state.sound_changed.connect(self._on_sound_changed)
        state.project_changed.connect(self._on_project_changed)
        state.selection_changed.connect(lambda _k: self._show_arrangement())
        self._on_sound_changed(state.sound)
        self._show_arrangement()

    def _build_layout(self) -> None:
        sf_row, orig_row, duck_row, loud_row = QHBoxLayout(), QHBoxLayout(), QHBoxLayout(), QHBoxLayout()
        sf_row.addWidget(self.soundfont, 1)
        sf_row.addWidget(self.choose)
        orig_row.addWidget(self.original, 1)
        orig_row.addWidget(self.original_gain)
        duck_row.addWidget(self.duck, 1)
        duck_row.addWidget(self.duck_depth)
        loud_row.addWidget(self.measured, 1)
        loud_row.addWidget(self.measure)
        form = QFormLayout()
        form.setContentsMargins(12, 12, 12, 10)
        form.addRow("Soundfont", sf_row)
        form.addRow("Preset", self.preset)
        for part, box in self.parts.items():
            form.addRow(part.capitalize(), box)
        form.addRow("This shot", self.shot_preset)
        form.addRow("Video sound", orig_row)
        form.addRow("Dialogue", duck_row)
        form.addRow("", self.gain_lane)
        form.addRow("Loudness", self.loudness)
        form.addRow("Mix", loud_row)
        form.addRow("", self.stems)
        note = QLabel(
            "Instruments are kept in the project and heard at once. The music ducks under speech in "
            "the video's sound, in playback and exports; every export meets the loudness target."
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: #8e9297;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addStretch(1)

    def set_busy(self, busy: bool) -> None:
        """Hold the project's edits while a task runs: its result replaces the project, and a preset chosen
        meanwhile would be lost."""
        if busy != self._busy:
            self._busy = busy
            self._show_arrangement()

    def _on_project_changed(self, _project) -> None:
        self.measured.setText("not measured")
        self._show_arrangement()

    def set_has_sound(self, has_sound: bool) -> None:
        """Offer the video-sound choice only for a video that has a sound of its own."""
        self._has_sound = has_sound
        self.original.setEnabled(has_sound)
        self.original.setToolTip("" if has_sound else "This video has no sound of its own")
        self._on_sound_changed(self.state.sound)

    def show_speech(self, speech: np.ndarray | None) -> None:
        """Draw the speech found in the video's sound and the music's gain curve under it."""
        self.speech = speech
        self._draw_gain_lane()

    def _draw_gain_lane(self) -> None:
        if self.speech is None or not len(self.speech):
            self.speech_curve.setData([], [])
            self.gain_curve.setData([], [])
            return
        t = np.arange(len(self.speech)) * FRAME_S
        gain_db = 20 * np.log10(duck_gain(self.speech, len(self.speech), int(1 / FRAME_S), self.state.sound.ducking))
        self.speech_curve.setData(t, np.where(self.speech, 0.0, -40.0))
        self.gain_curve.setData(t, gain_db)

    def show_loudness(self, text: str) -> None:
        self.measured.setText(text)

    def _arrangement(self) -> Arrangement | None:
        return self.state.project.arrangement if self.state.project is not None else None

    def _set_arrangement(self, arrangement: Arrangement, label: str) -> None:
        if self.state.project is not None and arrangement != self.state.project.arrangement:
            self.state.apply(replace(self.state.project, arrangement=arrangement), label)

    def _on_preset_chosen(self, _index: int) -> None:
        current = self._arrangement()
        if current is not None:
            self._set_arrangement(
                Arrangement(self.preset.currentData(), shot_presets=current.shot_presets),
                f"Preset {self.preset.currentData()}",
            )

    def _on_instrument_chosen(self, part: str) -> None:
        current = self._arrangement()
        if current is not None:
            self._set_arrangement(
                current.with_instrument(part, self.parts[part].currentData()), f"Instrument of the {part}"
            )

    def _on_shot_preset_chosen(self, _index: int) -> None:
        current, k = self._arrangement(), self.state.selected
        if current is not None and k >= 0:
            self._set_arrangement(
                current.with_shot_preset(k, self.shot_preset.currentData() or None), f"Preset of shot {k}"
            )

    def _show_arrangement(self) -> None:
        arrangement = self._arrangement() or Arrangement()
        boxes = [self.preset, self.shot_preset, *self.parts.values()]
        for w in boxes:
            w.blockSignals(True)
        editable = self.state.project is not None and not self._busy
        for widget in (*boxes, self.measure, self.stems):  # measuring and stems need music too
            widget.setEnabled(editable)
        _select(self.preset, arrangement.preset, arrangement.preset)
        for part, sound in zip(PARTS, arrangement.sounds()):
            _select(self.parts[part], sound.program, f"GM program {sound.program}")
        k = self.state.selected
        self.shot_preset.setEnabled(editable and k >= 0)
        _select(self.shot_preset, dict(arrangement.shot_presets).get(k, ""), PIECE_PRESET)
        for w in boxes:
            w.blockSignals(False)

    def _on_choose_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose a soundfont", str(Path.home()), "SoundFonts (*.sf2 *.sf3);;All files (*)"
        )
        if path:
            self.state.set_sound(replace(self.state.sound, soundfont=path))

    def _on_stems_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Write stems into", str(Path.home()))
        if folder:
            self.stems_requested.emit(folder)

    def _on_edited(self, *_args) -> None:
        self.original_gain.setEnabled(self._has_sound and self.original.isChecked())
        self.duck_depth.setEnabled(self.duck.isChecked())
        ducking = replace(self.state.sound.ducking, enabled=self.duck.isChecked(), depth_db=self.duck_depth.value())
        self.state.set_sound(
            replace(
                self.state.sound,
                original_gain_db=self.original_gain.value() if self.original.isChecked() else None,
                ducking=ducking,
                loudness=self.loudness.currentData(),
            )
        )
        self.measured.setText("not measured")

    def _on_sound_changed(self, sound: SoundSettings) -> None:
        widgets = (self.original, self.original_gain, self.duck, self.duck_depth, self.loudness)
        for w in widgets:
            w.blockSignals(True)
        self.soundfont.setText(Path(sound.soundfont).name if sound.soundfont else "default General MIDI")
        self.original.setChecked(sound.original_gain_db is not None)
        if sound.original_gain_db is not None:
            self.original_gain.setValue(sound.original_gain_db)
        self.original_gain.setEnabled(self._has_sound and sound.original_gain_db is not None)
        self.duck.setChecked(sound.ducking.enabled)
        self.duck_depth.setValue(sound.ducking.depth_db)
        self.duck_depth.setEnabled(sound.ducking.enabled)
        self.loudness.setCurrentIndex(self.loudness.findData(sound.loudness))
        for w in widgets:
            w.blockSignals(False)
        self._draw_gain_lane()
