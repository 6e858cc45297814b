"""How soon the app shows its splash and its window on a start: `python -m benchmarks.app_startup`.

Runs `bgm-studio` (cli.main with no command: the desktop app) in a fresh process a few times,
timing from the process's spawn to the splash being shown and to the main window being shown
and painted. The baseline, measured in the same run, is a process that imports Qt and shows an
empty window: what any Qt app pays. Targets (issue 16): the splash at once (under 1 s here), the
window within 2 s. Qt's platform is $QT_QPA_PLATFORM (offscreen unless set; use Xvfb's display
with QT_QPA_PLATFORM=xcb for a real X server).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

from benchmarks.audio_common import hardware

SPLASH_TARGET_S = 1.0
WINDOW_TARGET_S = 2.0

# In the child: stamp the splash's and the window's show (then the window's first paint) and exit at once.
_APP = """
import os, sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
from bgm_studio.app.widgets.theme import Splash

def stamp(name):
    print(name, time.time(), flush=True)

def splash_show(self, show=Splash.show):
    show(self)
    stamp("splash")

def window_show(self, show=QMainWindow.show):
    show(self)
    deadline = time.monotonic() + 5.0  # under a window manager the window is mapped, then exposed, a moment later
    while not (self.windowHandle() and self.windowHandle().isExposed()) and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.002)
    QApplication.processEvents()  # its first paint
    stamp("window")
    os._exit(0)

Splash.show, QMainWindow.show = splash_show, window_show
from bgm_studio.cli import main
main([])
"""
_BARE = """
import time
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.resize(1280, 720)
window.show()
app.processEvents()
print("window", time.time(), flush=True)
"""


def _run(code: str, state: str) -> dict[str, float]:
    """Seconds from spawn to each stamp the child prints (its recovery file and recent list in `state`)."""
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"), "BGM_STATE": state}
    t0 = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120, check=True
    ).stdout
    stamps = dict(line.split() for line in out.splitlines() if line.split()[0] in ("splash", "window"))
    return {name: float(t) - t0 for name, t in stamps.items()}


def _spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.2f} s (min {min(values):.2f}, max {max(values):.2f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(hardware())
    state = tempfile.mkdtemp(prefix="bgm-startup-")
    _run(_APP, state)  # warm the disk cache: a first start after install reads every library from disk
    bare, splash, window = [], [], []
    for _ in range(args.runs):
        bare.append(_run(_BARE, state)["window"])
        app = _run(_APP, state)
        splash.append(app["splash"])
        window.append(app["window"])
    print(f"bare Qt window (baseline): {_spread(bare)}")
    print(f"splash shown: {_spread(splash)} = {statistics.median(splash) / statistics.median(bare):.1f}x the baseline")
    print(f"window shown: {_spread(window)} = {statistics.median(window) / statistics.median(bare):.1f}x the baseline")
    ok = statistics.median(splash) < SPLASH_TARGET_S and statistics.median(window) < WINDOW_TARGET_S
    print(f"targets: splash < {SPLASH_TARGET_S:g} s, window < {WINDOW_TARGET_S:g} s: {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
