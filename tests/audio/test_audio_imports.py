"""audio/ and export/ stay Qt-free, so the CLI and tests run without a display."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_audio_and_export_do_not_import_qt():
    code = "import sys, bgm_studio.audio, bgm_studio.export; print(sorted(m for m in sys.modules if 'PySide' in m or 'Qt' in m))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.stdout.strip() == "[]"


def test_importing_audio_prints_nothing_even_on_ci():
    """pyfluidsynth announces the library it found when $CI is set; that must not reach our output."""
    result = subprocess.run(
        [sys.executable, "-c", "import bgm_studio.audio"],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "CI": "1"},
    )
    assert result.stdout == "" and result.stderr == ""
