"""A user's session in the real window, driven through X: `python -m benchmarks.app_walkthrough VIDEO [--size 1280x720]`.

Starts Xvfb at that size with openbox, runs the app (`run_app`, splash and all) and drives it
with xdotool's keys and mouse, as a person would: open the video through the file dialog,
Generate, click a shot, Regenerate, undo/redo, draw, delete, drag and louden notes, answer the
prompts (Regenerate over edits, Open over unsaved work), the mixer, loop a shot, J/K/L and the
arrows, save, reopen, export MP4. Each step checks the state it should leave; screenshots of
the screen go to --out. Exits 1 if a check failed. Needs Xvfb, openbox and xdotool (apt).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np

CHILD = "BGM_WALKTHROUGH_OUT"  # set in the driven process: where its screenshots go


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video")
    parser.add_argument("--size", default="1280x720", help="the screen, WIDTHxHEIGHT")
    parser.add_argument(
        "--out", default=None, help="folder for screenshots, the project and the MP4 (default: temporary)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.out or tmp)
        out.mkdir(parents=True, exist_ok=True)
        number = next(n for n in range(90 + os.getpid() % 50, 300) if not Path(f"/tmp/.X{n}-lock").exists())
        server = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", f"{args.size}x24", "-nolisten", "tcp"])
        time.sleep(1.0)
        env = {**os.environ, "DISPLAY": f":{number}"}
        manager = subprocess.Popen(["openbox"], env=env, stderr=subprocess.DEVNULL)
        time.sleep(1.0)
        try:
            env.update({"QT_QPA_PLATFORM": "xcb", "BGM_STATE": str(Path(tmp) / "state"), CHILD: str(out)})
            code = "from benchmarks.app_walkthrough import drive; raise SystemExit(drive())"
            return subprocess.run([sys.executable, "-c", code, str(Path(args.video).resolve())], env=env).returncode
        finally:
            for process in (manager, server):
                process.terminate()
                process.wait()


class Session:
    """X input and checks against the app's state; the steps are a generator run on the app's event loop."""

    def __init__(self, out: Path) -> None:
        self.out, self.t0, self.failed, self.shots = out, time.perf_counter(), [], 0

    def log(self, line: str) -> None:
        print(f"[{time.perf_counter() - self.t0:6.2f}] {line}", flush=True)

    def check(self, ok: bool, what: str) -> None:
        self.log(("ok   " if ok else "FAIL ") + what)
        if not ok:
            self.failed.append(what)

    def screenshot(self, name: str) -> None:
        from PySide6.QtWidgets import QApplication

        self.shots += 1
        QApplication.primaryScreen().grabWindow(0).save(str(self.out / f"{self.shots:02d}-{name}.png"))

    @staticmethod
    def x(*args) -> None:
        subprocess.run(["xdotool", *map(str, args)], check=True)

    def key(self, *keys: str) -> None:
        self.x("key", "--delay", "60", *keys)

    def type(self, text: str) -> None:
        self.key("ctrl+a")
        self.x("type", "--delay", "8", text)
        self.key("Return")

    def click(self, at, double: bool = False) -> None:
        self.x("mousemove", at.x(), at.y())
        time.sleep(0.05)
        self.x("click", "--repeat", 2 if double else 1, "--delay", 80, 1)


def at_widget(widget, fx: float = 0.5, fy: float = 0.5):
    from PySide6.QtCore import QPoint

    return widget.mapToGlobal(QPoint(int(widget.width() * fx), int(widget.height() * fy)))


def at_lane(plot, t_s: float, y: float):
    """The screen point of (time, y) in a timeline lane."""
    from PySide6.QtCore import QPointF

    view = plot.getViewWidget()
    return view.viewport().mapToGlobal(view.mapFromScene(plot.getViewBox().mapViewToScene(QPointF(t_s, y))))


def steps(s: Session, app, w, video: str):  # noqa: C901 (one user's session, step by step)
    """Yield a number (seconds to wait) or a callable (wait until it returns True) between actions."""
    state = w.state
    yield lambda: w.isVisible() and w.windowHandle().isExposed()
    yield 1.0
    s.log(
        f"window {w.width()}x{w.height()} on a {app.primaryScreen().size().toTuple()} screen, maximised {w.isMaximized()}"
    )
    s.key("ctrl+o")
    yield 1.0
    s.type(video)
    yield lambda: state.analysis is not None and w.busy is None
    yield 1.5
    s.check(state.video_path == video, f"Ctrl+O and the dialog opened {state.video_path}")
    s.screenshot("opened")
    s.key("ctrl+g")
    yield lambda: w.busy is None and state.project is not None
    yield 0.8
    s.check(w.last_error is None, f"Ctrl+G generated {len(state.project.notes())} notes")
    shot = state.project.shots[2]
    middle = (shot.start_s + shot.end_s) / 2
    s.click(at_lane(w.timeline.shot_plot, middle, 0.5))
    yield 0.5
    s.check(state.selected == 2, f"a click on shot 2 selects it (selected {state.selected})")
    before = state.project
    s.key("r")
    yield 0.3
    yield lambda: w.busy is None
    after = state.project
    s.check(
        after is not before and state.selected == 2 and w.last_error is None, "R regenerated shot 2, still selected"
    )
    s.screenshot("regenerated")
    s.key("ctrl+z")
    yield 0.5
    s.check(state.project is before, "Ctrl+Z brings back its previous music")
    s.key("ctrl+shift+z")
    yield 0.5
    s.check(state.project is after, "Ctrl+Shift+Z the new one")

    roll, editor = w.timeline.roll_plot, w.timeline.note_editor
    (_t0, _t1), (low, high) = roll.getViewBox().viewRange()
    notes = state.project.notes()
    n = len(notes)
    starts, ends = editor.seconds_at(notes[:, 0]), editor.seconds_at(notes[:, 0] + notes[:, 2])
    near = {int(p) for p, a, b in zip(notes[:, 1], starts, ends) if a - 0.5 < middle < b + 0.5}
    free = next(p for p in range(int(high) - 2, int(low) + 2, -1) if not near & {p - 1, p, p + 1})
    s.click(at_lane(roll, middle, free), double=True)  # a row with no note sounding near the click
    yield 0.6
    s.check(len(state.project.notes()) == n + 1, "a double-click on the roll draws a note")
    s.key("Delete")
    yield 0.5
    s.check(len(state.project.notes()) == n, "Delete removes it")
    s.key("ctrl+z")
    yield 0.5
    s.check(len(state.project.notes()) == n + 1, "Ctrl+Z brings it back")
    shot3 = state.project.shots[3]
    notes = state.project.notes()
    starts, ends = editor.seconds_at(notes[:, 0]), editor.seconds_at(notes[:, 0] + notes[:, 2])
    movable = [
        i
        for i in range(len(notes))
        if shot3.start_s < starts[i]
        and ends[i] < shot3.end_s
        and ends[i] - starts[i] > 0.3
        and low + 3 < notes[i, 1] < high - 3
    ]
    s.check(bool(movable), f"shot 3 has a note to drag ({len(movable)})")
    row = notes[movable[0]].copy()
    grab_s = starts[movable[0]] + 0.35 * (ends[movable[0]] - starts[movable[0]])
    for semitones in (1, 2):  # a nudge of one row (5 px at 1280x720), then two more
        start, end = at_lane(roll, grab_s, row[1]), at_lane(roll, grab_s, row[1] + semitones)
        s.x("mousemove", start.x(), start.y())
        yield 0.05
        s.x("mousedown", 1)
        yield 0.05
        for f in (0.25, 0.5, 0.75, 1.0):  # a hand's drag, each move on the event loop in turn
            s.x("mousemove", start.x(), int(start.y() + f * (end.y() - start.y())))
            yield 0.05
        s.x("mouseup", 1)
        yield 0.6
        moved = row + [0, semitones, 0, 0, 0]
        s.check(
            moved.tolist() in state.project.notes().tolist(), f"dragging a note moves it up {semitones} semitone(s)"
        )
        row = moved
    selected = editor.selected.copy()
    s.key("ctrl+Up")
    yield 0.5
    s.check(len(selected) > 0 and bool((editor.selected[:, 3] > selected[:, 3]).all()), "Ctrl+Up makes it louder")
    s.screenshot("notes-edited")
    s.click(at_lane(w.timeline.shot_plot, (shot3.start_s + shot3.end_s) / 2, 0.5))
    yield 0.4
    edited = state.project
    s.key("r")
    yield 0.8
    box = app.activeModalWidget()
    s.screenshot("regenerate-prompt")
    s.key("Escape")
    yield 0.6
    s.check(
        type(box).__name__ == "QMessageBox" and state.project is edited,
        "R on an edited shot asks; Escape keeps the edits",
    )
    s.key("ctrl+o")
    yield 0.8
    s.type(video)
    yield 0.8
    box = app.activeModalWidget()
    buttons = sorted(b.text() for b in box.buttons()) if hasattr(box, "buttons") else []
    s.key("Escape")
    yield 0.6
    s.check(
        buttons == ["Cancel", "Don't Save", "Save"] and state.project is edited,
        "Open over unsaved work asks Save / Don't Save / Cancel",
    )

    mixer = w.mixer
    s.click(at_widget(mixer.music_mute))
    yield 0.4
    s.check(mixer.music_mute.isChecked() and state.sound.music_muted, "M mutes the music")
    s.click(at_widget(mixer.music_mute))
    yield 0.3
    level = mixer.music.value()
    s.click(at_widget(mixer.music, 0.2))
    yield 0.4
    s.check(mixer.music.value() < level, f"a click on the music fader lowers it ({level} -> {mixer.music.value()} dB)")
    s.click(at_widget(mixer.video))
    yield 0.4
    s.screenshot("mixer")

    s.click(at_lane(w.timeline.shot_plot, middle, 0.5))
    yield 0.3
    s.key("ctrl+l")
    yield 0.2
    s.key("l")
    yield shot.end_s - shot.start_s + 1.5
    s.check(
        w.sound.playback.playing and shot.start_s - 0.05 <= state.position_s <= shot.end_s + 0.05,
        f"Ctrl+L, L: loops shot 2 ({state.position_s:.2f} s in [{shot.start_s:.2f}, {shot.end_s:.2f}])",
    )
    s.key("k")
    yield 0.3
    s.check(not w.sound.playback.playing, "K stops")
    s.key("ctrl+l")
    yield 0.2
    was = state.position_s
    s.key("j")
    yield 0.6
    s.check(w.sound.playback.playing and state.position_s < was, "J shuttles back, playing")
    s.key("k")
    yield 0.3
    was = state.position_s
    s.key("Right")
    yield 0.3
    s.check(state.position_s > was, "Right steps a beat")

    project = str(s.out / "walkthrough.bgm.json")
    yield from _through_dialog(s, w, "ctrl+s", project)
    yield 0.5
    s.check(Path(project).is_file() and not state.dirty, "Ctrl+S saves (a new file)")
    saved = state.project
    yield from _through_dialog(s, w, "ctrl+o", project)
    yield 1.0
    s.check(
        state.project is not saved
        and np.array_equal(state.project.notes(), saved.notes())
        and state.project_path == project,
        "reopened, the same notes",
    )
    mp4 = str(s.out / "walkthrough.mp4")
    yield from _through_dialog(s, w, "ctrl+e", mp4)
    s.check(Path(mp4).is_file() and w.last_error is None, "Ctrl+E exports the MP4")
    s.screenshot("end")
    state.dirty = False
    w.close()


def _through_dialog(s, w, key: str, path: str):
    """Press the key that opens a file dialog, type the path into it, and wait for the work it starts."""
    s.key(key)
    yield 1.0
    s.type(path)
    yield 0.5
    yield lambda: w.busy is None


def drive() -> int:
    """In the process under X: run the app, with the steps on a 50 ms timer of its event loop."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from bgm_studio.app import run_app
    from bgm_studio.app.main_window import MainWindow

    session, video = Session(Path(os.environ[CHILD])), sys.argv[1]
    app = QApplication(sys.argv[:1])
    run: list = []  # [the steps, what they wait for]

    def advance() -> None:
        windows = [t for t in app.topLevelWidgets() if isinstance(t, MainWindow)]
        if not windows:
            return
        if not run:
            run.extend([steps(session, app, windows[0], video), 0.0])
        wait = run[1]
        if (callable(wait) and not wait()) or (not callable(wait) and time.perf_counter() < wait):
            return
        try:
            after = next(run[0])
        except StopIteration:
            timer.stop()
            return
        except Exception:  # a step that broke: the session ends with it
            traceback.print_exc()
            session.failed.append("a step raised")
            app.quit()
            return
        run[1] = after if callable(after) else time.perf_counter() + after

    timer = QTimer(interval=50)
    timer.timeout.connect(advance)
    timer.start()
    run_app(None)
    session.log(f"{len(session.failed)} failed: {session.failed}" if session.failed else "all checks held")
    return 1 if session.failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
