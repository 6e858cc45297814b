"""First start: the window opens before torch loads (the model loads in a background task)."""

from __future__ import annotations

import subprocess
import sys


def test_the_main_window_module_does_not_import_torch():
    code = "import sys, bgm_studio.app.main_window; print(sorted(m for m in sys.modules if m.split('.')[0] == 'torch'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"  # torch alone took 3-12 s of the first start, with the screen black
