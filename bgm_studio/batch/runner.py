"""Run a batch: skip what is scored already, schedule the rest (local process pool or Ray), show
progress over videos, and on Ctrl-C stop the workers so that no output is left half-written."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from pathlib import Path
from typing import Any, Callable, Iterator

from ..errors import BgmError
from ..preflight import make_folder
from ..progress import Bar
from ..threads import started_with_threads
from .jobs import (
    VIDEO_SUFFIXES,
    BatchSettings,
    VideoResult,
    VideoTask,
    biggest_first,
    check_formats,
    done_before,
    identity,
    list_videos,
    make_tasks,
    remove_stale_parts,
    sounding,
)
from .start import pool_context
from .worker import Worker, init_process, one_line, score_in_process

Schedule = Callable[[list[VideoTask], BatchSettings, dict[str, Any], int | None], Iterator[VideoResult]]


def input_identity(settings: BatchSettings) -> dict[str, Any]:
    """The hashes of what every video's result depends on besides its own file: model, soundfont,
    analysis settings. Refuses a missing model, or soundfont where sound is asked for, before any worker starts."""
    from ..audio.fluidsynth_lib import check_fluidsynth
    from ..audio.soundfont import find_soundfont
    from ..model.device import check_device
    from ..model.locate import music_id, resolve_checkpoint
    from ..video.cache import fingerprint
    from ..video.config import configured

    check_device(settings.device)
    check_formats(settings.formats)
    model = resolve_checkpoint(settings.model)
    if not model.is_file():
        raise BgmError(f"{model}: model checkpoint not found")
    soundfont = None
    if sounding(settings.formats):  # MIDI and projects need neither FluidSynth nor a soundfont
        check_fluidsynth()
        found = find_soundfont(settings.soundfont)
        soundfont = f"{found.name}@{fingerprint(found)[:12]}"
    analysis = configured(settings.encoder, settings.clip_weights, settings.clip_model)
    return {"model_id": music_id(model), "soundfont": soundfont, "analysis": analysis.key()}


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C during a batch, with the results so far (interrupted videos included), in input order."""

    def __init__(self, results: list[VideoResult]) -> None:
        super().__init__()
        self.results = results


def run_batch(
    source: str, out_dir: str, settings: BatchSettings, workers: int | None = None, ray_address: str | None = None
) -> list[VideoResult]:
    """Score every video of a folder or list into out_dir; returns one result per video, in input order.

    On KeyboardInterrupt the workers are stopped, videos not finished are marked interrupted, and
    the results so far go on up with it, as a BatchInterrupted.
    """
    if workers is not None and workers < 1:
        raise BgmError(f"--workers {workers}: give at least 1")
    out = Path(out_dir)
    tasks = make_tasks(list_videos(source), out)
    if not tasks:
        raise BgmError(f"{source}: no videos found (looked for {', '.join(VIDEO_SUFFIXES)})")
    inputs = input_identity(settings)
    make_folder(out)
    remove_stale_parts(tasks)
    results: dict[str, VideoResult] = {}
    todo = []
    for task in tasks:
        earlier = (
            done_before(task, identity(task, settings, inputs), settings.formats)
            if Path(task.video).is_file()
            else None
        )
        if earlier:
            results[task.name] = earlier
        else:
            todo.append(task)
    schedule: Schedule = _on_ray(ray_address) if ray_address else _on_pool
    bar = Bar(
        total=len(tasks),
        initial=len(results),
        desc="videos",
        unit="video",
        file=sys.stderr,
        disable=None,
        dynamic_ncols=True,
    )
    try:
        for result in schedule(biggest_first(todo), settings, inputs, workers) if todo else ():
            results[result.name] = result
            bar.update(1)
            if result.status == "failed":
                bar.write(f"failed {result.name}: {result.reason}", file=sys.stderr)
    except KeyboardInterrupt as exc:
        remove_stale_parts(todo)
        raise BatchInterrupted(_in_order(tasks, results)) from exc
    finally:
        bar.close()
    return _in_order(tasks, results)


def _in_order(tasks: list[VideoTask], results: dict[str, VideoResult]) -> list[VideoResult]:
    return [results.get(t.name) or VideoResult(t.video, t.name, "interrupted") for t in tasks]


def _on_pool(
    todo: list[VideoTask], settings: BatchSettings, inputs: dict[str, Any], workers: int | None
) -> Iterator[VideoResult]:
    """A local process pool (forked from a preloaded server or spawned: no worker inherits the parent's
    threads, see start.py); each process loads the models once. Ctrl-C: every worker ends after
    removing its half-written files."""
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    cores = os.cpu_count() or 1
    n = min(workers or cores, len(todo))
    threads = max(1, cores // n)
    with pool_context(threads) as context:
        pool = ProcessPoolExecutor(n, context, init_process, (settings, inputs, threads))
        try:
            with started_with_threads(threads):  # spawned processes (no fork server) start as tasks are submitted
                futures = {pool.submit(score_in_process, task): task for task in todo}
            for future in as_completed(futures):
                try:
                    yield future.result()
                except BrokenProcessPool:  # a worker was killed (out of memory?): its videos fail, none hangs
                    task = futures[future]
                    yield VideoResult(
                        task.video, task.name, "failed", reason="its worker process died (killed, or out of memory)"
                    )
        except KeyboardInterrupt:
            for child in multiprocessing.active_children():  # a Ctrl-C at the terminal reached them already
                if child.pid is not None:  # started, as every active child is
                    os.kill(child.pid, signal.SIGINT)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _on_ray(address: str) -> Schedule:
    """Ray actors, one per worker (default: one per CPU of the cluster), each holding a Worker; the
    output folder must be one every node can write (a shared file system)."""

    def schedule(
        todo: list[VideoTask], settings: BatchSettings, inputs: dict[str, Any], workers: int | None
    ) -> Iterator[VideoResult]:
        try:
            import ray
            from ray.util import ActorPool
        except ImportError as exc:
            raise BgmError("--ray needs Ray: pip install 'bgm-studio[ray]'") from exc
        if not ray.is_initialized():
            # A local Ray runs its workers at nice 15 unless told otherwise: on a busy machine they would
            # barely run, and here they are the work itself.
            os.environ.setdefault("RAY_worker_niceness", "0")
            try:
                ray.init(address=None if address == "local" else address, include_dashboard=False, log_to_driver=False)
            except ConnectionError as exc:
                raise BgmError(f"--ray {address}: no Ray cluster there ({one_line(exc)})") from exc
        n = min(workers or int(ray.cluster_resources().get("CPU", 1)), len(todo))
        actors = [ray.remote(num_cpus=1)(Worker).remote(settings, inputs) for _ in range(n)]
        try:
            yield from ActorPool(actors).map_unordered(lambda a, task: a.score.remote(task), todo)
        finally:
            for actor in actors:
                ray.kill(actor)  # type: ignore[arg-type]  # ray's stubs type remote(cls) as cls or handle

    return schedule
