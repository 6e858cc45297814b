"""The app's own files in $BGM_STATE (the recent list, the recovery file) when they are not what they
should be: a FIFO, a device, JSON nested deep, or $BGM_STATE naming a file. None may stall or break the app."""

from __future__ import annotations

import os

import pytest

from bgm_studio.app import recovery
from bgm_studio.app.recent import add_recent, load_recent
from tests.robustness.helpers import alarm


@pytest.fixture
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("BGM_STATE", str(tmp_path / "state"))
    (tmp_path / "state").mkdir()
    with alarm(20):
        yield tmp_path / "state"


@pytest.mark.parametrize(
    "make",
    [
        os.mkfifo,
        lambda p: p.symlink_to("/dev/zero"),
        lambda p: p.write_text("[" * 100_000 + "]" * 100_000),
        lambda p: p.mkdir(),
    ],
    ids=["a FIFO", "a link to /dev/zero", "nested 100,000 deep", "a folder"],
)
def test_a_recent_list_that_is_not_one_reads_as_empty(state, tmp_path, make):
    make(state / "recent.json")
    assert load_recent() == []
    video = tmp_path / "v.mp4"
    video.write_bytes(b"x")
    assert add_recent(str(video)) == [str(video)]  # and adding to it costs nothing but the list


def test_bgm_state_naming_a_file_costs_only_the_recovery(tmp_path, monkeypatch, capsys):
    from bgm_studio.project.state import load_project
    from tests.robustness.test_note_edit_properties import FIXTURE

    (tmp_path / "f").write_text("a file")
    monkeypatch.setenv("BGM_STATE", str(tmp_path / "f"))
    recovery.discard()
    recovery.keep(load_project(FIXTURE))
    err = capsys.readouterr().err.strip()
    assert err.startswith("warning: unsaved work not kept for recovery") and "\n" not in err
    assert recovery.pending_recovery() is None and (tmp_path / "f").read_text() == "a file"
