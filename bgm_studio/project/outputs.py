"""Writing a project's music out: MIDI, WAV, MP4 and stems, the same way from the CLI and the GUI."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..atomic import check_writable_target
from ..audio.render import CancelFn, RenderConfig, never
from ..audio.synth import SynthConfig
from ..export.midi import export_midi
from ..export.mixdown import MixConfig, Mixdown, check_mix, mix_rendered, music_mix, picture_mix, render_sound
from ..export.mp4 import check_codec, check_gain, container_format, mux_music
from ..export.stems import check_stems_folder, write_stems
from ..export.wav import check_bits, write_wav
from ..progress import ProgressFn, no_progress
from .piece import check_video, project_score
from .state import Project


@dataclass(frozen=True)
class OutputPaths:
    mp4: str | None = None
    midi: str | None = None
    wav: str | None = None
    stems: str | None = None  # a folder: one WAV per part, the mix, and the MIDI


def write_outputs(
    project: Project,
    paths: OutputPaths,
    synth: SynthConfig = SynthConfig(),
    original_gain_db: float | None = None,
    wav_bits: int = 16,
    video: str | None = None,
    progress: ProgressFn = no_progress,
    cancel: CancelFn = never,
    mix: MixConfig = MixConfig(),
    written: list[str] | None = None,
) -> list[str]:
    """Export every requested file; returns the paths written. The video is checked first.

    The parts are rendered once (mixdown.py). The MP4 carries the video's own sound at
    `original_gain_db` (None: left out, and then the music does not duck); the WAV carries the
    music alone, ducked under the speech; the stems carry the parts, ducked, with the video's
    sound as a stem of its own when it is mixed in.
    written: the list each path goes into as soon as its file is written (a new one if None), and the
    one returned: a caller whose call fails or is cancelled part way can say which files it left.
    """
    score = project_score(project)
    mix = replace(mix, original_gain_db=original_gain_db)
    check_mix(mix)
    check_bits(wav_bits)
    if paths.mp4:  # refuse what can be refused before any file is written
        container_format(paths.mp4)
        check_gain(original_gain_db)
    source = check_video(project, video) if paths.wav or paths.mp4 or paths.stems else None
    if paths.mp4 and source:
        check_codec(source, paths.mp4)
    for path in (paths.wav, paths.mp4, paths.midi):
        if path:  # before any rendering: no output may replace the video, wherever it is now
            check_writable_target(path, inputs=(source or video or project.video_path,))
    if paths.stems:
        check_stems_folder(paths.stems, inputs=(source,))
    written = [] if written is None else written
    if paths.midi:
        export_midi(score, paths.midi, synth.programs, progress)
        written.append(paths.midi)
    if not (paths.wav or paths.mp4 or paths.stems):
        return written
    config = RenderConfig()
    asked = [(music_mix(mix), paths.wav), (picture_mix(mix), paths.mp4 and source), (mix, paths.stems)]
    wanted = [m for m, path in asked if path]
    ducks = any(m.ducking.enabled for m in wanted)
    heard = ducks or any(m.original_gain_db is not None for m in wanted)
    rendered = render_sound(
        score,
        project.duration_s,
        source if heard else None,  # the video's sound is decoded only for a mix that hears it
        apart=bool(paths.stems),
        find_speech=ducks,
        synth=synth,
        config=config,
        progress=progress,
        cancel=cancel,
    )
    made: dict[MixConfig, Mixdown] = {}  # outputs that ask for the same mix share it
    still_asked = list(wanted)  # the mixes of the outputs not yet written, in order

    def sound_of(one: MixConfig) -> Mixdown:
        """The mix `one`, made once for the outputs sharing it and let go after the last of them: the
        WAV's mix held on while the MP4's was made took 0.38 GB more for 12 minutes."""
        still_asked.remove(one)
        sound = made.pop(one) if one in made else mix_rendered(rendered, one, progress)
        if one in still_asked:
            made[one] = sound
        return sound

    if paths.wav:
        write_wav(sound_of(music_mix(mix)).mix, config.sample_rate, paths.wav, wav_bits, progress, cancel)
        written.append(paths.wav)
    if paths.mp4 and source:
        mux_music(
            source, paths.mp4, sound_of(picture_mix(mix)).mix, config.sample_rate, project.duration_s, progress, cancel
        )
        written.append(paths.mp4)
    if paths.stems:
        written += write_stems(sound_of(mix), score, paths.stems, progress=progress)
    return written
