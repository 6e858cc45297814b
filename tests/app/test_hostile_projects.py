"""The app's project loader: a hostile project is one line in a message box (never a hang or a traceback),
and a project written by an older BGM Studio opens."""

from __future__ import annotations

import json
import os

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.app.helpers import open_and_generate, wait_task
from tests.robustness.test_battery_more import older


def _boxes() -> list[str]:
    return [w.text() for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


@pytest.fixture(scope="module")
def saved_project(tmp_path_factory):
    return tmp_path_factory.mktemp("hostile") / "p.bgm.json"


@pytest.fixture
def project_file(qtbot, make_window, clip, saved_project):
    """A project the app scored for the clip, saved once per module."""
    if not saved_project.exists():
        window = make_window()
        open_and_generate(qtbot, window, clip)
        window.save_to(str(saved_project))
        wait_task(qtbot, window)
    return saved_project


def _five_thousand_digits(p):
    p.write_text(p.read_text().replace('"seed": ', '"seed": ' + "9" * 5000 + ', "x": ', 1))


def _nul_in_video_path(p):
    data = json.loads(p.read_text())
    data["video"]["path"] += "\0"
    p.write_text(json.dumps(data))


def _beats_misfit(p):
    data = json.loads(p.read_text())
    data["shots"][0]["tempo_bpm"] = 10.0
    p.write_text(json.dumps(data))


def _fifo(p):
    p.unlink()
    os.mkfifo(p)


@pytest.mark.parametrize(
    "spoil, words",
    [
        (_fifo, "FIFO"),
        (_five_thousand_digits, "digits"),
        (_nul_in_video_path, "cannot be a file name"),
        (_beats_misfit, "beats at their tempi"),
    ],
    ids=["a FIFO", "a 5000-digit number", "a NUL in the video's path", "beats that do not fit the video"],
)
def test_a_hostile_project_is_one_line_in_a_message_box(qtbot, make_window, project_file, tmp_path, spoil, words):
    path = tmp_path / "bad.bgm.json"
    path.write_bytes(project_file.read_bytes())
    spoil(path)
    window = make_window()
    window.open_path(str(path))
    wait_task(qtbot, window, timeout=30000)
    message = window.last_error
    assert message and words in message and "\n" not in message and "Traceback" not in message
    assert message in _boxes() and window.state.project is None


@pytest.mark.parametrize("version", [1, 2, 3, 4])
def test_a_project_written_by_an_older_version_opens(qtbot, make_window, project_file, tmp_path, version):
    data = json.loads(project_file.read_text())
    older(version)(data)
    path = tmp_path / "old.bgm.json"
    path.write_text(json.dumps(data))
    window = make_window()
    window.open_path(str(path))
    wait_task(qtbot, window)
    assert window.last_error is None and window.state.project is not None
    assert (window.state.project.notes() == json.loads(project_file.read_text())["notes"]).all()


def test_closing_with_bgm_state_naming_a_file(qtbot, make_window, clip, tmp_path, monkeypatch, capsys):
    """The recovery file cannot be written or removed: the window still closes, with no traceback."""
    (tmp_path / "f").write_text("a file")
    monkeypatch.setenv("BGM_STATE", str(tmp_path / "f"))
    window = make_window()
    open_and_generate(qtbot, window, clip)
    window.close_keeping_recovery()  # the system ends the app with unsaved work: autosave, then close
    assert not window.isVisible() and (tmp_path / "f").read_text() == "a file"
    assert "warning: unsaved work not kept" in capsys.readouterr().err
    plain = make_window()
    plain.close()  # a clean close removes the recovery file
    assert not plain.isVisible()
