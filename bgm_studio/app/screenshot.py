"""Take a screenshot of the main window with a scored clip: `python -m bgm_studio.app.screenshot VIDEO OUT.png`.

installer/screenshot.sh runs it under Xvfb for the README. It uses the trained model
($BGM_MODEL or models/bgm-diffusion.pt) and falls back to a tiny untrained one, so the
picture can be made before a model is trained (the notes are then random). Xvfb has no sound
card, so playback goes to a silent CaptureOutput: the window looks as it does on a desktop
with sound, not with its "playback off" notice.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QEventLoop, Qt
from PySide6.QtWidgets import QApplication

from ..audio.output import CaptureOutput
from ..errors import BgmError
from ..model.checkpoint import resolve_checkpoint
from . import jobs
from .main_window import MainWindow
from .widgets.theme import apply_dark_theme


def _model(path: str | None, folder: str) -> str:
    chosen = resolve_checkpoint(path)
    if chosen.is_file():
        return str(chosen)
    from ..model.checkpoint import save_model
    from ..model.denoiser import Denoiser, ModelConfig

    print(f"warning: {chosen} not found; using a tiny untrained model (random notes)", file=sys.stderr)
    tiny = Path(folder) / "tiny.pt"
    save_model(Denoiser(ModelConfig(dim=32, depth=1, heads=2, mlp_ratio=2)), tiny)
    return str(tiny)


def _silent_player(sound):
    return jobs.open_player(sound, lambda: CaptureOutput(record=False))


def _wait(app: QApplication, done, timeout_s: float = 600.0) -> None:
    end = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > end:
            raise BgmError("timed out waiting for the app")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def take(video: str, out: str, model: str | None = None, shot: int = 1, size: tuple[int, int] = (1440, 900)) -> None:
    """Open `video`, generate, select a shot, put the playhead inside it and save the window as PNG."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    apply_dark_theme(app)
    with tempfile.TemporaryDirectory() as folder:
        window = MainWindow(model_path=_model(model, folder), player_factory=_silent_player)
        window.setWindowState(Qt.WindowState.WindowNoState)  # the size asked for, not the screen's
        window.resize(*size)
        window.show()
        window.open_path(video)
        _wait(app, lambda: window.busy is None)
        window.generate()
        _wait(app, lambda: window.busy is None and window.state.project is not None)
        if window.last_error:
            raise BgmError(window.last_error)
        project = window.state.document
        k = min(shot, len(project.shots) - 1)
        window.state.select(k)
        window.seek(project.shots[k].start_s + 0.4 * (project.shots[k].end_s - project.shots[k].start_s))
        _wait(app, lambda: window.preview.frame_time_s is not None and window.pool.activeThreadCount() == 0)
        end = time.monotonic() + 1.0
        while time.monotonic() < end:  # let thumbnails and the frame paint
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(out):
            raise BgmError(f"{out}: could not write the screenshot")
        window.state.dirty = False
        window.close()
    print(f"wrote {out}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video")
    parser.add_argument("out")
    parser.add_argument("--model", help="checkpoint (default $BGM_MODEL or models/bgm-diffusion.pt)")
    parser.add_argument("--shot", type=int, default=1, help="shot to select")
    args = parser.parse_args(argv)
    try:
        take(args.video, args.out, args.model, args.shot)
    except BgmError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
