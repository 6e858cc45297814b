"""The video preview: frames decoded on a thread of their own, painted to fit the widget.

The UI asks for a time (`show_time`); the decoder thread always works on the latest
request only, so a slow decode never queues up stale frames behind the playhead. While
playing, a frame reaches the screen some time after it is asked for (decoding, the hand-over
to the UI thread, the paint), and a new frame is asked for on the first tick after its time,
half a tick late on average: the preview asks for the frame at the playhead plus that delay
(measured on the frames it paints) and half a tick, so the frame on screen is the one heard.
"""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QRectF, QThread, Qt, Signal
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from ...errors import BgmError
from ..frames import FrameDecoder, Picture
from . import theme

PREVIEW_WIDTH = 960  # decode size: sharp enough for a preview, cheap enough for real time
MAX_LEAD_S = 0.15  # the most the preview asks ahead of the playhead (a stalled decoder is not followed further)
LEAD_SMOOTHING = 0.2  # weight of the newest measured delay in the running lead


def to_qimage(rgb) -> QImage:
    """An RGB uint8 array (h, w, 3) as a QImage that owns its pixels."""
    h, w, _ = rgb.shape
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class FrameThread(QThread):
    """Decodes the frame at the most recently requested time and emits it."""

    frame_ready = Signal(QImage, float, float)  # the frame, its time, when it was asked for (perf_counter; -1: a seek)

    def __init__(self, path: str, width: int = PREVIEW_WIDTH) -> None:
        super().__init__()
        self._path, self._width = path, width
        self._wanted: tuple[float, float] | None = None  # (time, when asked or -1)
        self._wake = threading.Condition()
        self._stop = False

    def request(self, t_s: float, timed: bool = False) -> None:
        """Decode the frame at t_s (timed: note when it was asked, to measure the delay to the screen)."""
        with self._wake:
            self._wanted = (t_s, time.perf_counter() if timed else -1.0)
            self._wake.notify()

    def stop(self) -> None:
        with self._wake:
            self._stop = True
            self._wake.notify()
        self.wait()

    def run(self) -> None:
        try:
            decoder = FrameDecoder(self._path, self._width)
        except BgmError:
            return  # the analysis reports unreadable videos; the preview just stays empty
        shown: Picture | None = None
        with decoder:
            while True:
                with self._wake:
                    while self._wanted is None and not self._stop:
                        self._wake.wait()
                    if self._stop:
                        return
                    wanted, self._wanted = self._wanted, None
                assert wanted is not None  # the wait ends with a wanted time or a stop
                picture = decoder.picture_at(wanted[0])
                if picture is not None and picture is not shown:
                    shown = picture
                    self.frame_ready.emit(to_qimage(picture.rgb), picture.t_s, wanted[1])


class VideoPreview(QWidget):
    """Shows one video's frame at the playhead, letterboxed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 180)
        self._image = QImage()
        self.frame_time_s: float | None = None  # presentation time of the frame shown
        self.lead_s = 0.0  # how long a frame asked for while playing takes to reach the screen (running mean)
        self._asked = -1.0  # when the image not yet painted was asked for (-1: not timed, or painted)
        self._tick = (0.0, -1.0)  # (running mean of the time between timed requests, when the last was made)
        self._thread: FrameThread | None = None
        self._placeholder = "Open a video (File ▸ Open, or drop it here)"

    def set_video(self, path: str | None) -> None:
        self.close_video()
        self._image, self.frame_time_s, self._asked = QImage(), None, -1.0
        if path:
            self._thread = FrameThread(path)
            self._thread.frame_ready.connect(self._on_frame)
            self._thread.start()
            self._thread.request(0.0)
        self.update()

    def show_time(self, t_s: float, playing: bool = False) -> None:
        """Show the frame at t_s; playing: the frame at t_s once it is on screen (t_s plus the lead)."""
        if self._thread is None:
            return
        now, (tick, last) = time.perf_counter(), self._tick
        if playing and 0 <= now - last < MAX_LEAD_S:
            tick += LEAD_SMOOTHING * (now - last - tick)
        self._tick = (tick, now if playing else -1.0)
        self._thread.request(t_s + self.lead_s + tick / 2 if playing else t_s, timed=playing)

    def close_video(self) -> None:
        if self._thread is not None:
            self._thread.frame_ready.disconnect(self._on_frame)
            self._thread.stop()
            self._thread = None

    def _on_frame(self, image: QImage, t_s: float, asked: float) -> None:
        self._image, self.frame_time_s, self._asked = image, t_s, asked
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.black)
        if self._image.isNull():
            painter.setPen(theme.MUTED_TEXT)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "" if self._thread else self._placeholder)
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        size = self._image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        x, y = (self.width() - size.width()) / 2, (self.height() - size.height()) / 2
        painter.drawImage(QRectF(x, y, size.width(), size.height()), self._image)
        if self._asked >= 0:  # a frame asked for while playing is on screen: how long it took
            delay = min(time.perf_counter() - self._asked, MAX_LEAD_S)
            self.lead_s += LEAD_SMOOTHING * (delay - self.lead_s)
            self._asked = -1.0
