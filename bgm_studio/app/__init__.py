"""The desktop app (the only package that imports PySide6): `run_app` opens the main window."""

from __future__ import annotations

import os
import signal
import sys

from ..errors import BgmError


def _check_display() -> None:
    """Refuse early, with a message, where Qt would abort for want of a display."""
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM")
    ):
        raise BgmError(
            "no display to open the window on (DISPLAY is not set); the command-line "
            "subcommands work without one, see `bgm-studio --help`"
        )


def run_app(path: str | None = None, model_path: str | None = None) -> int:
    """Open the main window (with a video or project loaded) and run until it closes."""
    _check_display()
    from PySide6.QtWidgets import QApplication

    from .widgets.theme import apply_dark_theme, splash_screen

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("BGM Studio")
    apply_dark_theme(app)
    splash = splash_screen()
    _show_at_once(app, splash)
    from .main_window import MainWindow  # imports torch: a few seconds on a cold start, behind the splash

    window = MainWindow(model_path=model_path)
    _close_on_signals(window)
    window.show()
    splash.close()
    if path:
        window.open_path(path)
    else:
        window.offer_recovery()
    return app.exec()


def _show_at_once(app, splash, wait_s: float = 0.5) -> None:
    """Show the splash and let it paint before the slow imports block the event loop.

    One processEvents() is not enough under a window manager: the window is mapped later, so the
    screen stayed black until the main window came. Events are processed until it is exposed.
    """
    import time

    splash.show()
    splash.raise_()
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline and not (splash.windowHandle() and splash.windowHandle().isExposed()):
        app.processEvents()
        time.sleep(0.005)
    splash.repaint()
    app.processEvents()


def _close_on_signals(window) -> None:
    """Ctrl+C or SIGTERM close the window cleanly (tasks stopped, unsaved work kept for recovery)."""
    from PySide6.QtCore import QTimer

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_args: window.close_keeping_recovery())
    wake = QTimer(window, interval=200)  # Python runs signal handlers only between bytecodes: tick now and then
    wake.timeout.connect(lambda: None)
    wake.start()
