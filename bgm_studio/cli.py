"""The bgm-studio command line. Each subcommand calls into the package; no music logic here.

User errors (BgmError) print one line and exit with code 2, never a traceback.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Callable

from .errors import BgmError
from .progress import console_bar

Handler = Callable[[argparse.Namespace], int]


def _cmd_eval(args: argparse.Namespace) -> int:
    from .music.evaluate import format_table, midi_folder_row, reference_row
    from .music.pop909 import load_split

    t0 = time.perf_counter()
    songs, problems = load_split(args.split, args.pop909, progress=console_bar)
    rows = {f"pop909-{args.split}": reference_row(songs, progress=console_bar)}
    if args.midi_dir:
        row, bad = midi_folder_row(args.midi_dir, progress=console_bar)
        rows[str(args.midi_dir)[-14:]] = row
        problems += bad
    for line in problems:
        print(f"warning: skipped {line}", file=sys.stderr)
    print(format_table(rows))
    print(f"{len(songs)} songs in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    if args.json:
        from .atomic import atomic_path

        with atomic_path(args.json) as tmp:
            tmp.write_text(json.dumps({"rows": rows, "problems": problems}, indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bgm-studio", description="Score a video with generated piano music.")
    sub = parser.add_subparsers(dest="command")

    ev = sub.add_parser("eval", help="metrics of the POP909 test split (and of a folder of MIDI files)")
    ev.add_argument("--split", default="test", choices=["train", "test", "all"])
    ev.add_argument("--midi-dir", help="folder of generated .mid files to measure beside the reference")
    ev.add_argument("--json", help="write the table as JSON to this file")
    ev.add_argument("--pop909", help="POP909 folder (default: ../shared/data/pop909 or $BGM_POP909)")
    ev.set_defaults(handler=_cmd_eval)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0
    try:
        return handler(args)
    except BgmError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: cancelled", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
