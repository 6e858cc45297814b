"""How the local pool's processes start: forked from a server that imported torch, SciPy and the
scoring modules once, instead of each spawned process importing them again.

Spawned, every worker paid ~1.8 s of CPU before its first video (torch 0.8, `scipy.signal` 0.6, the
rest 0.4; SciPy is no longer imported to score, audio/dsp.py): with two workers on two cores, a second start-up's worth of CPU that the videos waited
for. The server only imports: it runs no torch operation, so no OpenMP thread exists to be lost in
the fork. It starts with the workers' share of the cores as every math library's thread count
(numpy's BLAS sizes its pool when loaded), and lives as long as its batch's pool. Where there is no
fork server (Windows), workers are spawned as before.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.forkserver
import signal
import threading
from multiprocessing.context import BaseContext
from typing import Iterator

from ..threads import started_with_threads

# What a worker imports to score a video. Not the CLI: a pool process runs its parent's main module
# again (as __mp_main__), and one already imported made `python -m bgm_studio.cli batch` print runpy's
# RuntimeWarning in every worker; it costs a worker 16 ms to import it itself.
PRELOAD = [
    "bgm_studio.batch.worker",
    "bgm_studio.project.scoring",
    "bgm_studio.project.outputs",
    "bgm_studio.project.state",
    "bgm_studio.video.analysis",
    "bgm_studio.audio.soundfont",
    "bgm_studio.export.mp4",
    "torch",
    "cv2",
]


@contextlib.contextmanager
def pool_context(threads: int) -> Iterator[BaseContext]:
    """A context whose processes are forked from the preloaded server, or spawned where forking is not
    offered (those take their thread counts from where they are started: threads.started_with_threads).
    The server starts now, with `threads` threads per math library, so its imports overlap whatever
    the caller does before the first task; it is stopped (and reaped) at the end of the block: it holds
    torch's memory, and a process that goes on after its batch (the app, a test) would keep it to the end."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        yield multiprocessing.get_context("spawn")
        return
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    with started_with_threads(threads), _ctrl_c_ignored():
        multiprocessing.forkserver.ensure_running()
    try:
        yield context
    finally:
        # The standard library's own way to stop its server (its tests use it): closing our end of the
        # pipe it watches ends it once its pool processes have ended, which the pool's shutdown waited for.
        stop = getattr(multiprocessing.forkserver._forkserver, "_stop", None)
        if stop is not None:
            stop()


@contextlib.contextmanager
def _ctrl_c_ignored() -> Iterator[None]:
    """Processes started inside the block ignore SIGINT until they set their own handler: a Ctrl-C
    while the server imports would otherwise end it with a traceback (the batch itself stops cleanly)."""
    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield
        return
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)
