"""First start: the splash shows before the heavy libraries load, and the window opens before torch,
PyAV, OpenCV, SciPy and the exporters load (they load when first used, the model in a background task)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

HEAVY = ("torch", "cv2", "av", "scipy", "pyloudnorm", "opentimelineio")


def _loaded_after(code: str) -> list[str]:
    """The HEAVY packages loaded once `code` ran in a fresh interpreter."""
    probe = f"import json, sys\n{code}\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return [name for name in json.loads(out.strip().splitlines()[-1]) if name in HEAVY]


def test_the_main_window_module_does_not_import_torch():
    # torch alone took 3-12 s of the first start, with the screen black
    assert "torch" not in _loaded_after("import bgm_studio.app.main_window")


def test_the_command_line_reaches_the_splash_without_heavy_libraries():
    # the parser read the device choices from the model package, which imported torch: 4 s before the splash
    code = "from bgm_studio.cli import build_parser\nbuild_parser().parse_args([])\nimport bgm_studio.app.widgets.theme"
    assert _loaded_after(code) == []


def test_the_window_opens_without_scipy_torch_pyav_opencv_or_the_exporters():
    # SciPy (through the ducking and loudness code of the exporters) took 2 s of the window's start;
    # PyAV and OpenCV, with the preview's frame decoder, 0.1-0.2 s more: they load with the first video
    assert _loaded_after("import bgm_studio.app.main_window") == []


def test_the_splash_is_on_screen_before_the_main_window_module_loads(tmp_path):
    """run_app as `bgm-studio` runs it; when the main window's module starts loading, the splash must be shown."""
    code = """
import os, sys
from importlib.abc import MetaPathFinder

class Stop(MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "bgm_studio.app.main_window":
            from PySide6.QtWidgets import QApplication
            shown = [w.windowHandle().isExposed() for w in QApplication.topLevelWidgets() if w.isVisible()]
            print("shown", shown, flush=True)
            os._exit(0)
        return None

sys.meta_path.insert(0, Stop())
from bgm_studio.cli import main
main([])
"""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "BGM_STATE": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120).stdout
    assert "shown [True]" in out  # one window, the splash, on screen
