"""The UI thread never blocks: a 10 ms timer keeps firing while files open, music generates and exports.

Each gap between ticks is split into the UI thread's own CPU time (work done on the event
loop) and the rest (waiting for the GIL or for a core). The first must stay under 150 ms
always; the whole gap under 400 ms, unless other processes overload the machine: bounds that
catch a UI thread doing the work itself (seconds), not the target. The issue's target, 50 ms, is
measured by benchmarks/app_stall.py: since the window reads new music in the task that made it
(app.project_view), generating a 3-minute video costs the UI thread at most 12-46 ms at a time in 10
of 11 runs (one run: 182 ms, not yet explained) and the longest gap was 29-92 ms on 2 cores at load 2-8
(the idle loop's own gaps: 13-63 ms), under 50 ms in 4 of those runs: not met reliably.
"""

from __future__ import annotations

import os
import time

import pytest

from PySide6.QtCore import QTimer

from tests.app.helpers import wait_task
from tests.app.test_playback import capture_factory

MAX_STALL_S = 0.150
MAX_GAP_S = 0.400


class StallMeter:
    """Records the longest gap between ticks of a 10 ms timer on the UI thread."""

    def __init__(self) -> None:
        self.gaps: list[float] = []
        self.busy: list[float] = []  # CPU time the UI thread itself spent in each gap
        self._last = time.perf_counter()
        self._last_cpu = time.thread_time()
        self.timer = QTimer(interval=10)
        self.timer.timeout.connect(self._on_tick)
        self.timer.start()

    def _on_tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        self.gaps.append(now - self._last)
        self.busy.append(cpu - self._last_cpu)
        self._last, self._last_cpu = now, cpu


@pytest.fixture(scope="module")
def busy_model(tmp_path_factory) -> str:
    """A model big enough that generation keeps the worker busy for seconds (the tiny one takes a moment)."""
    from bgm_studio.model.checkpoint import save_model
    from bgm_studio.model.denoiser import Denoiser, ModelConfig

    path = tmp_path_factory.mktemp("model") / "busy.pt"
    save_model(Denoiser(ModelConfig(dim=128, depth=3, heads=4, mlp_ratio=2)), path)
    return str(path)


def test_event_loop_never_stalls_during_long_work(qtbot, clip, tmp_path, busy_model):
    from bgm_studio.app.main_window import MainWindow
    from bgm_studio.app.state import AppState

    window = MainWindow(AppState(), model_path=busy_model, player_factory=capture_factory([]))
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.transport.sound.text().startswith("Sound on"), timeout=30000)
    qtbot.wait(200)  # the window's first paint is start-up, not a stall
    meter = StallMeter()
    window.open_path(clip)
    wait_task(qtbot, window)
    window.generate()
    wait_task(qtbot, window)
    window.state.select(1)
    window.regenerate(1)
    wait_task(qtbot, window)
    window.export_to("mp4", str(tmp_path / "out.mp4"))
    wait_task(qtbot, window)
    window.save_to(str(tmp_path / "p.bgm.json"))
    wait_task(qtbot, window)
    meter.timer.stop()
    assert window.last_error is None
    worst = max(range(len(meter.gaps)), key=meter.gaps.__getitem__)
    window.state.dirty = False
    window.close()
    print(
        f"\nevent loop: {len(meter.gaps)} ticks, longest gap {1000 * meter.gaps[worst]:.0f} ms "
        f"(UI thread busy {1000 * meter.busy[worst]:.0f} ms of it), longest UI work {1000 * max(meter.busy):.0f} ms"
    )
    assert max(meter.busy) < MAX_STALL_S  # the UI thread's own work never holds the loop
    if os.getloadavg()[0] < os.cpu_count():  # on an overloaded machine the OS, not the app, decides the gaps
        assert max(meter.gaps) < MAX_GAP_S


def test_the_loaded_model_is_left_out_of_garbage_collections(qtbot, make_window):
    """Once the model is loaded its objects are frozen: a full collection no longer walks torch on the UI thread."""
    import gc

    window = make_window()
    before = gc.get_freeze_count()  # what was frozen as the window opened, before the model (300 ms later)
    qtbot.waitUntil(lambda: window.scorer.loaded is not None, timeout=60000)
    qtbot.wait(50)  # the loaded signal reaches the UI thread
    import torch  # noqa: F401 (loaded by now)

    assert gc.get_freeze_count() > before
    assert not any(type(o).__module__.startswith("torch") for o in gc.get_objects(generation=2)[:20000])
