"""Checks a command makes before any work: output targets and options, training configs and states.

Each refuses with a one-line BgmError, so a mistake costs a second, not minutes of analysis.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from .atomic import check_writable_target
from .clash import clashes, real, refuse_clash
from .errors import BgmError

if TYPE_CHECKING:  # torch loads only when a command needs it
    import torch


def make_folder(folder: Path) -> None:
    """Create an output folder (and its parents), or say in one line why it cannot be."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BgmError(f"{folder}: cannot create this folder ({exc.strerror or exc})") from exc


def check_train_config(cfg) -> None:
    """Refuse a model shape the network cannot be built with, before minutes of loading data.

    Each value's own bounds were checked when the config was read (model/config_io.py).
    """
    from .model.denoiser import MODEL_PITCHES

    m = cfg.model
    if m.n_beats % 4 or MODEL_PITCHES % m.band or m.dim % 2 or m.dim % m.heads:
        raise BgmError(
            f"training config: the model needs n_beats a multiple of 4, band dividing {MODEL_PITCHES}, "
            f"an even dim divisible by heads (got {m.n_beats}, {m.band}, {m.dim}, {m.heads})"
        )


def check_resume(path: str, model: torch.nn.Module) -> None:
    """A training state of `model`'s architecture (built from the run's config), before minutes of loading data."""
    from .model.checkpoint import read_torch_file

    if not Path(path).is_file():
        raise BgmError(f"{path}: no such training state (the state.pt of an earlier run)")
    state = read_torch_file(path, "training state file")
    if not isinstance(state, dict) or not {"model", "ema", "opt", "step", "log"} <= set(state):
        raise BgmError(f"{path}: not a training state file (a state.pt written by `bgm-studio train`)")
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    found = (
        {k: tuple(getattr(v, "shape", ())) for k, v in state["model"].items()}
        if isinstance(state["model"], dict)
        else {}
    )
    if found != expected:
        raise BgmError(
            f"{path}: this state is of another model architecture than the config's; "
            "resume with the config.json of that run (--config)"
        )


def command_inputs(args: argparse.Namespace, video: str | None, *others) -> list:
    """Every file a scoring command reads: the video, the checkpoint, the soundfont, clip weights and `others`."""
    from .audio.soundfont import find_soundfont
    from .model.locate import resolve_checkpoint

    sources = [video, *others, os.environ.get("BGM_CLIP_WEIGHTS"), getattr(args, "clip_weights", None)]
    if hasattr(args, "model"):
        sources.append(resolve_checkpoint(args.model))
    if any(getattr(args, name, None) for name in ("soundfont", "output", "mp4", "wav", "stems")):
        sources.append(find_soundfont(args.soundfont))  # one named is an input even where no audio is made
    return sources


def check_outputs(args: argparse.Namespace, video: str, inputs: tuple = (), extra: tuple = ()) -> None:
    """Refuse bad targets and output options before minutes of work, not after.

    video: the video the outputs are made from; inputs: other files no output may replace
    (the checkpoint, soundfont and clip weights the command reads are added here).
    """
    from .audio.fluidsynth_lib import check_fluidsynth
    from .audio.soundfont import find_soundfont
    from .export.mixdown import VIDEO_SOUND
    from .export.mp4 import check_codec, check_gain, container_format
    from .export.stems import stem_paths
    from .mix_options import check_mix_args
    from .music.parts import PARTS

    if Path(video).is_dir():  # else every output inside it would read as a clash with an input folder
        raise BgmError(f"{video}: is a folder, not a video")
    mp4 = getattr(args, "output", None) or getattr(args, "mp4", None)
    sound = bool(mp4 or args.wav or args.stems)
    if sound:
        check_fluidsynth()
    sources = tuple(command_inputs(args, video, *inputs))
    seen = stem_paths(args.stems, [*PARTS, VIDEO_SOUND]) if args.stems else []  # no other output may be a stem
    for stem in seen:
        refuse_clash(stem, sources)
    for out in (mp4, args.midi, args.wav) + extra:
        if out:
            target = check_writable_target(out, inputs=sources)
            if any(clashes(target, other) for other in seen):  # through a symlink or hardlink too
                raise BgmError(f"{out}: given for two outputs; choose a different name for each")
            seen.append(target)
    for flag, out in (("--midi", args.midi), ("--wav", args.wav)):
        if out:
            check_suffix(out, flag)
    check_gain(args.original_gain)
    if mp4:
        container_format(mp4)
        if Path(video).is_file():  # a missing video is reported where it is read ("relink" for a project)
            check_codec(video, mp4)
    check_mix_args(args)
    if sound:
        find_soundfont(args.soundfont)


# Suffixes of sound and video files: --midi or --wav given one would write its data under another format's name.
MEDIA_SUFFIXES = {".mp3", ".flac", ".ogg", ".oga", ".opus", ".m4a", ".aac", ".aif", ".aiff", ".wma", ".webm", ".avi"}


WRITES = {
    "--midi": ("a MIDI file", ".mid"),
    "--wav": ("a WAV file", ".wav"),
    "--project": ("a project file", ".bgm.json"),
}


def check_suffix(path: str, flag: str) -> None:
    """Refuse a --midi, --wav or --project output named as another kind of media file (`--wav song.mp3`
    wrote WAV data under an MP3's name, which players and upload sites may refuse); other names are the user's."""
    from .export.mp4 import CONTAINER_FORMATS, WRITTEN_WITH

    suffix = Path(path).suffix.lower()
    if WRITTEN_WITH.get(suffix, flag) != flag or suffix in MEDIA_SUFFIXES | set(CONTAINER_FORMATS):
        what, own = WRITES[flag]
        other = WRITTEN_WITH.get(suffix)
        hint = f" (a {suffix} file is written with {other})" if other else ""
        raise BgmError(f"{path}: {flag} writes {what}; name it {own}{hint}")


def check_eval_outputs(args: argparse.Namespace, pop909: Path, song_ids: list[str]) -> None:
    """The JSON table and the --midi-out files may replace no POP909 file, MIDI input or checkpoint."""
    from .model.locate import resolve_checkpoint

    sources = [pop909, args.midi_dir, resolve_checkpoint(args.model) if args.generate else None]
    outputs = [Path(args.json)] if args.json else []
    if args.generate and args.midi_out:
        outputs += [Path(args.midi_out) / f"{sid}.mid" for sid in song_ids]
    for out in outputs:
        refuse_clash(out, sources)
    if args.json and real(args.json) in {real(p) for p in outputs[1:]}:
        raise BgmError(f"{args.json}: is also one of the --midi-out files; choose another name")
    if args.json:
        check_writable_target(args.json)


def check_train_outputs(args: argparse.Namespace, pop909: Path) -> None:
    """The run's files may replace no POP909 file and no input file.

    Resuming in place is the usual way to go on, so the state.pt that --resume names may be
    the one written; likewise the config.json written there holds the same config as the one read.
    """
    out = Path(args.out)
    outputs = {
        "state.pt": [args.init, args.config],
        "model.pt": [args.init, args.resume, args.config],
        "config.json": [args.init, args.resume],
    }
    for name, sources in outputs.items():
        refuse_clash(out / name, [pop909] + [s for s in sources if s and s != "debug"])
