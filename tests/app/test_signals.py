"""The app state's Qt-free signals (psygnal underneath): order, weak slots, and errors that stay one line."""

from __future__ import annotations

import gc

import pytest

from bgm_studio.app.state import AppState, Signal
from bgm_studio.errors import BgmError


def test_slots_run_in_order_and_a_disconnected_one_no_more():
    signal: Signal[int] = Signal()
    heard: list[tuple[str, int]] = []

    def first(v: int) -> None:
        heard.append(("first", v))

    signal.connect(first)
    signal.connect(lambda v: heard.append(("second", v)))
    signal.emit(1)
    signal.disconnect(first)
    signal.emit(2)
    assert heard == [("first", 1), ("second", 1), ("second", 2)]


def test_an_error_in_a_slot_reaches_the_emitter_as_raised():
    state = AppState()

    def refuse(_project) -> None:
        raise BgmError("p.bgm.json: shots[0]: take 3 does not exist")

    state.project_changed.connect(refuse)
    with pytest.raises(BgmError) as info:
        state.project_changed.emit(None)
    assert str(info.value) == "p.bgm.json: shots[0]: take 3 does not exist"  # not psygnal's many-line EmitLoopError


def test_an_error_two_signals_deep_is_still_the_original():
    outer: Signal[int] = Signal()
    inner: Signal[int] = Signal()
    inner.connect(lambda v: 1 // v)
    outer.connect(inner.emit)
    with pytest.raises(ZeroDivisionError):
        outer.emit(0)


def test_a_widget_that_is_gone_is_no_longer_called():
    signal: Signal[int] = Signal()
    heard: list[int] = []

    class Panel:
        def _on_changed(self, v: int) -> None:
            heard.append(v)

    panel = Panel()
    signal.connect(panel._on_changed)
    signal.emit(1)
    del panel
    gc.collect()
    signal.emit(2)
    assert heard == [1]
