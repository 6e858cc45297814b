"""Reading a project as music and checking its video: no model needed (no torch)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..controls.timing import TimingConfig, cut_landings
from ..errors import BgmError
from ..music.arrangement import arrange
from ..music.form_metrics import cuts_by_grid
from ..music.notes import STEPS_PER_BEAT, Note, Score
from ..video.cache import fingerprint
from .state import Project


def project_score(project: Project) -> Score:
    """The piece as a Score: its parts with their instruments (the project's arrangement, changing
    where a shot's music starts), the piece tempo with each shot's own tempo, and the cuts as segment
    starts (the MIDI's markers), where they fall in the music (cut_steps)."""
    notes = [Note(*map(int, row)) for row in project.notes()]
    first = project.shots[0]
    changes = [(s.start_step, s.tempo_bpm) for s in project.shots[1:]]
    score = Score(notes, project.n_beats * STEPS_PER_BEAT, first.tempo_bpm, cut_steps(project).tolist(), changes)
    return arrange(score, project.arrangement, [s.start_step for s in project.shots[1:]])


def cut_landings_of(project: Project) -> list[tuple[float, float]]:
    """(ms from its shot's first beat, ms from the eighth before it) of every cut after the first
    shot (controls.timing.cut_landings of the project's shots)."""
    bounds = [(s.start_s, s.end_s) for s in project.shots]
    return cut_landings(bounds, [s.n_beats for s in project.shots], [s.tempo_bpm for s in project.shots])


def cut_steps(project: Project, cfg: TimingConfig = TimingConfig()) -> np.ndarray:
    """The step of every cut after the first shot in the music: its shot's first beat, or the eighth
    before it where the cut falls there (and not on the beat), where the music marks it."""
    tol = cfg.cut_tolerance_s * 1000
    return np.array(
        [
            s.start_step - STEPS_PER_BEAT // 2 if beat > tol >= eighth else s.start_step
            for s, (beat, eighth) in zip(project.shots[1:], cut_landings_of(project))
        ],
        np.int64,
    )


def eighth_cut_steps(project: Project) -> np.ndarray:
    """Steps of the cuts that fall on an eighth, half a beat before their shot's first beat (cut_steps)."""
    return cuts_by_grid(cut_steps(project))[1]


def check_video(project: Project, path: str | None = None) -> str:
    """The project's video path, checked: it must exist and be the same file that was scored."""
    video = Path(path or project.video_path)
    if video.is_dir():
        raise BgmError(f"{video}: is a folder, not a video; relink the project to its video file")
    if not video.is_file():
        raise BgmError(f"{video}: the project's video is missing; relink it to where the file is now")
    if fingerprint(video) != project.video_hash:
        raise BgmError(
            f"{video}: this is not the video the project was scored for (content differs); "
            "relink the right file or generate a new project"
        )
    return str(video)
