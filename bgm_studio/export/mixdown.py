"""The exported sound, made once for every file: stems, ducking under speech, loudness to a target.

Order: each part is rendered alone; where the video has its own sound, the music dips
under the speech found in it; the video's sound joins (when mixed in) as a stem of its
own, first levelled to the music's usual loudness so that its gain reads against the music,
not against however loud it was recorded; one master gain per frame brings the sum to the
loudness target with true peak <= -1 dBTP and multiplies every stem alike, so the stems
always sum to the mix.

Only the mix is made whole: a stem is made when it is asked for (an MP4 or a WAV needs none, and
a 12-minute stem takes 254 MB), from the render and the gains the mix was made with.

One render serves several mixes (`render_sound`, then `mix_rendered`): an MP4 carries the
video's sound and ducks the music only under speech it carries too (`picture_mix`); a WAV
carries the music alone, ducked, to lay under the dialogue in an editor (`music_mix`).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np

from ..audio.ducking import DuckingConfig, check_ducking, detect_speech, duck_gain
from ..audio.loudness import DEFAULT_TARGET, Loudness, check_target, master_gain, sound_level, true_peak_db
from ..audio.render import CancelFn, RenderConfig, never, render_stems, render_together
from ..audio.synth import SynthConfig
from ..music.notes import Score
from ..music.parts import PARTS
from ..progress import ProgressFn, no_progress
from ..video.decode import probe

VIDEO_SOUND = "video-sound"  # the stem of the video's own sound, when it is mixed in
MUSIC = "music"  # the one stem of all the parts, when they are not rendered apart
SUM_FRAMES = 1 << 16  # frames of the stems summed at a time into the mix


@dataclass(frozen=True)
class MixConfig:
    """How the parts become the delivered sound."""

    loudness: str = DEFAULT_TARGET  # streaming (-14 LUFS), web (-16) or broadcast (-23)
    original_gain_db: float | None = None  # the video's own sound against the music's level; None = left out
    ducking: DuckingConfig = field(default_factory=DuckingConfig)


Source = tuple[np.ndarray, np.ndarray | None]  # a stem before the master gain: audio (frames, 2), its gain (frames,)


class Stems(Mapping[str, np.ndarray]):
    """float32 stereo stems by name, (frames, 2), each made when it is looked up: its source times the
    master gain. A lone stem is the mix itself."""

    def __init__(self, sources: dict[str, Source], gain: np.ndarray, mix: np.ndarray) -> None:
        self._sources, self._gain, self._mix = sources, gain, mix

    def __getitem__(self, name: str) -> np.ndarray:
        audio, before = self._sources[name]
        if len(self._sources) == 1:
            return self._mix
        stem: np.ndarray = audio * (self._gain if before is None else before)[:, None]
        if before is not None:
            stem *= self._gain[:, None]
        return stem

    def __iter__(self) -> Iterator[str]:
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)


@dataclass
class Mixdown:
    """The delivered sound: float32 stereo stems by name, their sum, and how it was made."""

    stems: Mapping[str, np.ndarray]  # part, or music when not rendered apart (and video-sound) -> (frames, 2)
    mix: np.ndarray  # (frames, 2), the sum of the stems
    sample_rate: int
    speech: np.ndarray | None  # bool per 10 ms frame of the video's sound; None without one
    music_gain: np.ndarray  # (frames,) the ducking curve applied to the music (1 = none), read-only
    lufs: float  # integrated loudness of the mix, as the master gain measured it

    @functools.cached_property
    def loudness(self) -> Loudness:
        """The mix's loudness and true peak. The peak is measured when first asked for: exports that
        do not report it skip oversampling the mix (0.1-0.2 s of CPU for 3 minutes)."""
        return Loudness(self.lufs, true_peak_db(self.mix))


@dataclass
class RenderedSound:
    """The parts rendered once, unmixed, with the video's (levelled) sound and its speech, for `mix_rendered`."""

    parts: np.ndarray  # (parts, frames, 2) float32, read-only to mixes
    names: tuple[str, ...]  # a name per part: PARTS, or (MUSIC,) when rendered together
    sample_rate: int
    sound: np.ndarray | None  # (frames, 2) the video's sound at the music's usual loudness; None without one
    speech: np.ndarray | None  # bool per 10 ms frame of the video's sound; None without one or without ducking


def check_mix(config: MixConfig) -> None:
    check_target(config.loudness)
    check_ducking(config.ducking)


def picture_mix(mix: MixConfig) -> MixConfig:
    """The mix an MP4 carries: the music dips only under speech the file carries too."""
    return mix if mix.original_gain_db is not None else replace(mix, ducking=replace(mix.ducking, enabled=False))


def music_mix(mix: MixConfig) -> MixConfig:
    """The mix a WAV carries: the music alone, ducked under the speech, to lay under the dialogue in an editor."""
    return replace(mix, original_gain_db=None)


def mixdown(
    score: Score,
    duration_s: float,
    video: str | os.PathLike | None = None,
    mix: MixConfig = MixConfig(),
    synth: SynthConfig = SynthConfig(),
    config: RenderConfig = RenderConfig(),
    progress: ProgressFn = no_progress,
    cancel: CancelFn = never,
    apart: bool = True,
) -> Mixdown:
    """Render and mix the score for `duration_s` seconds, with `video`'s own sound if it has one.

    apart: each part rendered alone, a stem each; False: all parts on one synth, one MUSIC stem,
    for exports that want only the mix (render_together: a third less CPU, the same mix to -75 dB RMS).
    """
    check_mix(mix)
    rendered = render_sound(score, duration_s, video, apart, mix.ducking.enabled, synth, config, progress, cancel)
    return mix_rendered(rendered, mix, progress)


def render_sound(
    score: Score,
    duration_s: float,
    video: str | os.PathLike | None = None,
    apart: bool = True,
    find_speech: bool = True,
    synth: SynthConfig = SynthConfig(),
    config: RenderConfig = RenderConfig(),
    progress: ProgressFn = no_progress,
    cancel: CancelFn = never,
) -> RenderedSound:
    """The parts rendered (apart: a stem each, as `mixdown`), and `video`'s sound decoded while they
    render, with its speech found when `find_speech`."""
    sr = config.sample_rate
    with ThreadPoolExecutor(1, thread_name_prefix="video-sound") as pool:  # decoded while the parts render
        heard = (
            pool.submit(_video_sound, video, sr, int(round(duration_s * sr)), find_speech)
            if video is not None and probe(video).has_audio
            else None
        )
        render = render_stems if apart else render_together
        parts = render(score, synth, config, duration_s=duration_s, progress=progress, cancel=cancel)
        sound, speech = heard.result() if heard is not None else (None, None)
    parts.flags.writeable = False
    return RenderedSound(parts if apart else parts[None], PARTS if apart else (MUSIC,), sr, sound, speech)


def mix_rendered(rendered: RenderedSound, mix: MixConfig, progress: ProgressFn = no_progress) -> Mixdown:
    """`mix` of the rendered parts: ducked under the speech if it asks, the video's sound at its gain,
    brought to the loudness target. `rendered` is left as it was, for other mixes of the same render."""
    check_mix(mix)
    sr, n = rendered.sample_rate, rendered.parts.shape[1]
    speech = rendered.speech if mix.ducking.enabled else None
    ducking = duck_gain(speech, n, sr, mix.ducking) if speech is not None else None
    sources: dict[str, Source] = {name: (part, ducking) for name, part in zip(rendered.names, rendered.parts)}
    if rendered.sound is not None and mix.original_gain_db is not None:
        sources[VIDEO_SOUND] = (rendered.sound, np.broadcast_to(np.float32(10 ** (mix.original_gain_db / 20)), n))
    progress(0, 1, "measuring loudness")
    unmixed = _summed(list(sources.values()), n)
    gain, lufs = master_gain(unmixed, sr, check_target(mix.loudness))
    # The rendered music alone is read-only: it is gained into a new array, once the master gain's peaks are freed.
    total = np.multiply(unmixed, gain[:, None], out=unmixed if unmixed.flags.writeable else None)
    progress(1, 1, "measuring loudness")
    # Without speech, ones that take no memory (a read-only view): 32 MB for 3 minutes, written and never read.
    music_gain = ducking if ducking is not None else np.broadcast_to(np.float32(1), n)
    return Mixdown(Stems(sources, gain, total), total, sr, speech, music_gain, lufs)


def _video_sound(
    video: str | os.PathLike, sample_rate: int, frames: int, find_speech: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """The video's sound as long as the music and levelled to it, shape=(frames, 2), and its speech
    (None unless `find_speech`)."""
    from .mp4 import read_soundtrack  # mp4 writes what this makes

    sound = read_soundtrack(video, sample_rate, frames)
    speech = detect_speech(sound, sample_rate) if find_speech else None  # heard as recorded
    sound *= sound_level(sound, sample_rate)  # in place: a levelled copy took 254 MB more for 12 minutes
    return sound, speech


def _summed(sources: list[Source], frames: int) -> np.ndarray:
    """The sources, each times its gain, added one after another, SUM_FRAMES at a time: the numbers of
    summing the stems whole, without making them. A lone source without a gain is returned itself."""
    if len(sources) == 1 and sources[0][1] is None:
        return sources[0][0]
    total = np.empty((frames, 2), np.float32)
    for pos in range(0, frames, SUM_FRAMES):
        out = total[pos : pos + SUM_FRAMES]
        for k, (audio, gain) in enumerate(sources):
            chunk = audio[pos : pos + SUM_FRAMES]
            term = chunk if gain is None else chunk * gain[pos : pos + SUM_FRAMES, None]
            if k:
                out += term
            else:
                out[:] = term
    return total
