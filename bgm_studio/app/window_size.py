"""The main window's first size and place: what it prefers, within the screen it opens on.

A fixed 1440x900 window ran off a 1280x720 screen (its timeline and status bar cut off). The
window now takes its preferred size where that fits with room for a window manager's frame, and
otherwise opens maximised over a normal size that fits too (a desktop without a window manager
ignores maximising). The timeline gets the larger share of a short window: its lanes need the height.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtWidgets import QMainWindow, QSplitter

PREFERRED = QSize(1440, 900)  # px, the window's size on a screen with room for it
FRAME = QSize(16, 48)  # px a window manager's borders and title bar may add around the window
TIMELINE_SHARE = (0.5, 0.6)  # of the window's height below the tool bar: on a roomy screen, on a small one


@dataclass(frozen=True)
class Placement:
    """Where the window opens: its normal geometry and whether it starts maximised."""

    geometry: QRect  # the window's client area, frame excluded
    maximised: bool


def placement(available: QRect, preferred: QSize = PREFERRED, frame: QSize = FRAME) -> Placement:
    """The preferred size centred in `available` where it fits with its frame, else maximised over a fitting size."""
    room = available.size() - frame
    fits = preferred.width() <= room.width() and preferred.height() <= room.height()
    size = preferred if fits else preferred.boundedTo(room)
    border = frame.width() // 2  # left, right and bottom; the title bar takes the rest of frame.height()
    left = available.left() + (available.width() - size.width() - frame.width()) // 2 + border
    top = available.top() + (available.height() - size.height() - frame.height()) // 2 + frame.height() - border
    return Placement(QRect(left, top, size.width(), size.height()), maximised=not fits)


def fit_to_screen(window: QMainWindow, split: QSplitter) -> None:
    """Size and place `window` on its screen, and share `split`'s height between picture and timeline."""
    screen = window.screen()
    place = placement(screen.availableGeometry()) if screen is not None else Placement(QRect(0, 0, 1280, 720), False)
    window.setGeometry(place.geometry)
    if place.maximised:
        window.setWindowState(window.windowState() | Qt.WindowState.WindowMaximized)
    share = TIMELINE_SHARE[place.maximised]
    split.setSizes([round(1000 * (1 - share)), round(1000 * share)])  # weights: the splitter shares out its height
