"""The app says what `generate` prints: shots too short for the tempo limit (issue 14: never miss silently)."""

import pytest

from tests.app.helpers import wait_task
from tests.video_clips import ShotSpec, make_clip


@pytest.fixture(scope="module")
def montage(tmp_path_factory) -> str:
    """Shots of 2.4, 0.8, 1.2, 1.0 and 2.4 s: no piece tempo gives them all whole beats within 8%."""
    path = tmp_path_factory.mktemp("montage") / "montage.mp4"
    looks = [dict(hue=30), dict(hue=210, brightness=0.3), dict(hue=120), dict(hue=300, look="texture"), dict(hue=60)]
    make_clip(path, [ShotSpec(d, **look) for d, look in zip((2.4, 0.8, 1.2, 1.0, 2.4), looks)])
    return str(path)


def test_generate_shows_the_shots_pushed_past_the_tempo_limit(qtbot, make_window, montage):
    window = make_window()
    window.open_path(montage)
    wait_task(qtbot, window)
    window.generate()
    wait_task(qtbot, window)
    project = window.state.project
    pushed = [s.index for s in project.shots if abs(s.tempo_bpm / project.tempo_bpm - 1) > 0.08 + 1e-9]
    assert pushed
    message = window.statusBar().currentMessage()
    which = f"shots {', '.join(map(str, pushed))} are" if len(pushed) > 1 else f"shot {pushed[0]} is"
    assert f"{which} too short for whole beats within 8%" in message


def test_the_status_bar_tooltip_holds_every_timing_note_whole(qtbot, make_window, montage):
    """Three notes did not fit the status bar of a 1440-pixel window (a 40-s montage): the last was cut
    off mid-sentence. Its tooltip now holds each note on a line of its own."""
    from bgm_studio.project.scoring import timing_notes

    window = make_window()
    window.open_path(montage)
    wait_task(qtbot, window)
    window.generate()
    wait_task(qtbot, window)
    lines = [line.removeprefix("note: ") for line in timing_notes(window.state.project)]
    assert lines and window.statusBar().toolTip().split("\n") == lines
