"""The app's document, without Qt: the video analysis, the project, undo/redo and the selection.

Widgets subscribe to the signals here and redraw from the state; they never hold
a copy of the project. Projects are immutable values (every flow returns a new
one), so undo and redo are two stacks of whole projects; None stands for the analysed video before
its first Generate, so that Generate is undone like any other step.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable, Generic, TypeVar

import psygnal

from ..audio.ducking import DuckingConfig
from ..controls.video_mapping import ShotOverrides
from ..mix_options import VIDEO_SOUND_DB
from ..project.state import Project

if TYPE_CHECKING:  # the video's analysis (PyAV, OpenCV) loads with the first video, not at the window's start
    from ..video.analysis import VideoAnalysis

T = TypeVar("T")
MAX_UNDO = 100  # whole projects are kept; 100 of them are a few MB for a long video


class Signal(Generic[T]):
    """A Qt-free signal carrying one value (psygnal's): slots run in the order connected, and a slot that is
    a bound method is held weakly, so a widget that is gone stops being called.

    An error in a slot reaches `emit`'s caller as it was raised: psygnal wraps it in an EmitLoopError of
    many lines (with the original as its cause), which would break the one-line rule for a BgmError.
    """

    def __init__(self) -> None:
        self._signal = psygnal.SignalInstance((object,), check_nargs_on_connect=False)

    def connect(self, slot: Callable[[T], None]) -> None:
        self._signal.connect(slot)

    def disconnect(self, slot: Callable[[T], None]) -> None:
        self._signal.disconnect(slot)

    def emit(self, value: T) -> None:
        try:
            self._signal.emit(value)
        except psygnal.EmitLoopError as exc:
            raise (exc.__cause__ or exc) from None


@dataclass(frozen=True)
class SoundSettings:
    """How the music sounds in playback and export."""

    soundfont: str | None = None  # .sf2/.sf3; None = $BGM_SOUNDFONT or the default GM soundfont
    original_gain_db: float | None = VIDEO_SOUND_DB  # the video's own sound against the music's level; None = muted
    loudness: str = "streaming"  # export loudness target (audio/loudness.py)
    ducking: DuckingConfig = DuckingConfig()  # the music under the video's speech, in exports
    music_gain_db: float = 0.0  # the music's level in the mix (exports are normalised: what counts is the balance)
    music_muted: bool = False  # silence the music in playback (to hear the video's sound alone)


@dataclass(frozen=True)
class Edit:
    """One step of history: the project before it and what the step did."""

    project: Project | None  # None: the video had no music yet
    label: str


class AppState:
    """The open document and everything the widgets show about it."""

    def __init__(self) -> None:
        self.analysis: VideoAnalysis | None = None
        self.project: Project | None = None
        self.project_path: str | None = None  # where the project was last saved or opened from
        self.selected = -1  # selected shot; -1 = none
        self.position_s = 0.0  # the playhead
        self.sound = SoundSettings()
        self.dirty = False  # changed since the last save
        self._undo: list[Edit] = []
        self._redo: list[Edit] = []
        self.analysis_changed: Signal[VideoAnalysis | None] = Signal()
        self.project_changed: Signal[Project | None] = Signal()
        self.selection_changed: Signal[int] = Signal()
        self.position_changed: Signal[float] = Signal()
        self.sound_changed: Signal[SoundSettings] = Signal()
        self.history_changed: Signal[None] = Signal()

    @property
    def duration_s(self) -> float:
        if self.project is not None:
            return self.project.duration_s
        return self.analysis.duration_s if self.analysis is not None else 0.0

    @property
    def document(self) -> Project:
        """The open project, for the actions that are enabled only while there is one."""
        if self.project is None:
            raise RuntimeError("no project is open")
        return self.project

    @property
    def video_path(self) -> str | None:
        if self.project is not None:
            return self.project.video_path
        return self.analysis.info.path if self.analysis is not None else None

    def open_video(self, analysis: VideoAnalysis) -> None:
        """A new document: an analysed video, no music yet."""
        self.analysis, self.project, self.project_path = analysis, None, None
        self._reset(dirty=False)

    def open_project(
        self, project: Project, analysis: VideoAnalysis | None, path: str | None, dirty: bool = False
    ) -> None:
        """A new document from a project (opened, recovered, or just generated)."""
        self.analysis, self.project, self.project_path = analysis, project, path
        self._reset(dirty)

    def apply(self, project: Project, label: str) -> None:
        """Make `project` current as one undoable step (the first Generate too: it undoes to no music)."""
        self._undo = (self._undo + [Edit(self.project, label)])[-MAX_UNDO:]
        self._redo.clear()
        self._set(project)

    def undo(self) -> None:
        if self._undo:
            edit = self._undo.pop()
            self._redo.append(Edit(self.project, edit.label))
            self._set(edit.project)

    def redo(self) -> None:
        if self._redo:
            edit = self._redo.pop()
            self._undo.append(Edit(self.project, edit.label))
            self._set(edit.project)

    def undo_label(self) -> str | None:
        return self._undo[-1].label if self._undo else None

    def redo_label(self) -> str | None:
        return self._redo[-1].label if self._redo else None

    def mark_saved(self, path: str) -> None:
        self.project_path, self.dirty = path, False
        self.history_changed.emit(None)

    def select(self, k: int) -> None:
        n = len(self.project.shots) if self.project is not None else len(self.analysis.shots) if self.analysis else 0
        k = k if 0 <= k < n else -1
        if k != self.selected:
            self.selected = k
            self.selection_changed.emit(k)

    def shot_at(self, t_s: float) -> int:
        """The shot under a time, -1 outside the video."""
        shots = self.project.shots if self.project is not None else self.analysis.shots if self.analysis else ()
        for s in shots:
            if s.start_s <= t_s < s.end_s:
                return s.index
        return len(shots) - 1 if shots and abs(t_s - shots[-1].end_s) < 1e-6 else -1

    def set_position(self, t_s: float) -> None:
        t_s = min(max(t_s, 0.0), self.duration_s)
        if t_s != self.position_s:
            self.position_s = t_s
            self.position_changed.emit(t_s)

    def set_sound(self, sound: SoundSettings) -> None:
        if sound != self.sound:
            self.sound = sound
            self.sound_changed.emit(sound)

    def _set(self, project: Project | None) -> None:
        self.project = project
        self.dirty = True
        shots = project.shots if project is not None else self.analysis.shots if self.analysis is not None else ()
        if self.selected >= len(shots):
            self.selected = -1
            self.selection_changed.emit(-1)
        self.project_changed.emit(project)
        self.history_changed.emit(None)

    def _reset(self, dirty: bool) -> None:
        self._undo.clear()
        self._redo.clear()
        self.dirty = dirty
        self.selected = -1
        self.position_s = 0.0
        self.analysis_changed.emit(self.analysis)
        self.project_changed.emit(self.project)
        self.selection_changed.emit(-1)
        self.position_changed.emit(0.0)
        self.history_changed.emit(None)


def with_overrides(project: Project, k: int, overrides: ShotOverrides) -> Project:
    """The project with shot k's overrides replaced (its music unchanged), e.g. to lock it."""
    shots = [replace(s, overrides=overrides, takes=list(s.takes)) if s.index == k else s for s in project.shots]
    return replace(project, shots=shots)


def shot_after_cut_edit(before: Project, after: Project, k: int, edit: str) -> int:
    """Where shot k of `before` is in `after`, so the selection stays on the user's shot through a cut edit.

    It is the shot that now holds its start: the left part of a split shot, the merged shot for the
    right part of a merge, one further on after a split before it. A moved cut keeps every index.
    """
    if k < 0 or edit == "move_cut":
        return k
    start = before.shots[k].start_s
    return max(s.index for s in after.shots if s.start_s <= start + 1e-9)
