"""The main window: preview and transport, per-shot and sound panels, the timeline, menus and tasks.

It owns the AppState and the SoundController, turns widget requests into undoable edits,
and runs every long action as a Task so the event loop never waits on work.
"""

from __future__ import annotations

import gc
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from PySide6.QtCore import QThreadPool, QTimer, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QMainWindow,
    QMenu,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..controls.video_mapping import ShotOverrides
from ..errors import BgmError
from ..project.state import Project, save_project
from . import jobs, note_edits, recovery
from .project_view import auto_controls, prepare, prepare_opened
from .midi_link import MidiLink
from .navigation import SHUTTLE_BACK_S, beat_times, step_from
from .recent import add_recent, load_recent
from .sound import PlayerFactory, SoundController
from .state import AppState, shot_after_cut_edit, with_overrides
from .window_size import fit_to_screen
from .widgets.mixer import Mixer
from .widgets.preview import VideoPreview, to_qimage
from .widgets.shot_panel import ShotPanel
from .widgets.sound_panel import SoundPanel
from .widgets.task_bar import TaskBar
from .widgets.timeline import Timeline
from .widgets.transport import Transport
from .workers import Task

AUTOSAVE_DELAY_MS = 1500
MODEL_LOAD_DELAY_MS = 300
LANES_DELAY_MS = 200  # after an open: decoding thumbnails and waveform during its first paint stalled the UI (GIL)
GIL_SWITCH_S = 0.001  # see _keep_ui_thread_responsive
VIDEO_FILTER = "Videos (*.mp4 *.mov *.mkv *.avi *.webm *.m4v);;All files (*)"
OPEN_FILTER = "Videos and projects (*.mp4 *.mov *.mkv *.avi *.webm *.m4v *.bgm.json);;All files (*)"
PROJECT_SUFFIX = ".bgm.json"
CUT_LIST_FILTER = "Cut lists (*.otio *.edl *.xml *.fcpxml *.kdenlive);;All files (*)"
EXPORTS = {
    "midi": ("MIDI", ".mid", "MIDI files (*.mid)"),
    "wav": ("WAV", ".wav", "WAV audio (*.wav)"),
    "mp4": ("MP4", ".mp4", "Videos (*.mp4 *.mov *.mkv)"),
}


class MainWindow(QMainWindow):
    """BGM Studio's window over one AppState."""

    def __init__(
        self,
        state: AppState | None = None,
        model_path: str | None = None,
        player_factory: PlayerFactory | None = jobs.open_player,
    ) -> None:
        super().__init__()
        _keep_ui_thread_responsive()
        self.state = state or AppState()
        self.scorer = jobs.LazyScorer(model_path)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(4)
        self.busy: Task | None = None  # the foreground task; one at a time
        self._tasks: set[Task] = set()
        self.last_error: str | None = None  # the last message shown in an error dialog
        self.last_export_dir: str | None = None  # where export dialogs start once something was exported
        self._keep_recovery = False  # closing for the system: keep unsaved work in the recovery file
        self._build_widgets()
        self.sound = SoundController(self.state, self.transport, self._run, player_factory)
        self.midi = MidiLink(self.sound.playback)
        self.sound.message.connect(lambda text: self.statusBar().showMessage(text, 10000))
        self._build_actions()
        self._connect()
        self._autosave = QTimer(self, singleShot=True, interval=AUTOSAVE_DELAY_MS)
        self._autosave.timeout.connect(self._on_autosave)
        self.setAcceptDrops(True)
        fit_to_screen(self, self._main_split)
        self._on_history_changed(None)
        # once the window has painted: importing torch in a worker would slow its first paint (the GIL)
        QTimer.singleShot(
            MODEL_LOAD_DELAY_MS,
            lambda: self._run(
                "Loading the model",
                lambda p, c: self.scorer.get(),
                self._on_scorer_loaded,
                foreground=False,
                on_failed=self._on_scorer_failed,
            ),
        )

    # -- building -------------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.preview = VideoPreview()
        self.transport = Transport(self.state)
        self.mixer = Mixer(self.state)
        self.shot_panel = ShotPanel(self.state)
        self.sound_panel = SoundPanel(self.state)
        self.timeline = Timeline(self.state)
        self.task_bar = TaskBar()
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.setSpacing(0)
        left_layout.addWidget(self.preview, 1)
        left_layout.addWidget(self.transport)
        left_layout.addWidget(self.mixer)
        side = QTabWidget()
        side.setMinimumWidth(340)
        side.setDocumentMode(True)
        for panel, title in ((self.shot_panel, "Shot"), (self.sound_panel, "Sound")):
            side.addTab(_scrolling(panel), title)  # on a small screen the timeline gets the height
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(left)
        top.addWidget(side)
        top.setStretchFactor(0, 1)
        top.setStretchFactor(1, 0)
        main = QSplitter(Qt.Orientation.Vertical)
        main.addWidget(top)
        main.addWidget(self.timeline)
        main.setStretchFactor(0, 1)
        main.setStretchFactor(1, 1)
        self.setCentralWidget(main)
        self._main_split = main
        self.statusBar().addPermanentWidget(self.task_bar)

    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip)
        action.setToolTip(f"{tip or text} ({action.shortcut().toString()})" if shortcut is not None else tip or text)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)  # shortcuts work with the menu closed
        return action

    def _build_actions(self) -> None:
        a = self._action
        self.open_action = a(
            "&Open…", self._on_open, QKeySequence.StandardKey.Open, "Open a video or a .bgm.json project"
        )
        self.save_action = a("&Save project", self._on_save, QKeySequence.StandardKey.Save, "Save the project")
        self.save_as_action = a("Save project &as…", self._on_save_as, QKeySequence.StandardKey.SaveAs)
        self.quit_action = a("&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.import_cuts_action = a(
            "&Import cut list…",
            self._on_import_cut_list,
            None,
            "Take the shots from an editor's timeline (.otio, .edl, .xml, .fcpxml, .kdenlive)",
        )
        self.undo_action = a("&Undo", self.state.undo, QKeySequence.StandardKey.Undo)
        self.redo_action = a("&Redo", self.state.redo, QKeySequence.StandardKey.Redo)
        self.split_action = a("&Split shot at playhead", self._on_split, "S", "Add a cut at the playhead")
        self.merge_action = a("&Merge with next shot", lambda: self._on_merge(self.state.selected), "M")
        self.generate_action = a("&Generate", self._on_generate, "Ctrl+G", "Score the whole video")
        self.regenerate_action = a(
            "&Regenerate shot", self._on_regenerate_selected, "R", "Re-sample the selected shot only"
        )
        self.play_action = a("&Play / pause", self.sound.toggle, Qt.Key.Key_Space)
        self.home_action = a("Go to &start", lambda: self.seek(0.0), Qt.Key.Key_Home)
        self.prev_action = a("Previous shot", lambda: self._select_step(-1), Qt.Key.Key_Up)
        self.next_action = a("Next shot", lambda: self._select_step(1), Qt.Key.Key_Down)
        self.back_action = a("Back a beat", lambda: self._step_beats(-1), Qt.Key.Key_Left)
        self.forward_action = a("Forward a beat", lambda: self._step_beats(1), Qt.Key.Key_Right)
        self.shuttle_actions = [
            a("Shuttle back (J)", self._on_shuttle_back, "J", "Back 2 s, playing on"),
            a("Stop (K)", self.sound.pause, "K"),
            a("Play (L)", self.sound.play, "L"),
        ]
        self.loop_action = a(
            "&Loop selected shot", self._on_loop_toggled, "Ctrl+L", "Play the selected shot again and again"
        )
        self.loop_action.setCheckable(True)
        self.fit_action = a("&Zoom to fit", self.timeline.zoom_to_fit, "Ctrl+0")
        self.midi_action = a(
            "Send &MIDI out (port \u201cBGM Studio\u201d)",
            self._on_midi_out,
            None,
            "Play the music on a DAW or synth too: one channel per part",
        )
        self.midi_action.setCheckable(True)
        editor = self.timeline.note_editor
        self.note_actions = [
            a("&Delete notes", editor.delete, QKeySequence.StandardKey.Delete, "Delete the selected notes"),
            a("&Louder notes", lambda: editor.change_velocity(note_edits.VELOCITY_STEP), "Ctrl+Up"),
            a("So&fter notes", lambda: editor.change_velocity(-note_edits.VELOCITY_STEP), "Ctrl+Down"),
        ]
        self.export_actions = {
            kind: a(f"Export {name}…", lambda kind=kind: self._on_export(kind), None, f"Write the music as {name}")
            for kind, (name, _, _) in EXPORTS.items()
        }
        self.export_actions["mp4"].setShortcut(QKeySequence("Ctrl+E"))
        self.recent_menu = QMenu("Open &Recent", self)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        bar = self.menuBar()
        for title, actions in (
            (
                "&File",
                [
                    self.open_action,
                    self.recent_menu.menuAction(),
                    self.import_cuts_action,
                    None,
                    self.save_action,
                    self.save_as_action,
                    None,
                    self.quit_action,
                ],
            ),
            (
                "&Edit",
                [
                    self.undo_action,
                    self.redo_action,
                    None,
                    self.split_action,
                    self.merge_action,
                    None,
                    *self.note_actions,
                ],
            ),
            ("&Music", [self.generate_action, self.regenerate_action]),
            (
                "&Playback",
                [
                    self.play_action,
                    *self.shuttle_actions,
                    self.loop_action,
                    None,
                    self.home_action,
                    self.back_action,
                    self.forward_action,
                    self.prev_action,
                    self.next_action,
                    None,
                    self.fit_action,
                    None,
                    self.midi_action,
                ],
            ),
            ("E&xport", list(self.export_actions.values())),
        ):
            menu = bar.addMenu(title)
            for action in actions:
                menu.addSeparator() if action is None else menu.addAction(action)
        tools = self.addToolBar("Main")
        tools.setMovable(False)
        tools.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action in (
            self.open_action,
            self.save_action,
            None,
            self.generate_action,
            self.regenerate_action,
            None,
            self.undo_action,
            self.redo_action,
            None,
            self.export_actions["mp4"],
        ):
            tools.addSeparator() if action is None else tools.addAction(action)
        tools.widgetForAction(self.generate_action).setObjectName("primary")
        tools.setStyleSheet(
            "QToolButton { padding: 4px 10px; } QToolButton#primary { background: #2f6fd0; "
            "color: white; border-radius: 4px; font-weight: 600; } "
            "QToolButton#primary:disabled { background: #35373c; color: #8e9297; }"
        )

    def _connect(self) -> None:
        s = self.state
        s.project_changed.connect(self._on_project_changed)
        s.analysis_changed.connect(lambda _a: self._update_actions())
        s.history_changed.connect(self._on_history_changed)
        s.selection_changed.connect(lambda _k: self._update_actions())
        s.position_changed.connect(lambda t: self.preview.show_time(t, playing=self.sound.playback.playing))
        self.timeline.seek_requested.connect(self.seek)
        self.timeline.shot_clicked.connect(s.select)
        self.timeline.cut_moved.connect(self._on_cut_moved)
        self.timeline.note_editor.edited.connect(self._on_notes_edited)
        p = self.shot_panel
        p.regenerate_requested.connect(self.regenerate)
        p.new_chords_requested.connect(lambda k, overrides: self.regenerate(k, overrides, new_chords=True))
        p.lock_requested.connect(self._on_lock_requested)
        p.take_requested.connect(self._on_take_requested)
        p.split_requested.connect(self._on_split)
        p.merge_requested.connect(self._on_merge)
        self.sound_panel.measure_requested.connect(self._on_measure)
        self.sound.speech_found.connect(self.sound_panel.show_speech)
        self.sound.speech_found.connect(self.timeline.set_speech)
        self.sound_panel.stems_requested.connect(lambda folder: self.export_to("stems", folder))

    # -- tasks ------------------------------------------------------------------------------

    def _run(self, label: str, work, on_done, foreground: bool = True, on_failed=None) -> Task | None:
        """Start work in the pool; foreground tasks show progress and Cancel, one at a time (else None)."""
        if foreground and self.busy is not None:
            self.show_error(f"{self.busy.label} is still running; wait for it to finish or cancel it")
            return None
        task = Task(label, work)
        self._tasks.add(task)
        task.succeeded.connect(on_done)
        task.failed.connect(on_failed or self._on_task_failed)
        task.cancelled.connect(lambda: self.statusBar().showMessage(f"{label}: cancelled", 4000))
        task.ended.connect(lambda: self._on_task_ended(task))
        if foreground:
            self.busy = task
            self.task_bar.track(task)
            self._update_actions()
        return task.start(self.pool)

    def _on_task_ended(self, task: Task) -> None:
        self._tasks.discard(task)
        if task is self.busy:
            self.busy = None
            self._update_actions()

    def _on_task_failed(self, exc: BgmError) -> None:
        self.show_error(str(exc))

    def show_error(self, message: str) -> None:
        """The one-line message in a dialog (never a traceback)."""
        self.last_error = message
        self.statusBar().showMessage(message, 8000)
        box = QMessageBox(QMessageBox.Icon.Warning, "BGM Studio", message, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def wait_idle(self, timeout_ms: int = 60000) -> bool:
        """Wait for the thread pool (tests and shutdown)."""
        return self.pool.waitForDone(timeout_ms)

    # -- files ------------------------------------------------------------------------------

    def open_path(self, path: str) -> None:
        """Open a video or a project file (in a worker), after asking about unsaved work it would replace."""
        if self.busy is None and not self._confirm_discard_if_unsaved():
            return
        self._open(path)

    def _open(self, path: str, video: str | None = None, recovered: bool = False) -> None:
        label = f"Opening {Path(path).name}"
        self._run(
            label,
            lambda p, c: prepare_opened(jobs.open_file(path, p, video), self.scorer.loaded),
            lambda opened: self._on_opened(opened, recovered),
            on_failed=lambda exc: self._on_open_failed(exc, path, recovered),
        )

    def offer_recovery(self) -> None:
        """If the last session ended without closing, offer its autosaved project back."""
        path = recovery.pending_recovery()
        if path is None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "BGM Studio",
            "BGM Studio did not close properly last time. Recover the unsaved project?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Discard,
            self,
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(lambda button: self._on_recovery_answer(box.buttonRole(button), path))
        box.open()

    def _on_recovery_answer(self, role: QMessageBox.ButtonRole, path: Path) -> None:
        if role == QMessageBox.ButtonRole.YesRole:
            self._open(str(path), recovered=True)
        else:
            recovery.discard()

    def _on_opened(self, opened: jobs.Opened, recovered: bool) -> None:
        if opened.project is None:
            self.state.open_video(opened.analysis)
        else:
            self.state.open_project(
                opened.project, opened.analysis, None if recovered else opened.path, dirty=recovered or opened.relinked
            )
        for line in opened.analysis.warnings:
            self.statusBar().showMessage(line, 8000)
        path = self.state.video_path
        assert path is not None  # a document is open
        self.preview.set_video(path)
        recent = opened.path if opened.path is not None and opened.project is not None and not recovered else path
        spans = [(s.start_s, s.end_s) for s in (opened.project.shots if opened.project else opened.analysis.shots)]
        self.timeline.set_waveform(np.zeros(0), 1.0, shown=opened.analysis.info.has_audio)  # filled once it is read
        self.mixer.set_has_sound(opened.analysis.info.has_audio)
        self.sound_panel.set_has_sound(opened.analysis.info.has_audio)
        self.timeline.set_speech(None)  # and the speech lane once speech is found in it
        add_recent(recent)  # now: a save soon after must come after it in the list
        QTimer.singleShot(LANES_DELAY_MS, self, lambda: self._after_opened(path, spans))

    def _after_opened(self, path: str, spans: list[tuple[float, float]]) -> None:
        """Once the new document has painted: the thumbnails and waveform in workers."""
        if path != self.state.video_path or not self.isVisible():  # another was opened, or the window closed
            return
        self._load_thumbnails(spans)
        self._run(
            "Waveform",
            lambda p, c: jobs.sound_envelope(path),
            lambda peaks: self._on_envelope(path, peaks),
            foreground=False,
            on_failed=lambda exc: self.statusBar().showMessage(str(exc), 8000),
        )

    def _on_envelope(self, path: str, peaks) -> None:
        if path == self.state.video_path:
            self.timeline.set_waveform(peaks, 1.0 / jobs.ENVELOPE_RATE)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in load_recent():
            action = self.recent_menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.setEnabled(self.busy is None)
            action.triggered.connect(lambda _checked=False, path=path: self.open_path(path))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("No recent files").setEnabled(False)

    def _on_open_failed(self, exc: BgmError, path: str, recovered: bool) -> None:
        if isinstance(exc, jobs.RelinkNeeded):
            QTimer.singleShot(0, lambda: self._ask_relink(exc, path, recovered))  # once the open task has ended
        else:
            self.show_error(str(exc))

    def _ask_relink(self, exc: BgmError, path: str, recovered: bool) -> None:
        answer = QMessageBox.question(self, "BGM Studio", f"{exc}.\nChoose the video file of this project?")
        if answer == QMessageBox.StandardButton.Yes:
            video, _ = QFileDialog.getOpenFileName(
                self, "Choose the project's video", str(Path(path).parent), VIDEO_FILTER
            )
            if video:
                self._open(path, video=video, recovered=recovered)  # a recovery stays one: saved where asked

    def _load_thumbnails(self, spans: list[tuple[float, float]]) -> None:
        path = self.state.video_path
        if path is None:  # no document
            return
        self._run(
            "Thumbnails",
            lambda p, c: jobs.shot_thumbnails(path, spans),
            lambda images: self._on_thumbnails(path, images),
            foreground=False,
        )

    def _on_thumbnails(self, path: str, images) -> None:
        if path == self.state.video_path:
            self.timeline.set_thumbnails([to_qimage(rgb) for rgb in images])

    def save_to(self, path: str) -> None:
        """Save the project to `path` (in a worker: large projects take a moment to write)."""
        if not path.endswith(".json"):
            path += PROJECT_SUFFIX
        project = self.state.document
        self._run(
            "Saving the project", lambda p, c: save_project(project, path), lambda _r: self._on_saved(project, path)
        )

    def _on_saved(self, project: Project, path: str) -> None:
        if self.state.project is project:
            self.state.mark_saved(path)
            recovery.discard()
            add_recent(path)
        self.statusBar().showMessage(f"Saved {path}", 4000)

    def export_to(self, kind: str, path: str) -> None:
        """Write the music as MIDI, WAV, MP4 or stems (a folder) (in a worker, with progress and Cancel)."""
        from ..project.outputs import OutputPaths  # the exporters load when first used, not at start

        paths = OutputPaths(**{kind: path})
        project, sound = self.state.document, self.state.sound
        name = EXPORTS.get(kind, (kind,))[0]
        self._run(
            f"Exporting {name}",
            lambda p, c: jobs.export(project, paths, sound, p, c),
            lambda written: self._on_exported(written, path),
        )

    def _on_exported(self, written: list[str], path: str) -> None:
        self.last_export_dir = str(Path(path).parent)
        self.statusBar().showMessage(f"Wrote {', '.join(written)}", 6000)

    def _on_measure(self) -> None:
        """Measure the loudness of the mix an export would write, and show it in the Sound tab."""
        project, sound = self.state.project, self.state.sound
        if project is None:
            return
        task = self._run(
            "Measuring loudness",
            lambda p, c: jobs.measure_mix(project, sound, p, c),
            lambda level: self.sound_panel.show_loudness(level.describe()),
            on_failed=self._on_measure_failed,
        )
        if task is not None:
            self.sound_panel.show_loudness("measuring…")
            task.cancelled.connect(lambda: self.sound_panel.show_loudness("not measured"))

    def _on_measure_failed(self, exc: BgmError) -> None:
        self.sound_panel.show_loudness("not measured")  # not "measuring…" for good
        self.show_error(str(exc))

    def _on_open(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a video or project", self._folder(), OPEN_FILTER)
        if path:
            self.open_path(path)

    def _on_save(self) -> None:
        if self.state.project_path:
            self.save_to(self.state.project_path)
        else:
            self._on_save_as()

    def _on_save_as(self) -> None:
        path = self._ask_project_path()
        if path:
            self.save_to(path)

    def _ask_project_path(self) -> str:
        """Where to save the project, from a dialog ('' if cancelled); always ends in .bgm.json."""
        video = Path(self.state.video_path or "untitled")
        suggested = self.state.project_path or str(Path(self._folder()) / (video.stem + PROJECT_SUFFIX))
        path, _ = QFileDialog.getSaveFileName(self, "Save project", suggested, "Projects (*.bgm.json)")
        return path if not path or path.endswith(".json") else path + PROJECT_SUFFIX

    def _on_export(self, kind: str) -> None:
        name, suffix, pattern = EXPORTS[kind]
        video = Path(self.state.video_path or "music")
        folder = self.last_export_dir or self._folder()
        suggested = str(Path(folder) / (video.stem + ("-scored" if kind == "mp4" else "") + suffix))
        path, _ = QFileDialog.getSaveFileName(self, f"Export {name}", suggested, pattern)
        if path:
            self.export_to(kind, path)

    def _folder(self) -> str:
        """Where file dialogs start: the project's folder once it is saved, else the video's."""
        path = self.state.project_path or self.state.video_path
        return str(Path(path).parent) if path else str(Path.cwd())

    def dragEnterEvent(self, event) -> None:
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        files = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if files:
            event.acceptProposedAction()
            self.open_path(files[0])

    # -- music ------------------------------------------------------------------------------

    def generate(self, seed: int | None = None) -> None:
        """Score the whole video (unlocked shots of the current project, if there is one)."""
        analysis, project = self.state.analysis, self.state.project
        if analysis is None:
            return
        unlocked = _unlocked_shots(project)
        if project is not None and not unlocked:
            self.statusBar().showMessage("Every shot is locked: unlock one to generate it again", 8000)
            return
        if self.busy is None and project is not None and self._keeps_edits(unlocked):
            return
        if seed is None:
            seed = 0 if project is None else project.seed + sum(len(s.takes) for s in project.shots)
        self._run(
            "Generating",
            lambda p, c: prepare(jobs.generate(self.scorer.get(), analysis, seed, p, project), self.scorer.get()),
            lambda result: self._on_generated(result),
        )

    def _on_generated(self, project: Project) -> None:
        """Make the new music current (the first Generate too: it undoes to no music) and say, as
        `generate` prints, where the timing left its limits (in the status bar, and whole in its tooltip)."""
        self.state.apply(project, "Generate")
        from ..project.scoring import timing_notes  # torch is loaded by now: the music exists

        notes = [line.removeprefix("note: ") for line in timing_notes(project)]
        if notes:
            self.statusBar().showMessage("; ".join(notes), 20000)
        self.statusBar().setToolTip("\n".join(notes))  # whole, where the bar cuts a long message off

    def regenerate(self, k: int, overrides: ShotOverrides | None = None, new_chords: bool = False) -> None:
        """Re-sample shot k only (with these overrides, over new chords if asked); every note outside it stays."""
        project = self.state.project
        if project is None or not 0 <= k < len(project.shots) or self.busy is None and self._keeps_edits([k]):
            return
        overrides = overrides or replace(project.shots[k].overrides, locked=False)
        from ..project.scoring import chords_fixed  # torch is loaded by now: a project exists

        # another mood draws the shot's chords again in that mode (the closing bar keeps its home chord)
        new_chords = new_chords or (overrides.mode != project.shots[k].overrides.mode and not chords_fixed(project, k))
        task, edit = ("Drawing new chords for", "New chords for") if new_chords else ("Regenerating", "Regenerate")

        def work(p, c):
            return prepare(jobs.regenerate(self.scorer.get(), project, k, overrides, p, new_chords), self.scorer.get())

        self._run(f"{task} shot {k}", work, lambda result: self.state.apply(result, f"{edit} shot {k}"))

    def edit_cuts(self, label: str, edit: str, *args) -> None:
        """Apply a cut edit (see jobs.edit_cuts) and regenerate the shots it changed, as one undoable step."""
        project, analysis = self.state.project, self.state.analysis
        if project is None or analysis is None:
            return
        selected = self.state.selected
        if not self._run(
            label,
            lambda p, c: prepare(
                jobs.edit_cuts(self.scorer.get(), project, analysis, edit, args, p), self.scorer.get()
            ),
            lambda result: self._on_cuts_edited(result, label, shot_after_cut_edit(project, result, selected, edit)),
            on_failed=self._on_cut_edit_failed,
        ):
            self.timeline.refresh()  # refused while busy: a dragged cut line goes back

    def _on_cuts_edited(self, project: Project, label: str, selected: int) -> None:
        self.state.apply(project, label)
        self.state.select(selected)
        self._load_thumbnails([(s.start_s, s.end_s) for s in project.shots])

    def _on_cut_edit_failed(self, exc: BgmError) -> None:
        self.timeline.refresh()  # a dragged cut line goes back
        self.show_error(str(exc))

    def _on_generate(self) -> None:
        self.generate()

    def _on_regenerate_selected(self) -> None:
        if 0 <= self.state.selected:
            self.regenerate(self.state.selected, replace(self.shot_panel.overrides(), locked=False))

    def _on_notes_edited(self, removed, added, label: str) -> None:
        if self.busy is not None:  # its result would replace the edit
            self.timeline.refresh()  # the outline goes back
            self.show_error(f"{self.busy.label} is still running; edit the notes once it has finished")
            return
        self.state.apply(note_edits.apply_note_edit(self.state.document, removed, added), label)
        self.timeline.note_editor.select(added)

    def _keeps_edits(self, shots: list[int]) -> bool:
        """Whether to stop because these shots hold hand edits a new take would replace (asked)."""
        edited = note_edits.has_edits(self.state.document, shots)
        if not edited:
            return False
        names = ", ".join(str(k) for k in edited)
        answer = QMessageBox.question(
            self,
            "BGM Studio",
            f"Shot{'s' * (len(edited) > 1)} {names} {'hold' if len(edited) > 1 else 'holds'} notes you edited. "
            "Replace them with new music? (They stay among the takes.)",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer != QMessageBox.StandardButton.Yes

    def _on_lock_requested(self, k: int, locked: bool) -> None:
        project = self.state.document
        overrides = replace(project.shots[k].overrides, locked=locked)
        self.state.apply(with_overrides(project, k, overrides), f"{'Lock' if locked else 'Unlock'} shot {k}")

    def _on_take_requested(self, k: int, take: int) -> None:
        from ..project.scoring import select_take  # torch is loaded by now: a project exists

        project = self.state.document
        if take != project.shots[k].take:
            self.state.apply(select_take(project, k, take), f"Take {take + 1} of shot {k}")

    def _on_cut_moved(self, k: int, t_s: float) -> None:
        self.edit_cuts(f"Move cut {k}", "move_cut", k, t_s)

    def _on_import_cut_list(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import cut list", self._folder(), CUT_LIST_FILTER)
        if path:
            self.edit_cuts(f"Import cut list {Path(path).name}", "import_cut_list", path)

    def _on_midi_out(self) -> None:
        try:
            self.midi.switch(self.midi_action.isChecked())
        except BgmError as exc:
            self.midi_action.setChecked(False)
            self.show_error(str(exc))

    def _on_split(self) -> None:
        self.edit_cuts("Split shot", "split_shot", self.state.position_s)

    def _on_merge(self, k: int) -> None:
        if k >= 0:
            self.edit_cuts(f"Merge shots {k} and {k + 1}", "merge_shots", k)

    def _on_scorer_loaded(self, _scorer) -> None:
        gc.freeze()  # torch's objects too (see _keep_ui_thread_responsive): a full collection walked them, 130-470 ms
        self._update_auto_controls()

    def _on_scorer_failed(self, exc: BgmError) -> None:
        self.statusBar().showMessage(f"Generate is unavailable: {exc}", 15000)

    def _update_auto_controls(self) -> None:
        """Show the mapped energy and density of each shot beside its Auto boxes."""
        scorer, project = self.scorer.loaded, self.state.project
        self.shot_panel.set_auto({} if scorer is None or project is None else auto_controls(project, scorer))

    # -- playback ---------------------------------------------------------------------------

    def seek(self, t_s: float) -> None:
        self.sound.seek(t_s)

    def _step_beats(self, step: int) -> None:
        if self.state.analysis is not None:
            self.seek(step_from(beat_times(self.state), self.state.position_s, step))

    def _on_shuttle_back(self) -> None:
        self.seek(max(self.state.position_s - SHUTTLE_BACK_S, 0.0))
        self.sound.play()

    def _on_loop_toggled(self) -> None:
        self.sound.loop = self.loop_action.isChecked()

    def _select_step(self, step: int) -> None:
        project = self.state.project
        if project is None:
            return
        k = min(max(self.state.selected + step, 0), len(project.shots) - 1)
        self.state.select(k)
        self.seek(project.shots[k].start_s)

    # -- state ------------------------------------------------------------------------------

    def _on_project_changed(self, _project) -> None:
        self._update_auto_controls()
        self._update_actions()

    def _on_history_changed(self, _value) -> None:
        s = self.state
        undo, redo = s.undo_label(), s.redo_label()
        self.undo_action.setText(f"&Undo {undo}" if undo else "&Undo")
        self.redo_action.setText(f"&Redo {redo}" if redo else "&Redo")
        name = Path(s.project_path or s.video_path or "").name
        unsaved = s.dirty and s.project is not None  # undone to no music: nothing to save
        self.setWindowTitle(f"{name}{' •' if unsaved else ''} — BGM Studio" if name else "BGM Studio")
        if unsaved:
            self._autosave.start()
        self._update_actions()

    def _on_autosave(self) -> None:
        project = self.state.project
        if project is not None and self.state.dirty:
            self._run(
                "Autosave",
                lambda p, c: recovery.autosave(project),
                lambda _path: None,
                foreground=False,
                on_failed=lambda exc: self.statusBar().showMessage(f"Autosave failed: {exc}", 8000),
            )

    def _update_actions(self) -> None:
        s, idle = self.state, self.busy is None
        has_project = s.project is not None
        n_shots = len(s.project.shots) if s.project is not None else 0
        shot = 0 <= s.selected < n_shots
        enabled = {
            self.save_action: has_project and idle,
            self.save_as_action: has_project and idle,
            self.undo_action: idle and s.undo_label() is not None,
            self.redo_action: idle and s.redo_label() is not None,
            self.generate_action: idle and s.analysis is not None and (s.project is None or _unlocked_shots(s.project)),
            self.regenerate_action: idle and shot,
            self.split_action: idle and has_project and s.analysis is not None,
            self.import_cuts_action: idle and has_project and s.analysis is not None,
            self.merge_action: idle and shot and s.selected < n_shots - 1,
            self.open_action: idle,
            self.play_action: s.analysis is not None,
        }
        for action in self.export_actions.values():
            enabled[action] = idle and has_project
        for action, on in enabled.items():
            if action.isEnabled() != bool(on):  # an action's change updates its menu and tool bar
                action.setEnabled(bool(on))
        self.shot_panel.setEnabled(idle)
        self.sound_panel.set_busy(not idle)

    def close_keeping_recovery(self) -> None:
        """Close without asking (the system or Ctrl+C is ending the app): unsaved work stays recoverable."""
        self._keep_recovery = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        unsaved = self.state.dirty and self.state.project is not None
        if not self._keep_recovery and not self._confirm_discard_if_unsaved():
            event.ignore()
            return
        for task in list(self._tasks):
            task.cancel()
        self._autosave.stop()
        if unsaved and self._keep_recovery:
            recovery.keep(self.state.document)
        else:
            recovery.discard()
        self.preview.close_video()
        self.wait_idle()
        self.midi.close()
        self.sound.close()
        event.accept()

    def _confirm_discard_if_unsaved(self) -> bool:
        """Whether the open project may be replaced or closed: Save / Don't Save / Cancel when it has unsaved
        changes (Save writes it now, asking where when it was never saved; a failed save goes no further)."""
        if not (self.state.dirty and self.state.project is not None):
            return True
        name = Path(self.state.project_path or self.state.video_path or "untitled").name
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "BGM Studio",
            f"The project of {name} has unsaved changes. Save them first?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.button(QMessageBox.StandardButton.Discard).setText("Don't Save")
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        if answer == QMessageBox.StandardButton.Save:
            return self._save_now()
        return answer == QMessageBox.StandardButton.Discard

    def _save_now(self) -> bool:
        """Save on the UI thread (the user is waiting for it before going on); whether it was saved."""
        path = self.state.project_path or self._ask_project_path()
        if not path:
            return False
        try:
            save_project(self.state.document, path)
        except BgmError as exc:
            self.show_error(str(exc))
            return False
        self._on_saved(self.state.document, path)
        return True


def _unlocked_shots(project: Project | None) -> list[int]:
    """The shots Generate would change."""
    return [s.index for s in project.shots if not s.overrides.locked] if project is not None else []


def _scrolling(panel: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidget(panel)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    return area


def _keep_ui_thread_responsive() -> None:
    """Process settings for a UI thread that shares the GIL with busy workers (measured with the trained model).

    Workers hand the GIL over within 1 ms instead of Python's 5 ms: a paint calls back into Python
    many times and each call could wait that long while generation ran. And a full garbage collection
    runs on whichever thread allocates, often the UI thread, walking every object: with torch and Qt
    loaded it took 450 ms; freezing what exists at start-up keeps collections short.
    """
    sys.setswitchinterval(GIL_SWITCH_S)
    gc.freeze()
