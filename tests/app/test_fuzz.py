"""Random sequences of an editor's actions: no action loses work, and a saved project reloads to the same state.

200 actions drawn from open, generate, regenerate, undo, redo, split, merge, lock, take, note edits
(delete, move, resize, velocity, draw), save and reopen, with the questions they raise answered at
random. After every save the file is reloaded and compared with what the window holds; after every
reopen the window holds what was saved (or, after Save in the question, what it held before).
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from bgm_studio.app import note_edits
from bgm_studio.project.state import Project, load_project
from tests.app.helpers import answer_next_dialog, wait_task

ACTIONS = 200


def snapshot(project: Project) -> tuple:
    """Everything a user could lose: cuts, takes and their notes and chords, overrides, the piece's chords."""
    return (
        tuple(
            (
                s.start_s,
                s.end_s,
                s.take,
                s.overrides,
                s.theme,
                tuple(
                    (t.seed, t.overrides, t.edited, t.notes.tobytes(), t.chord_root.tobytes(), t.chord_pcs.tobytes())
                    for t in s.takes
                ),
            )
            for s in project.shots
        ),
        project.chord_root.tobytes(),
        project.chord_pcs.tobytes(),
        project.notes().tobytes(),
    )


def _close_error_boxes() -> None:
    for w in QApplication.topLevelWidgets():
        if isinstance(w, QMessageBox) and w.isVisible():
            w.close()


class Fuzzer:
    def __init__(self, qtbot, window, clip: str, saved: str, rng: random.Random) -> None:
        self.qtbot, self.window, self.clip, self.saved, self.rng = qtbot, window, clip, saved, rng
        self.state = window.state
        self.on_disk: tuple | None = None  # snapshot of what `saved` holds
        self.log: list[str] = []

    def run(self, n: int) -> None:
        for _ in range(n):
            actions = (
                [self.open_video, self.generate]
                if self.state.project is None
                else [
                    self.generate,
                    self.regenerate,
                    self.regenerate,
                    self.undo,
                    self.undo,
                    self.redo,
                    self.split,
                    self.merge,
                    self.lock,
                    self.take,
                    self.edit_notes,
                    self.edit_notes,
                    self.edit_notes,
                    self.save,
                    self.reopen,
                ]
            )
            action = self.rng.choice(actions)
            self.log.append(action.__name__)
            action()
            wait_task(self.qtbot, self.window)
            _close_error_boxes()

    def _answer_edits(self, shots: list[int]) -> None:
        if self.state.project is not None and note_edits.has_edits(self.state.project, shots):
            answer_next_dialog(self.rng.choice([QMessageBox.Yes, QMessageBox.Cancel]))

    def open_video(self) -> None:
        self.window.open_path(self.clip)

    def generate(self) -> None:
        p = self.state.project
        self._answer_edits([s.index for s in p.shots if not s.overrides.locked] if p else [])
        self.window.generate()

    def regenerate(self) -> None:
        k = self.rng.randrange(len(self.state.project.shots))
        if self.state.project.shots[k].overrides.locked:
            return
        self._answer_edits([k])
        self.state.select(k)
        self.window.regenerate(k)

    def undo(self) -> None:
        self.window.undo_action.trigger()

    def redo(self) -> None:
        self.window.redo_action.trigger()

    def split(self) -> None:
        self.window.seek(self.rng.uniform(0.0, self.state.duration_s))
        self.window.split_action.trigger()

    def merge(self) -> None:
        self.state.select(self.rng.randrange(len(self.state.project.shots)))
        self.window.merge_action.trigger()

    def lock(self) -> None:
        k = self.rng.randrange(len(self.state.project.shots))
        self.state.select(k)
        self.window.shot_panel.lock.setChecked(not self.window.shot_panel.lock.isChecked())

    def take(self) -> None:
        k = self.rng.randrange(len(self.state.project.shots))
        self.state.select(k)
        panel = self.window.shot_panel
        if panel.takes.count():
            panel.takes.itemClicked.emit(panel.takes.item(self.rng.randrange(panel.takes.count())))

    def edit_notes(self) -> None:
        editor, notes = self.window.timeline.note_editor, self.state.project.notes()
        kind = self.rng.choice(["delete", "move", "resize", "louder", "draw"])
        if kind == "draw" or not len(notes):
            t = self.rng.uniform(0.0, self.state.duration_s * 0.99)
            editor.edited.emit(
                np.zeros((0, 5), np.int64),
                note_edits.drawn(self.state.project, int(editor.step_at(t)), self.rng.randrange(40, 90)),
                "Draw note",
            )
            return
        editor.select(notes[self.rng.sample(range(len(notes)), min(3, len(notes)))])
        if kind == "delete":
            self.window.note_actions[0].trigger()
        elif kind == "louder":
            self.window.note_actions[1].trigger()
        else:
            rows, p = editor.selected, self.state.project
            new = (
                note_edits.moved(p, rows, self.rng.randint(-4, 4), self.rng.randint(-3, 3))
                if kind == "move"
                else note_edits.resized(p, rows, self.rng.randint(-2, 4))
            )
            editor.edited.emit(rows, new, "Move notes")

    def save(self) -> None:
        self.window.save_to(self.saved)
        wait_task(self.qtbot, self.window)
        assert not self.state.dirty
        self.on_disk = snapshot(self.state.project)
        assert snapshot(load_project(self.saved)) == self.on_disk

    def reopen(self) -> None:
        if self.on_disk is None:
            return
        held, dirty = snapshot(self.state.project), self.state.dirty
        answer = self.rng.choice([QMessageBox.Save, QMessageBox.Discard, QMessageBox.Cancel])
        if dirty:
            answer_next_dialog(answer)
        self.window.open_path(self.saved)
        wait_task(self.qtbot, self.window)
        if dirty and answer == QMessageBox.Cancel:
            assert snapshot(self.state.project) == held and self.state.dirty  # nothing lost
            return
        if dirty and answer == QMessageBox.Save:
            self.on_disk = held  # saved first, then reopened
        assert snapshot(self.state.project) == self.on_disk and not self.state.dirty


@pytest.mark.parametrize("seed", [1, 2])  # seeds 1-4 pass; two keep the suite short
def test_random_action_sequences_lose_nothing_and_saved_projects_reload_the_same(
    qtbot, make_window, clip, tmp_path, monkeypatch, seed
):
    saved = str(tmp_path / "fuzz.bgm.json")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (saved, ""))
    window = make_window()
    fuzz = Fuzzer(qtbot, window, clip, saved, random.Random(seed))
    try:
        fuzz.run(ACTIONS)
        if window.state.project is not None:
            fuzz.save()
    except AssertionError:
        print("actions:", " ".join(fuzz.log))
        raise
    assert window.last_error is None or "\n" not in window.last_error
    assert len(set(fuzz.log)) >= 12 and min(fuzz.log.count("save"), fuzz.log.count("reopen")) >= 5  # a real mix
