"""`bgm-studio batch`: its options and what it prints; the CLI wires it in with two calls."""

from __future__ import annotations

import argparse

from ..errors import BgmError
from ..mix_options import add_original_gain_arg, add_preset_arg
from ..music.arrangement import DEFAULT_PRESET, check_program
from ..music.parts import PARTS
from .jobs import FORMATS, BatchSettings


def gm_program(text: str) -> int:
    """--melody-program's, --accompaniment-program's and --bass-program's value: a General MIDI program, 0-127."""
    try:
        return check_program(int(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a GM program; choose 0-127 (0 is the piano)") from None
    except BgmError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", help="folder of videos, or a text file with one video path a line")
    p.add_argument("--out", required=True, help="output folder: NAME.mp4/.mid/.bgm.json and a manifest per video")
    p.add_argument("--workers", type=int, help="processes (or Ray actors) scoring at once (default: one per CPU)")
    p.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="run on Ray: auto (the running cluster), local (start one here) or HOST:PORT / ray://...",
    )
    p.add_argument(
        "--formats",
        default="mp4,midi,project",
        help=f"files per video, comma-separated from {','.join(FORMATS)} (default mp4,midi,project)",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help="with the video's content, draws the music: the same video and seed give the same music, "
        "each video its own key and players (default 0)",
    )
    p.add_argument("--tempo", type=float, help="tempo in BPM (default: chosen from each video)")
    p.add_argument("--model", help="checkpoint (default models/bgm-diffusion.pt or $BGM_MODEL)")
    p.add_argument("--soundfont", help=".sf2/.sf3 soundfont (default: the installed General MIDI one)")
    add_preset_arg(p, DEFAULT_PRESET)
    for part in PARTS:
        p.add_argument(
            f"--{part}-program",
            type=gm_program,
            metavar="PROGRAM",
            help=f"General MIDI program of the {part}, over the preset's (default: the preset's)",
        )
    add_original_gain_arg(p, "each video's", stems=False)


def settings_from(args: argparse.Namespace) -> BatchSettings:
    from ..controls.timing import check_tempo
    from ..export.mp4 import check_gain
    from ..project.state import check_seed

    check_seed(args.seed)
    check_tempo(args.tempo)
    check_gain(args.original_gain)
    return BatchSettings(
        args.seed,
        args.tempo,
        args.model,
        args.device,
        args.encoder,
        args.clip_weights,
        args.clip_model,
        args.soundfont,
        args.preset or DEFAULT_PRESET,
        (args.melody_program, args.accompaniment_program, args.bass_program),
        args.original_gain,
        tuple(f.strip() for f in args.formats.split(",") if f.strip()),
    )


def run(args: argparse.Namespace) -> int:
    """Score the batch, print the summary table, write it as CSV and JSON; exit 2 if a video failed."""
    from .report import format_table, write_summary
    from .runner import BatchInterrupted, run_batch

    settings = settings_from(args)
    try:
        results = run_batch(args.source, args.out, settings, args.workers, args.ray)
    except BatchInterrupted as exc:
        if exc.results:
            print(format_table(exc.results))
            write_summary(exc.results, args.out)
        raise
    print(format_table(results))
    for path in write_summary(results, args.out):
        print(f"wrote {path}")
    failed = [r for r in results if r.status == "failed"]
    if failed:
        raise BgmError(f"{len(failed)} of {len(results)} videos failed (reasons above and in the summary)")
    return 0
