"""Helpers of the app tests."""
from __future__ import annotations


def wait_task(qtbot, window, timeout: int = 60000) -> None:
    """Wait until the window's foreground task has ended."""
    qtbot.waitUntil(lambda: window.busy is None, timeout=timeout)
