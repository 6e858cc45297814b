"""Items made ahead in a thread of their own: the decoder works on the next frames while the caller
measures this one (FFmpeg decodes without the GIL, so the two share the cores)."""

from __future__ import annotations

import queue
import threading
from typing import Generic, Iterator, TypeVar

T = TypeVar("T")
_END = object()  # after the last item, with the error that ended the items, if any


class Prefetch(Generic[T]):
    """Iterate over `items` made up to `depth` ahead by a background thread; `close` stops it.

    An error raised while making an item is raised again where the caller reaches it. Close before
    freeing what the items are made from (a decoder): the thread is then stopped and joined.
    """

    def __init__(self, items: Iterator[T], depth: int) -> None:
        self._queue: queue.Queue[tuple[object, BaseException | None]] = queue.Queue(depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(items,), name="prefetch", daemon=True)
        self._thread.start()

    def __iter__(self) -> Iterator[T]:
        while True:
            item, error = self._queue.get()
            if item is _END:
                if error is not None:
                    raise error
                return
            yield item  # type: ignore[misc]  # every entry but the end marker is an item

    def close(self) -> None:
        """Stop making items and wait for the thread to end; safe to call more than once."""
        self._stop.set()
        while self._thread.is_alive():
            try:
                self._queue.get(timeout=0.05)  # make room for an item the thread is waiting to hand over
            except queue.Empty:
                pass
        self._thread.join()

    def _run(self, items: Iterator[T]) -> None:
        try:
            for item in items:
                if not self._put((item, None)):
                    return
        except Exception as exc:  # handed to the caller, who raises it where the items stop
            self._put((_END, exc))
        else:
            self._put((_END, None))

    def _put(self, entry: tuple[object, BaseException | None]) -> bool:
        """Queue an entry, waiting for room; False when closed meanwhile."""
        while not self._stop.is_set():
            try:
                self._queue.put(entry, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False
