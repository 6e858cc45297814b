"""The command line's instrument, stems, loudness and ducking options, and what they make.

Kept apart from cli.py so the generate, regenerate and export commands share one reading of them.
"""

from __future__ import annotations

import argparse
from dataclasses import replace

from .errors import BgmError
from .music.arrangement import PRESETS, Arrangement, check_preset, parse_instrument

LOUDNESS_TARGETS = ("streaming", "web", "broadcast")  # audio/loudness.py: -14, -16, -23 LUFS
VIDEO_SOUND_DB = 0.0  # the video's own sound in the commands' and the app's MP4s: as loud as the music


def original_gain(text: str) -> float | None:
    """--original-gain's value: dB against the music's level, or 'off' (None: the video's sound left out)."""
    if text.strip().lower() == "off":
        return None
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is neither a gain in dB nor 'off'") from None


def add_original_gain_arg(p: argparse.ArgumentParser, whose: str, stems: bool = True) -> None:
    """--original-gain; stems: the command writes stems, which carry the video's sound too."""
    p.add_argument(
        "--original-gain",
        type=original_gain,
        default=VIDEO_SOUND_DB,
        metavar="DB|off",
        help=f"{whose} own sound in the MP4{' (and stems)' if stems else ''} at this gain in dB against the music's "
        "level, or off (default 0: as loud as the music, which dips under its speech); a WAV holds the music alone",
    )


def add_preset_arg(p: argparse.ArgumentParser, default: str) -> None:
    """--preset, one of music.arrangement's PRESETS; `default` says what plays without it."""
    p.add_argument("--preset", choices=list(PRESETS), help=f"instruments of every part at once (default: {default})")


def add_mix_args(p: argparse.ArgumentParser) -> None:
    add_preset_arg(p, "the project's, else solo-piano")
    p.add_argument(
        "--instrument",
        action="append",
        default=[],
        metavar="PART=PROGRAM",
        help="a General MIDI program for one part: melody, accompaniment or bass (repeatable)",
    )
    p.add_argument(
        "--shot-preset",
        action="append",
        default=[],
        metavar="SHOT=PRESET",
        help="a preset of one shot's own, e.g. 2=ambient (repeatable; PRESET 'piece' undoes it)",
    )
    p.add_argument("--stems", metavar="DIR", help="write one WAV per part, the mix and the MIDI into this folder")
    p.add_argument(
        "--loudness",
        choices=LOUDNESS_TARGETS,
        default="streaming",
        help="loudness of the exported sound: streaming -14, web -16, broadcast -23 LUFS "
        "(true peak <= -1 dBTP; default streaming)",
    )
    p.add_argument("--no-duck", action="store_true", help="keep the music level under the video's speech")
    p.add_argument(
        "--duck-depth", type=float, default=-10.0, metavar="DB", help="music gain under speech (default -10 dB)"
    )
    p.add_argument(
        "--duck-attack",
        type=float,
        default=150.0,
        metavar="MS",
        help="time to reach the dip, ending where speech starts (default 150 ms)",
    )
    p.add_argument(
        "--duck-release", type=float, default=400.0, metavar="MS", help="time to recover after speech (default 400 ms)"
    )


def arrangement_of(args: argparse.Namespace, base: Arrangement) -> Arrangement:
    """`base` with the command's --preset (which clears per-part choices) and --instrument applied."""
    arrangement = Arrangement(args.preset, shot_presets=base.shot_presets) if args.preset else base
    for text in args.instrument:
        arrangement = arrangement.with_instrument(*parse_instrument(text))
    for text in args.shot_preset:
        shot, sep, name = text.partition("=")
        if not sep or not shot.strip().isdigit():
            raise BgmError(f"--shot-preset {text}: write SHOT=PRESET, e.g. 2=ambient")
        arrangement = arrangement.with_shot_preset(int(shot), None if name == "piece" else check_preset(name))
    return arrangement


def arranged(args: argparse.Namespace, project):
    """The project with the command's instruments."""
    arrangement = arrangement_of(args, project.arrangement)
    for shot, _ in arrangement.shot_presets:
        if shot >= len(project.shots):
            raise BgmError(f"--shot-preset: shot {shot} does not exist (shots 0-{len(project.shots) - 1})")
    return replace(project, arrangement=arrangement)


def mix_config(args: argparse.Namespace):
    """The MixConfig of the command's options (the original sound's gain is passed on its own)."""
    from .audio.ducking import DuckingConfig
    from .export.mixdown import MixConfig

    ducking = DuckingConfig(not args.no_duck, args.duck_depth, args.duck_attack, args.duck_release)
    return MixConfig(args.loudness, ducking=ducking)


def check_mix_args(args: argparse.Namespace) -> None:
    """Refuse bad instrument, ducking and stems options before any work."""
    from .export.mixdown import check_mix
    from .export.stems import check_stems_folder

    arrangement_of(args, Arrangement())
    check_mix(mix_config(args))
    if args.stems:
        check_stems_folder(args.stems)
