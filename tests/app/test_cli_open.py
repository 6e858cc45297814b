"""`bgm-studio` with no arguments opens the app; `bgm-studio open PATH` opens it with a file."""

from __future__ import annotations

import subprocess
import sys

import bgm_studio.app as app
from bgm_studio.cli import main


def test_no_arguments_and_open_start_the_app(monkeypatch):
    calls = []
    monkeypatch.setattr(app, "run_app", lambda path=None, model=None: calls.append((path, model)) or 0)
    assert main([]) == 0
    assert main(["open"]) == 0  # as its help says: no argument, the app alone
    assert main(["open", "clip.mp4"]) == 0
    assert main(["open", "song.bgm.json", "--model", "m.pt"]) == 0
    assert calls == [(None, None), (None, None), ("clip.mp4", None), ("song.bgm.json", "m.pt")]


def test_without_a_display_the_app_says_so_and_other_commands_still_work(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    code = "import sys; from bgm_studio.cli import main; sys.exit(main(sys.argv[1:]))"
    opened = subprocess.run([sys.executable, "-c", code, "open", "x.mp4"], env=env, capture_output=True, text=True)
    assert opened.returncode == 2 and opened.stderr.startswith("error: no display") and "Traceback" not in opened.stderr
    helped = subprocess.run([sys.executable, "-c", code, "--help"], env=env, capture_output=True, text=True)
    assert helped.returncode == 0 and "open" in helped.stdout
