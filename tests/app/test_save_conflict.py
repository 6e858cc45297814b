"""The app never saves over a project file another program changed since the app read or saved it."""

from __future__ import annotations

import json
import shutil

from bgm_studio.cli import main
from tests.app.helpers import open_and_generate, wait_task


def test_saving_over_a_project_a_command_changed_meanwhile_is_refused(qtbot, make_window, clip, tiny_model, tmp_path):
    video = tmp_path / "mine.mp4"
    shutil.copy(clip, video)
    window = make_window()
    open_and_generate(qtbot, window, str(video))
    saved = tmp_path / "mine.bgm.json"
    window.save_to(str(saved))
    wait_task(qtbot, window)
    assert window.last_error is None
    assert main(["regenerate", str(saved), "--shot", "0", "--seed", "77", "--model", str(tiny_model)]) == 0
    theirs = saved.read_text()
    window.save_to(str(saved))
    wait_task(qtbot, window)
    assert "changed by another program" in window.last_error and "\n" not in window.last_error
    assert saved.read_text() == theirs and 77 in [t["seed"] for t in json.loads(theirs)["shots"][0]["takes"]]
    window.save_to(str(tmp_path / "other.bgm.json"))  # saving under another name still works
    wait_task(qtbot, window)
    assert (tmp_path / "other.bgm.json").is_file()
