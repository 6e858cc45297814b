"""Reading a project as music and checking its video: no model needed (no torch)."""

from __future__ import annotations

from pathlib import Path

from ..errors import BgmError
from ..music.arrangement import arrange
from ..music.notes import STEPS_PER_BEAT, Note, Score
from ..video.cache import fingerprint
from .state import Project


def project_score(project: Project) -> Score:
    """The piece as a Score: its parts with their instruments (the project's arrangement), the piece
    tempo with each shot's own tempo, cuts as segment starts."""
    notes = [Note(*map(int, row)) for row in project.notes()]
    first = project.shots[0]
    changes = [(s.start_step, s.tempo_bpm) for s in project.shots[1:]]
    score = Score(
        notes, project.n_beats * STEPS_PER_BEAT, first.tempo_bpm, [s.start_step for s in project.shots[1:]], changes
    )
    return arrange(score, project.arrangement)


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
