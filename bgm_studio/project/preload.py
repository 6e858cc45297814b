"""The scorer made in a thread while the video is analysed, so the two overlap.

Importing torch and loading the models (~1.5 s of CPU) is mostly Python work; analysis spends much of its
time in the video decoder and OpenCV, which let go of the GIL, so on two cores the two go on side
by side instead of one after the other. The music is the same: only the order of loading changes.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .scoring import Scorer


def load_scorer(model: str | None = None, device: str | None = None) -> Future[Scorer]:
    """Start making a Scorer (and importing what the export needs); `.result()` gives it or raises
    what loading raised (e.g. a BgmError for a missing checkpoint)."""
    pool = ThreadPoolExecutor(1, thread_name_prefix="load-scorer")
    try:
        return pool.submit(_make_scorer, model, device)
    finally:
        pool.shutdown(wait=False)  # the thread ends with its one job


def _make_scorer(model: str | None, device: str | None) -> Scorer:
    from .scoring import Scorer

    return Scorer(model, device=device)
