"""Writing a project's music out: MIDI, WAV and MP4, the same way from the CLI and the GUI."""
from __future__ import annotations

from dataclasses import dataclass

from ..atomic import check_writable_target
from ..audio.render import RenderConfig, never
from ..audio.synth import SynthConfig
from ..export.midi import export_midi
from ..export.mp4 import check_codec, check_gain, container_format, export_mp4
from ..export.wav import export_wav
from ..progress import ProgressFn, no_progress
from .piece import check_video, project_score
from .state import Project


@dataclass(frozen=True)
class OutputPaths:
    mp4: str | None = None
    midi: str | None = None
    wav: str | None = None


def write_outputs(project: Project, paths: OutputPaths, synth: SynthConfig = SynthConfig(),
                  original_gain_db: float | None = None, wav_bits: int = 16, video: str | None = None,
                  progress: ProgressFn = no_progress, cancel=never) -> list[str]:
    """Export every requested file; returns the paths written. The video is checked first."""
    score = project_score(project)
    if paths.mp4:  # refuse what can be refused before any file is written
        container_format(paths.mp4)
        check_gain(original_gain_db)
    source = check_video(project, video) if paths.wav or paths.mp4 else None
    if paths.mp4:
        check_codec(source, paths.mp4)
    for path in (paths.wav, paths.mp4, paths.midi):
        if path:  # before any rendering: no output may replace the video, wherever it is now
            check_writable_target(path, inputs=(source or video or project.video_path,))
    written = []
    if paths.midi:
        export_midi(score, paths.midi, synth.programs, progress)
        written.append(paths.midi)
    if paths.wav:
        export_wav(score, paths.wav, project.duration_s, wav_bits, synth, RenderConfig(), progress, cancel)
        written.append(paths.wav)
    if paths.mp4:
        export_mp4(score, source, paths.mp4, original_gain_db, synth, RenderConfig(), progress, cancel,
                   project.duration_s)
        written.append(paths.mp4)
    return written
