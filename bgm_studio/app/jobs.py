"""The work behind each long action, as functions a Task runs off the UI thread.

Qt-free: each takes a ProgressFn (and a cancelled() callable where the library can
stop early) and calls the same library functions as the CLI.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable

import numpy as np

from ..audio.output import DeviceOutput
from ..audio.player import Player
from ..audio.synth import SynthConfig
from ..controls.video_mapping import ShotOverrides
from ..errors import BgmError
from ..progress import ProgressFn
from ..project.piece import check_video, project_score
from ..project.state import Project, load_project
from .frames import thumbnails
from .mixing import MixingOutput, decode_sound, export_original_gain_db
from .state import SoundSettings

if TYPE_CHECKING:  # torch: loaded by the first task that needs it, not before the window opens
    from ..project.outputs import OutputPaths
    from ..project.scoring import Scorer
    from ..video.analysis import VideoAnalysis


ENVELOPE_RATE = 100  # waveform buckets a second
ENVELOPE_DECODE_RATE = 8000  # Hz the video's sound is decoded at for its waveform


@dataclass(frozen=True)
class Opened:
    """What opening a file gives: an analysis, and a project when a project file was opened."""

    analysis: VideoAnalysis
    project: Project | None = None
    path: str | None = None  # the project file
    relinked: bool = False  # the project's video was found elsewhere: the project changed


class RelinkNeeded(BgmError):
    """A project's video is missing or is not the file it was scored for; the user may pick the right one."""


def is_project_file(path: str) -> bool:
    return path.endswith(".json")


def open_file(path: str, progress: ProgressFn, video: str | None = None) -> Opened:
    """Analyse a video, or load a project (checked against its video, `video` if it was relinked).

    A video is analysed with the encoder the environment names ($BGM_ENCODER, $BGM_CLIP_WEIGHTS,
    $BGM_CLIP_MODEL); a project's video with the settings the project was scored with.
    """
    from ..video.analysis import analyze_video  # here and below: OpenCV and the exporters load when first
    from ..video.config import AnalysisConfig, configured  # used, not during the app's start (issue 16)

    if not is_project_file(path):
        return Opened(analyze_video(path, configured(), progress=progress))
    project = load_project(path)
    try:
        source = check_video(project, video)
    except BgmError as exc:
        raise RelinkNeeded(str(exc).split("; relink")[0]) from exc
    relinked = source != project.video_path
    if relinked:
        project = replace(project, video_path=source)
    config = AnalysisConfig.from_key(project.analysis_settings)
    return Opened(analyze_video(source, config, progress=progress), project, path, relinked)


class LazyScorer:
    """The Scorer, loaded once on first use from whichever thread asks first (reading the weights takes a moment)."""

    def __init__(self, model_path: str | None = None) -> None:
        self.model_path = model_path
        self.loaded: Scorer | None = None
        self._lock = threading.Lock()

    def get(self) -> Scorer:
        with self._lock:
            if self.loaded is None:
                from ..project.scoring import Scorer

                self.loaded = Scorer(self.model_path)
            return self.loaded


def generate(
    scorer: Scorer, analysis: VideoAnalysis, seed: int, progress: ProgressFn, project: Project | None = None
) -> Project:
    """Score the whole video, as `bgm-studio generate --seed SEED` does (its seed mixed with the video's,
    project.scoring.video_seed); with a project, re-sample its unlocked shots with `seed` and keep its cuts."""
    from ..project.scoring import ScoringOptions

    if project is None:
        return scorer.generate(scorer.plan(analysis, ScoringOptions(seed=seed)), progress=progress)
    return scorer.generate(project, seed=seed, progress=progress)


def regenerate(
    scorer: Scorer, project: Project, k: int, overrides: ShotOverrides, progress: ProgressFn, new_chords: bool = False
) -> Project:
    return scorer.regenerate(project, k, overrides=overrides, progress=progress, new_chords=new_chords)


def edit_cuts(
    scorer: Scorer, project: Project, analysis: VideoAnalysis, edit: str, args: tuple, progress: ProgressFn
) -> Project:
    """Apply a cut edit ("move_cut", "split_shot" or "merge_shots" of project.cuts, with its arguments
    between the analysis and the scorer) and regenerate every shot it changed."""
    from ..project import cuts

    project, changed = getattr(cuts, edit)(project, analysis, *args, scorer)
    for i, k in enumerate(changed):
        shot = project.shots[k]
        overrides = replace(shot.overrides, locked=False)  # its music is gone, so a lock has nothing to keep
        project = scorer.regenerate(
            project,
            k,
            overrides=overrides,
            progress=lambda d, t, label: progress(i + d / max(t, 1), len(changed), f"regenerating shot {k}"),
        )
    return project


def mapped_controls(scorer: Scorer, project: Project) -> dict[int, tuple[float, float]]:
    """Each shot's (energy, density) as the controls will use them, for display beside the Auto boxes."""
    from ..project.scoring import piece_controls

    controls = piece_controls(project, scorer.quantiles)
    return {
        s.index: (float(controls.energy[s.start_beat]), float(controls.density[s.start_beat])) for s in project.shots
    }


def export(
    project: Project, paths: OutputPaths, sound: SoundSettings, progress: ProgressFn, cancelled: Callable[[], bool]
) -> list[str]:
    """Write the outputs; the paths written, an MP4's with notes when its video had to be re-encoded or it
    left out a track of the video."""
    from ..export.mixdown import MixConfig
    from ..export.mp4 import export_notes
    from ..project.outputs import write_outputs

    written = write_outputs(
        project,
        paths,
        SynthConfig(soundfont=sound.soundfont),
        export_original_gain_db(sound),
        progress=progress,
        cancel=cancelled,
        mix=MixConfig(sound.loudness, ducking=sound.ducking),
    )
    if not paths.mp4:
        return written
    said = "; ".join(export_notes(project.video_path, paths.mp4))
    return [f"{path} ({said})" if path == paths.mp4 and said else path for path in written]


def measure_mix(project: Project, sound: SoundSettings, progress: ProgressFn, cancelled: Callable[[], bool]):
    """The loudness of the mix an MP4 export would write (rendered, ducked and brought to the target)."""
    from ..export.mixdown import MixConfig, mixdown, picture_mix

    mix = picture_mix(MixConfig(sound.loudness, export_original_gain_db(sound), sound.ducking))
    video = check_video(project)
    return mixdown(
        project_score(project),
        project.duration_s,
        video,
        mix,
        SynthConfig(soundfont=sound.soundfont),
        progress=progress,
        cancel=cancelled,
        apart=False,
    ).loudness


def sound_envelope(path: str, buckets_per_s: int = ENVELOPE_RATE) -> np.ndarray:
    """The video's own sound as peak levels (0-1), one per 1/buckets_per_s s from its start, shape=(n,);
    empty for a silent video. Decoded at a low rate: a waveform lane needs no more."""
    sound = decode_sound(path, ENVELOPE_DECODE_RATE)
    if sound is None:
        return np.zeros(0, np.float32)
    mono = np.abs(sound).max(axis=1)
    per = ENVELOPE_DECODE_RATE // buckets_per_s
    n = len(mono) // per
    return mono[: n * per].reshape(n, per).max(axis=1)


def shot_thumbnails(path: str, spans: list[tuple[float, float]]) -> list[np.ndarray]:
    """A frame from each shot (a third of the way in, past any dissolve)."""
    return thumbnails(path, [a + (b - a) / 3 for a, b in spans])


def open_player(sound: SoundSettings, output_factory=None) -> tuple[Player, MixingOutput]:
    """A Player for these settings on an output that can mix the video's sound under the music.

    Loads the soundfont; raises BgmError when there is no audio device.
    """
    synth = SynthConfig(soundfont=sound.soundfont)
    output = MixingOutput(output_factory() if output_factory else DeviceOutput())
    output.player = Player(synth, output)
    return output.player, output
