"""Controls of the selected shot: energy, density, major/minor, lock, takes, regenerate, new chords, cut edits.

The panel edits nothing itself: it emits requests that the main window turns into
undoable edits (and regenerations in a worker).
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from ...controls.video_mapping import ShotOverrides
from ...music.harmony import chord_changes
from ..state import AppState

MODES = (("Auto", None), ("Major", "major"), ("Minor", "minor"))
TAKES_MIN_H = 54  # px: three takes
MARGIN_X = 12  # px left and right of the panel


class ShotPanel(QWidget):
    """Per-shot controls of `state.selected`."""

    regenerate_requested = Signal(int, object)  # shot, ShotOverrides to use
    new_chords_requested = Signal(int, object)  # shot, ShotOverrides to use
    lock_requested = Signal(int, bool)
    take_requested = Signal(int, int)  # shot, take
    split_requested = Signal()  # at the playhead
    merge_requested = Signal(int)  # shot k with k + 1

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.auto: dict[int, tuple[float, float]] = {}  # shot -> mapped (energy, density), see set_auto
        self.title = QLabel("No shot selected")
        self.title.setStyleSheet("font-size: 14px; font-weight: 600;")
        self.detail = QLabel("Click a shot in the timeline.")
        self.detail.setStyleSheet("color: #8e9297;")
        self.detail.setMinimumWidth(1)  # a narrow panel clips it rather than scrolling sideways (wrapped, it
        # would make the scroll area give the panel its preferred height, not its least, and scroll at 1280x720)
        self.energy_auto, self.energy = QCheckBox("Auto"), QSlider(Qt.Orientation.Horizontal)
        self.energy.setRange(0, 100)
        self.energy_value = QLabel("")
        self.energy_value.setMinimumWidth(32)
        self.density_auto, self.density = QCheckBox("Auto"), QDoubleSpinBox()
        self.density.setRange(0.5, 24.0)
        self.density.setSingleStep(0.5)
        self.density.setSuffix(" notes/bar")
        self.mode = QComboBox()
        for label, _ in MODES:
            self.mode.addItem(label)
        self.mode.setToolTip(
            "Auto: the mood the picture suggests. Major or minor: regenerating in another mood draws this "
            "shot's chords again in it"
        )
        self.lock = QCheckBox("Lock")
        self.lock.setToolTip("Keep this shot's music when generating")
        self.regenerate = QPushButton("Regenerate shot")
        self.regenerate.setToolTip("Re-sample this shot only, with the settings above (R)")
        self.regenerate.setProperty("primary", True)
        self.new_chords = QPushButton("New chords")
        self.new_chords.setToolTip("Draw this shot's chords again, then its music; the other shots keep theirs")
        self.takes = QListWidget()
        self.takes.setMinimumHeight(TAKES_MIN_H)
        self.takes.setToolTip("Earlier versions of this shot; click one to use it again")
        self.split = QPushButton("Split")
        self.split.setToolTip("Split this shot at the playhead (S)")
        self.merge = QPushButton("Merge")
        self.merge.setToolTip("Merge this shot with the next one (M)")
        self._columns = QBoxLayout(QBoxLayout.Direction.LeftToRight)  # see resizeEvent
        self._build_layout()
        self.energy_auto.toggled.connect(self._on_auto_toggled)
        self.density_auto.toggled.connect(self._on_auto_toggled)
        self.energy.valueChanged.connect(lambda v: self.energy_value.setText(f"{v / 100:.2f}"))
        self.lock.toggled.connect(self._on_lock_toggled)
        self.regenerate.clicked.connect(self._on_regenerate_clicked)
        self.new_chords.clicked.connect(self._on_new_chords_clicked)
        self.takes.itemClicked.connect(self._on_take_clicked)
        self.split.clicked.connect(self.split_requested.emit)
        self.merge.clicked.connect(lambda: self.merge_requested.emit(self.state.selected))
        state.selection_changed.connect(self._on_changed)
        state.project_changed.connect(self._on_changed)
        self._on_changed(None)

    def _build_layout(self) -> None:
        """The shot's controls beside its takes and cut edits where the panel is wide enough, else one above
        the other: side by side they fit the short panel of a 1280x720 screen without scrolling."""
        energy_row, density_row, mood_row = QHBoxLayout(), QHBoxLayout(), QHBoxLayout()
        for row, widgets in (
            (energy_row, (self.energy_auto, self.energy, self.energy_value)),
            (density_row, (self.density_auto, self.density)),
            (mood_row, (self.mode, self.lock)),
        ):
            for w in widgets:
                row.addWidget(w, 1 if w in (self.energy, self.density, self.mode) else 0)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow("Energy", energy_row)
        form.addRow("Density", density_row)
        form.addRow("Mood", mood_row)
        music = QHBoxLayout()
        music.addWidget(self.regenerate, 1)
        music.addWidget(self.new_chords)
        controls = QVBoxLayout()
        controls.addLayout(form)
        controls.addLayout(music)
        controls.addStretch(1)
        cuts = QHBoxLayout()
        cuts.addWidget(self.split)
        cuts.addWidget(self.merge)
        takes = QVBoxLayout()
        takes.addWidget(QLabel("Takes"))
        takes.addWidget(self.takes, 1)
        takes.addLayout(cuts)
        self._column_parts = (controls, takes)
        self._columns.addLayout(controls, 3)
        self._columns.addLayout(takes, 2)
        self._columns.setSpacing(12)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(MARGIN_X, 8, MARGIN_X, 8)
        layout.addWidget(self.title)
        layout.addWidget(self.detail)
        layout.addLayout(self._columns, 1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        side_by_side, _ = self._least_widths()
        wide = event.size().width() >= side_by_side  # narrower, the takes go below the controls (the panel scrolls)
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if self._columns.direction() != direction:
            self._columns.setDirection(direction)
        super().resizeEvent(event)

    def minimumSizeHint(self) -> QSize:
        """As narrow as the stacked columns go, so that a narrow scroll area stacks them rather than scrolling sideways."""
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), self._least_widths()[1]), hint.height())

    def _least_widths(self) -> tuple[int, int]:
        """The panel's least width with its columns side by side, and one above the other."""
        widths = [part.minimumSize().width() for part in self._column_parts]
        return sum(widths) + self._columns.spacing() + 2 * MARGIN_X, max(widths) + 2 * MARGIN_X

    def overrides(self) -> ShotOverrides:
        """The overrides the controls show now."""
        return ShotOverrides(
            energy=None if self.energy_auto.isChecked() else self.energy.value() / 100,
            density=None if self.density_auto.isChecked() else self.density.value(),
            mode=MODES[self.mode.currentIndex()][1],
            locked=self.lock.isChecked(),
        )

    def set_auto(self, auto: dict[int, tuple[float, float]]) -> None:
        """Each shot's mapped (energy, density), shown in the controls whose Auto is ticked."""
        self.auto = auto
        self._on_changed(None)

    def set_overrides(self, o: ShotOverrides) -> None:
        """Show these overrides in the controls (tests and keyboard users use this too)."""
        k = self.state.selected
        auto_energy, auto_density = self.auto.get(k, (0.5, 4.0))
        for box in (self.energy_auto, self.density_auto, self.lock):
            box.blockSignals(True)
        self.energy_auto.setChecked(o.energy is None)
        self.energy.setValue(round(100 * (auto_energy if o.energy is None else o.energy)))
        self.energy_value.setText(f"{self.energy.value() / 100:.2f}")
        self.density_auto.setChecked(o.density is None)
        self.density.setValue(auto_density if o.density is None else o.density)
        self.mode.setCurrentIndex([m for _, m in MODES].index(o.mode))
        self.lock.setChecked(o.locked)
        for box in (self.energy_auto, self.density_auto, self.lock):
            box.blockSignals(False)
        self._on_auto_toggled()

    def _on_changed(self, _value) -> None:
        project, k = self.state.project, self.state.selected
        has_shot = project is not None and 0 <= k < len(project.shots)
        for w in (
            self.energy_auto,
            self.energy,
            self.density_auto,
            self.density,
            self.mode,
            self.lock,
            self.regenerate,
            self.new_chords,
            self.takes,
            self.split,
            self.merge,
        ):
            w.setEnabled(has_shot)
        self.takes.clear()
        if project is None or not has_shot:
            self.set_overrides(ShotOverrides())  # no numbers left over from another shot or project
            self.energy_value.setText("")
            self.title.setText("No shot selected" if project is not None else "No music yet")
            self.detail.setText(
                "Click a shot in the timeline." if project is not None else "Open a video and press Generate."
            )
            return
        from ...project.scoring import chords_fixed  # torch is loaded by now: a project exists

        shot = project.shots[k]
        self.title.setText(f"Shot {k}")
        returns = f"  ·  looks like shot {shot.theme}: its music returns" if shot.theme != k else ""
        self.detail.setText(
            f"{_clock(shot.start_s)} – {_clock(shot.end_s)}  ·  {shot.n_beats} beats at "
            f"{shot.tempo_bpm:.0f} BPM{returns}"
        )
        self.set_overrides(shot.overrides)
        self.merge.setEnabled(k < len(project.shots) - 1)
        self.new_chords.setEnabled(not chords_fixed(project, k))  # the closing bar always holds the home chord
        for i, take in enumerate(shot.takes):
            item = QListWidgetItem(f"Take {i + 1}   {len(take.notes)} notes   {_describe(take.overrides, take.edited)}")
            chords = " ".join(name for _, name in chord_changes(take.chord_root, take.chord_pcs))
            item.setToolTip(f"seed {take.seed} · chords {chords}")
            item.setData(Qt.ItemDataRole.UserRole, i)
            self.takes.addItem(item)
            if i == shot.take:
                item.setSelected(True)
                font = item.font()
                font.setBold(True)
                item.setFont(font)

    def _on_auto_toggled(self, _checked: bool = False) -> None:
        # isEnabledTo(self): a shot is selected, whether or not a running task disables the whole panel now
        has_shot = self.regenerate.isEnabledTo(self)
        self.energy.setEnabled(has_shot and not self.energy_auto.isChecked())
        self.density.setEnabled(has_shot and not self.density_auto.isChecked())

    def _on_lock_toggled(self, locked: bool) -> None:
        self.lock_requested.emit(self.state.selected, locked)

    def _on_regenerate_clicked(self) -> None:
        self.regenerate_requested.emit(self.state.selected, replace(self.overrides(), locked=False))

    def _on_new_chords_clicked(self) -> None:
        self.new_chords_requested.emit(self.state.selected, replace(self.overrides(), locked=False))

    def _on_take_clicked(self, item: QListWidgetItem) -> None:
        self.take_requested.emit(self.state.selected, int(item.data(Qt.ItemDataRole.UserRole)))


def _describe(o: ShotOverrides, edited: bool = False) -> str:
    """What a take was asked for, e.g. 'energy 0.90 · minor' ('auto' when nothing was set), 'edited' first
    where the notes were edited by hand."""
    parts = (
        (["edited"] if edited else [])
        + ([f"energy {o.energy:.2f}"] if o.energy is not None else [])
        + ([f"{o.density:g} notes/bar"] if o.density is not None else [])
        + ([o.mode] if o.mode else [])
    )
    return " · ".join(parts) or "auto"


def _clock(t_s: float) -> str:
    return f"{int(t_s // 60)}:{t_s % 60:05.2f}"
