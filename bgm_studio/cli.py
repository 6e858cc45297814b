"""The bgm-studio command line. Each subcommand calls into the package; no music logic here.

User errors (BgmError) print one line and exit with code 2, never a traceback.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Callable

from .atomic import atomic_path, check_writable_target
from .errors import BgmError
from .mix_options import add_mix_args, arranged
from .preflight import check_outputs, check_resume, check_train_config, make_folder
from .progress import console_bar

Handler = Callable[[argparse.Namespace], int]


def _cmd_eval(args: argparse.Namespace) -> int:
    from .music.evaluate import format_table, midi_folder_row, reference_row
    from .music.pop909 import load_split

    t0 = time.perf_counter()
    if args.limit < 0:
        raise BgmError(f"--limit {args.limit}: give a number of songs (0 = all)")
    if args.json:
        check_writable_target(args.json)
    folder_row, bad = midi_folder_row(args.midi_dir, progress=console_bar) if args.midi_dir else (None, [])
    songs, problems = load_split(args.split, args.pop909, progress=console_bar)
    for line in problems + bad:
        print(f"warning: skipped {line}", file=sys.stderr)
    if not songs:
        raise BgmError(f"{args.pop909 or 'POP909'}: none of the {args.split} songs could be read "
                       f"({len(problems)} skipped); is this the POP909 folder?")
    problems += bad
    if args.limit:
        songs = songs[: args.limit]
    rows = {f"pop909-{args.split}": reference_row(songs, progress=console_bar)}
    if args.generate:
        rows["generated"] = _generated_row(args, songs)
    if folder_row is not None:
        rows[Path(args.midi_dir).name[-14:]] = folder_row
    print(format_table(rows))
    print(f"{len(songs)} songs in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    if args.json:
        with atomic_path(args.json) as tmp:
            tmp.write_text(json.dumps({"rows": rows, "problems": problems}, indent=2))
    return 0


def _generated_row(args: argparse.Namespace, songs) -> dict[str, float]:
    """Sample a piece for each song's own controls; optionally keep each as MIDI."""
    from .model.checkpoint import load_model
    from .model.evaluate import evaluate_generated, piece_score
    from .model.pipeline import ScorePipeline
    from .music.midi import write_midi
    from .project.state import check_seed

    check_seed(args.seed)
    model, _ = load_model(args.model)
    out = Path(args.midi_out) if args.midi_out else None
    if out:
        make_folder(out)
    tempo = {s.song_id: s.tempo_bpm for s in songs}
    keep = (lambda p: write_midi(piece_score(p, tempo[p.song_id]), out / f"{p.song_id}.mid")) if out else None
    gen, _, _ = evaluate_generated(ScorePipeline(model), songs, args.seed, console_bar, keep)
    return gen


def _cmd_train(args: argparse.Namespace) -> int:
    from .model.checkpoint import load_model
    from .model.train import load_config, train
    from .progress import ConsoleProgress

    try:
        cfg = load_config(args.config)
    except ValueError as exc:  # JSON that is not an object, or not text at all
        raise BgmError(f"{args.config}: cannot read training config ({exc})") from exc
    check_train_config(cfg)
    if args.resume:
        check_resume(args.resume)
    if args.init:
        load_model(args.init)  # a missing or damaged checkpoint is refused before the out folder is made
    make_folder(Path(args.out))
    bar = ConsoleProgress()
    try:
        path = train(cfg, args.out, args.resume, progress=bar, pop909=args.pop909, init=args.init)
    finally:
        bar.close()
    print(f"model written to {path}")
    return 0


def _cmd_analyze(args: argparse.Namespace) -> int:
    from .atomic import atomic_path, check_writable_target
    from .progress import ConsoleProgress
    from .video.analysis import analyze_video, shot_table, to_json
    from .video.config import configured

    config = configured(args.encoder, args.clip_weights, args.clip_model)
    if args.json:  # before the analysis, which can take minutes
        check_writable_target(args.json, inputs=(args.video,))
    bar = ConsoleProgress()
    try:
        analysis = analyze_video(args.video, config, progress=bar, use_cache=not args.no_cache)
    finally:
        bar.close()
    for line in analysis.warnings:
        print(f"warning: {line}", file=sys.stderr)
    print(shot_table(analysis))
    if args.json:
        with atomic_path(args.json, inputs=(args.video,)) as tmp:
            tmp.write_text(json.dumps(to_json(analysis)))
    return 0


def _outputs(args: argparse.Namespace, project) -> list[str]:
    from .audio.synth import SynthConfig
    from .mix_options import mix_config
    from .project.outputs import OutputPaths, write_outputs
    from .progress import ConsoleProgress

    paths = OutputPaths(getattr(args, "output", None) or getattr(args, "mp4", None), args.midi, args.wav, args.stems)
    bar = ConsoleProgress()
    try:
        return write_outputs(project, paths, SynthConfig(soundfont=args.soundfont), args.original_gain,
                             video=args.video, progress=bar, mix=mix_config(args))
    finally:
        bar.close()


def _summary(project, written: list[str], seconds: float) -> None:
    bars = project.n_beats / 4
    print(f"{len(project.shots)} shots, {project.tempo_bpm:.1f} BPM, {bars:.0f} bars, "
          f"{project.duration_s:.1f} s of video, done in {seconds:.1f} s")
    for path in written:
        print(f"wrote {path}")


def _cmd_generate(args: argparse.Namespace) -> int:
    from .controls.timing import check_tempo
    from .project.scoring import Scorer, ScoringOptions
    from .project.state import check_seed, save_project
    from .progress import ConsoleProgress
    from .video.analysis import analyze_video
    from .video.config import configured

    t0 = time.perf_counter()
    config = configured(args.encoder, args.clip_weights, args.clip_model)
    check_outputs(args, args.video, extra=(args.project,))
    check_seed(args.seed)
    check_tempo(args.tempo)
    bar = ConsoleProgress()
    try:
        analysis = analyze_video(args.video, config, progress=bar)
        scorer = Scorer(args.model)
        project = scorer.plan(analysis, ScoringOptions(seed=args.seed, tempo_bpm=args.tempo))
        project = arranged(args, scorer.generate(project, progress=bar))
    finally:
        bar.close()
    for line in analysis.warnings:
        print(f"warning: {line}", file=sys.stderr)
    if args.project:
        save_project(project, args.project)
    args.video = None
    written = _outputs(args, project) + ([args.project] if args.project else [])
    _summary(project, written, time.perf_counter() - t0)
    return 0


def _cmd_regenerate(args: argparse.Namespace) -> int:
    from .controls.video_mapping import ShotOverrides
    from .music.harmony import chord_changes
    from .project.piece import check_video
    from .project.scoring import Scorer, check_new_chords
    from .project.state import check_seed, load_project, save_project
    from .progress import ConsoleProgress

    t0 = time.perf_counter()
    project = load_project(args.project)
    if not 0 <= args.shot < len(project.shots):
        raise BgmError(f"shot {args.shot} does not exist (this project has shots 0-{len(project.shots) - 1})")
    if args.seed is not None:
        check_seed(args.seed)
    if args.new_chords:
        check_new_chords(project, args.shot)
    check_outputs(args, args.video or project.video_path, (args.project,))
    if args.video or args.output or args.wav:  # before the project is changed: its video must be there
        project.video_path = str(Path(check_video(project, args.video)).absolute())  # a relink is kept
    old = project.shots[args.shot].overrides
    overrides = ShotOverrides(energy=args.energy if args.energy is not None else old.energy,
                              density=args.density if args.density is not None else old.density,
                              mode=args.mode or old.mode, locked=False)
    bar = ConsoleProgress()
    try:
        project = Scorer(args.model).regenerate(arranged(args, project), args.shot, args.seed, overrides,
                                                progress=bar, new_chords=args.new_chords)
    finally:
        bar.close()
    save_project(project, args.project)
    written = _outputs(args, project)
    shot = project.shots[args.shot]
    take = shot.takes[shot.take]
    chords = " ".join(name for _, name in chord_changes(take.chord_root, take.chord_pcs))
    print(f"shot {args.shot}: take {shot.take} (seed {take.seed})" + (f", chords {chords}" if args.new_chords else ""))
    _summary(project, written + [args.project], time.perf_counter() - t0)
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from .project.state import load_project

    t0 = time.perf_counter()
    project = load_project(args.project)
    if not (args.mp4 or args.midi or args.wav or args.stems):
        raise BgmError("nothing to export: give --mp4, --midi, --wav and/or --stems")
    check_outputs(args, args.video or project.video_path, (args.project,))
    project = arranged(args, project)  # for this export; the project file is not changed
    _summary(project, _outputs(args, project), time.perf_counter() - t0)
    return 0


def _add_output_args(p: argparse.ArgumentParser, mp4_flag: str) -> None:
    if mp4_flag == "-o":
        p.add_argument("-o", "--output", help="MP4 (or .mov/.mkv) with the music muxed in")
    else:
        p.add_argument("--mp4", help="MP4 (or .mov/.mkv) with the music muxed in")
    p.add_argument("--midi", help="write the music as a MIDI file")
    p.add_argument("--wav", help="write the music as a WAV file (the video's length)")
    p.add_argument("--soundfont", help=".sf2/.sf3 soundfont (default: the installed General MIDI one)")
    p.add_argument("--original-gain", type=float, default=None,
                   help="mix the video's own sound under the music at this gain in dB (default: music only)")
    add_mix_args(p)


def _add_encoder_args(p: argparse.ArgumentParser) -> None:
    from .video.config import ENCODERS

    p.add_argument("--encoder", choices=ENCODERS,
                   help="semantic encoder of each shot's look (default: $BGM_ENCODER, else descriptor)")
    p.add_argument("--clip-weights", metavar="PATH",
                   help="local open_clip weights file for --encoder clip (default: $BGM_CLIP_WEIGHTS)")
    p.add_argument("--clip-model", metavar="NAME",
                   help="open_clip architecture of those weights (default: $BGM_CLIP_MODEL, else ViT-B-32)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bgm-studio", description="Score a video with generated piano music.")
    sub = parser.add_subparsers(dest="command")

    ev = sub.add_parser("eval", help="metrics of the POP909 test split (and of a folder of MIDI files)")
    ev.add_argument("--split", default="test", choices=["train", "test", "all"])
    ev.add_argument("--midi-dir", help="folder of generated .mid files to measure beside the reference")
    ev.add_argument("--json", help="write the table as JSON to this file")
    ev.add_argument("--pop909", help="POP909 folder (default: ../shared/data/pop909 or $BGM_POP909)")
    ev.add_argument("--generate", action="store_true", help="also sample a piece for each song's controls")
    ev.add_argument("--limit", type=int, default=0, help="only the first N songs of the split")
    ev.add_argument("--midi-out", help="with --generate: keep every sampled piece as MIDI here")
    ev.add_argument("--model", help="checkpoint (default models/bgm-diffusion.pt or $BGM_MODEL)")
    ev.add_argument("--seed", type=int, default=0)
    ev.set_defaults(handler=_cmd_eval)

    tr = sub.add_parser("train", help="train the scoring model on the POP909 train split")
    tr.add_argument("--config", help="JSON training config, or 'debug' for a tiny test run")
    tr.add_argument("--out", default="runs/train", help="output folder for checkpoints (default runs/train)")
    tr.add_argument("--resume", help="state.pt of an earlier run to continue from")
    tr.add_argument("--init", help="start from this model checkpoint's weights (train a published model further)")
    tr.add_argument("--pop909", help="POP909 folder (default: ../shared/data/pop909 or $BGM_POP909)")
    tr.set_defaults(handler=_cmd_train)

    an = sub.add_parser("analyze", help="shots and features of a video (table; --json for everything)")
    an.add_argument("video", help="video file")
    an.add_argument("--json", help="write shots and feature series as JSON to this file")
    an.add_argument("--no-cache", action="store_true", help="analyse again even if the video was analysed before")
    _add_encoder_args(an)
    an.set_defaults(handler=_cmd_analyze)

    ge = sub.add_parser("generate", help="score a video: analyse, generate music, write MP4/MIDI/WAV/project")
    ge.add_argument("video")
    _add_output_args(ge, "-o")
    ge.add_argument("--project", help="save the project (.bgm.json) to regenerate shots later")
    ge.add_argument("--seed", type=int, default=0)
    ge.add_argument("--tempo", type=float, help="tempo in BPM (default: chosen from the video)")
    ge.add_argument("--model", help="checkpoint (default models/bgm-diffusion.pt or $BGM_MODEL)")
    _add_encoder_args(ge)
    ge.set_defaults(handler=_cmd_generate)

    rg = sub.add_parser("regenerate", help="re-sample one shot of a project; every other note stays")
    rg.add_argument("project")
    rg.add_argument("--shot", type=int, required=True, help="shot number, from 0 as in the project file")
    rg.add_argument("--seed", type=int, help="seed of the new take (default: a fresh one)")
    rg.add_argument("--energy", type=float, help="energy of the shot, 0..1")
    rg.add_argument("--density", type=float, help="note onsets per bar in the shot")
    rg.add_argument("--mode", choices=["major", "minor"])
    rg.add_argument("--new-chords", action="store_true",
                    help="draw the shot's chords again (joining the chords before it), then its music")
    rg.add_argument("--video", help="the video, if it moved since the project was saved")
    _add_output_args(rg, "-o")
    rg.add_argument("--model", help="checkpoint (default models/bgm-diffusion.pt or $BGM_MODEL)")
    rg.set_defaults(handler=_cmd_regenerate)

    ex = sub.add_parser("export", help="write a project's music as MP4, MIDI and/or WAV")
    ex.add_argument("project")
    ex.add_argument("--video", help="the video, if it moved since the project was saved")
    _add_output_args(ex, "--mp4")
    ex.set_defaults(handler=_cmd_export)

    op = sub.add_parser("open", help="open the app with a video or a .bgm.json project (no argument: the app alone)")
    op.add_argument("path", help="video file or project")
    op.add_argument("--model", help="checkpoint (default models/bgm-diffusion.pt or $BGM_MODEL)")
    op.set_defaults(handler=_cmd_open)
    return parser


def _cmd_open(args: argparse.Namespace) -> int:
    from .app import run_app  # Qt is imported only here: every other command works without a display

    return run_app(getattr(args, "path", None), getattr(args, "model", None))


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = getattr(args, "handler", _cmd_open)  # no subcommand: the desktop app
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
