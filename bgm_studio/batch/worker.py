"""Scoring one video of a batch, with the model, chords, quantiles and settings loaded once per worker.

A worker is a process of the local pool (init_process + score_in_process) or a Ray actor (Worker).
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass, replace
from types import FrameType
from typing import Any
from pathlib import Path

from ..atomic import check_writable_target
from ..errors import BgmError
from .jobs import BatchSettings, VideoResult, VideoTask, identity, sounding, write_manifest


def one_line(exc: BaseException) -> str:
    """An error as one line: BgmError's own message, else the exception's type and first line."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return text if isinstance(exc, BgmError) else f"{type(exc).__name__}: {text}"[:300]


class Worker:
    """Scores videos one after another with everything it needs loaded in __init__."""

    def __init__(self, settings: BatchSettings, inputs: dict[str, Any]) -> None:
        from ..audio.soundfont import find_soundfont
        from ..audio.synth import SynthConfig
        from ..memory import keep_freed_memory
        from ..project.scoring import Scorer
        from ..video.config import configured

        keep_freed_memory()  # each video's audio arrays reuse the last one's pages
        self.settings = settings
        self.inputs = inputs
        self.analysis_config = configured(settings.encoder, settings.clip_weights, settings.clip_model)
        self.scorer = Scorer(settings.model, device=settings.device)
        soundfont = str(find_soundfont(settings.soundfont)) if sounding(settings.formats) else None
        self.synth = SynthConfig(soundfont=soundfont)

    def score(self, task: VideoTask) -> VideoResult:
        """Score one video and write its files, the manifest last; any failure is this video's alone."""
        t0 = time.perf_counter()
        try:
            return self._score(task, t0)
        except Exception as exc:  # noqa: BLE001 - a damaged video must not stop the batch
            return VideoResult(task.video, task.name, "failed", seconds=time.perf_counter() - t0, reason=one_line(exc))

    def _score(self, task: VideoTask, t0: float) -> VideoResult:
        from ..export.mp4 import export_notes
        from ..music.arrangement import Arrangement
        from ..project.outputs import OutputPaths, write_outputs
        from ..project.scoring import ScoringOptions
        from ..project.state import save_project
        from ..video.analysis import analyze_video

        if not Path(task.video).is_file():
            raise BgmError(f"{task.video}: no such video file")
        s = self.settings
        for fmt in s.formats:  # an output that would replace the video fails it now, not after its scoring
            check_writable_target(task.output(fmt), inputs=(task.video,))
        ident = identity(task, self.settings, self.inputs)
        analysis = analyze_video(task.video, self.analysis_config)
        project = self.scorer.plan(analysis, ScoringOptions(seed=s.seed, tempo_bpm=s.tempo_bpm))
        project = replace(self.scorer.generate(project), arrangement=Arrangement(s.preset, s.programs))
        formats = s.formats
        if "project" in formats:
            save_project(project, task.output("project"))
        paths = OutputPaths(*(str(task.output(f)) if f in formats else None for f in ("mp4", "midi", "wav")))
        write_outputs(project, paths, self.synth, s.original_gain_db, video=task.video)
        result = VideoResult(
            task.video,
            task.name,
            "scored",
            len(project.shots),
            round(project.tempo_bpm, 2),
            round(time.perf_counter() - t0, 3),
            note="; ".join(export_notes(task.video, paths.mp4)) if paths.mp4 else "",
            outputs=[str(task.output(f)) for f in formats],
        )
        write_manifest(task, ident, result)
        return result


@dataclass
class _Process:
    """This pool process's worker, whether it is scoring a video now, and whether it was told to stop."""

    worker: Worker | None = None
    busy: bool = False
    interrupted: bool = False


_PROCESS = _Process()  # one per pool process: the point of a worker is to keep its models between videos


def _on_interrupt(signum: int, frame: FrameType | None) -> None:
    """Ctrl-C in a pool process: a video in flight unwinds (its temporary files are removed on the
    way), then the process ends; an idle one ends at once, without a traceback. A second Ctrl-C (the
    terminal's and the batch's own both arrive) leaves the unwinding alone: it would break into the
    clean-up, with a traceback from wherever that was."""
    if not _PROCESS.busy:
        os._exit(130)
    if not _PROCESS.interrupted:
        _PROCESS.interrupted = True
        raise KeyboardInterrupt


def init_process(settings: BatchSettings, inputs: dict[str, Any], threads: int) -> None:
    """Pool initializer: load the worker once for every video this process will score, with its share
    of the cores for torch and OpenCV (workers that each took every core would fight over them)."""
    signal.signal(signal.SIGINT, _on_interrupt)
    # Before torch and OpenCV are first imported (a spawned process), and read by thread_share()
    os.environ["OMP_NUM_THREADS"] = str(threads)
    _PROCESS.worker = Worker(settings, inputs)
    import cv2
    import torch

    torch.set_num_threads(threads)
    cv2.setNumThreads(threads)


def score_in_process(task: VideoTask) -> VideoResult:
    _PROCESS.busy = True
    try:
        assert _PROCESS.worker is not None  # made by init_process, the pool's initializer
        return _PROCESS.worker.score(task)
    except KeyboardInterrupt:
        os._exit(130)  # its outputs in flight are gone already; take no further task
    finally:
        _PROCESS.busy = False
