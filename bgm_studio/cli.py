"""The bgm-studio command line. Each subcommand calls into the package; no music logic here.

User errors (BgmError) print one line and exit with code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from .atomic import atomic_path
from .batch import command as batch_command
from .errors import BgmError
from .memory import keep_freed_memory
from .messages import OneLineParser
from .mix_options import add_mix_args, add_original_gain_arg, arranged
from .preflight import (
    check_eval_outputs,
    check_outputs,
    check_resume,
    check_suffix,
    check_train_config,
    check_train_outputs,
    make_folder,
)
from .progress import ConsoleProgress, console_bar

if TYPE_CHECKING:  # torch-bound types, imported where a command runs
    from .model.composer import Composer
    from .music.pop909 import Song

Handler = Callable[[argparse.Namespace], int]


def _cmd_eval(args: argparse.Namespace) -> int:
    from .music.evaluate import format_table, midi_folder_row, reference_row
    from .music.pop909 import SPLITS, default_root, load_split, songs_in_range

    t0 = time.perf_counter()
    if args.limit < 0:
        raise BgmError(f"--limit {args.limit}: give a number of songs (0 = all)")
    wanted = songs_in_range(args.songs, args.split) if args.songs else list(SPLITS[args.split])
    check_eval_outputs(args, Path(args.pop909) if args.pop909 else default_root(), wanted)
    folder_row, bad = midi_folder_row(args.midi_dir, progress=console_bar) if args.midi_dir else (None, [])
    songs, problems = load_split(args.split, args.pop909, progress=console_bar)
    for line in problems + bad:
        print(f"warning: skipped {line}", file=sys.stderr)
    if not songs:
        raise BgmError(
            f"{args.pop909 or 'POP909'}: none of the {args.split} songs could be read "
            f"({len(problems)} skipped); is this the POP909 folder?"
        )
    problems += bad
    if args.songs:
        asked = set(wanted)
        songs = [s for s in songs if s.song_id in asked]
        if not songs:
            raise BgmError(f"--songs {args.songs}: none of these songs is in {args.pop909 or 'the POP909 folder'}")
    if args.limit:
        songs = songs[: args.limit]
    if args.generate:  # the songs measured on the generated pieces' cuts too
        ref, gen = _generated_rows(args, songs)
        rows = {f"pop909-{args.split}": ref, "generated": gen}
    else:
        rows = {f"pop909-{args.split}": reference_row(songs, progress=console_bar)}
    if folder_row is not None:
        rows[Path(args.midi_dir).name[-14:]] = folder_row
    print(format_table(rows))
    print(f"{len(songs)} songs in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    if args.json:
        with atomic_path(args.json) as tmp:
            tmp.write_text(json.dumps({"rows": rows, "problems": problems}, indent=2))
    return 0


def _generated_rows(args: argparse.Namespace, songs) -> tuple[dict[str, float], dict[str, float]]:
    """(songs, generated) rows: sample a piece for each song's own controls; optionally keep each as MIDI."""
    from .model.checkpoint import load_melody, load_model, load_roll_critic
    from .model.composer import Composer
    from .model.evaluate import evaluate_generated, piece_score
    from .model.melody_writer import MelodyWriter
    from .model.pipeline import ScorePipeline
    from .model.bar_critic import BarCritic
    from .model.texture import TextureLibrary
    from .music.midi import write_midi
    from .project.state import check_seed

    check_seed(args.seed)
    model, _ = load_model(args.model, args.device)
    melody = load_melody(args.melody_model, next(model.parameters()).device)
    pipeline = ScorePipeline(
        model, textures=TextureLibrary.load(), critic=BarCritic.load(), roll_critic=load_roll_critic()
    )
    composer = Composer(pipeline, MelodyWriter(melody))
    out = Path(args.midi_out) if args.midi_out else None
    if out:
        make_folder(out)
    tempo = {s.song_id: s.tempo_bpm for s in songs}
    keep = (lambda p: write_midi(piece_score(p, tempo[p.song_id]), out / f"{p.song_id}.mid")) if out else None
    gen, ref, _ = evaluate_generated(composer, songs, args.seed, console_bar, keep, args.form)
    return ref, gen


def _cmd_train(args: argparse.Namespace) -> int:
    from .model.checkpoint import load_model
    from .model.denoiser import Denoiser
    from .model.train import load_config, train
    from .music.pop909 import default_root

    if args.melody:
        return _train_melody(args)
    if args.textures:
        return _build_textures(args)
    if args.critic:
        return _fit_critic(args)
    if args.roll_critic:
        return _fit_roll_critic(args)
    cfg = load_config(args.config)
    check_train_config(cfg)
    if args.resume:
        check_resume(args.resume, Denoiser(cfg.model))
    if args.init:
        load_model(args.init)  # a missing or damaged checkpoint is refused before the out folder is made
    check_train_outputs(args, Path(args.pop909) if args.pop909 else default_root())
    make_folder(Path(args.out))
    with ConsoleProgress() as bar:
        path = train(cfg, args.out, args.resume, progress=bar, pop909=args.pop909, init=args.init, device=args.device)
    if os.environ.get("RANK", "0") == "0":  # under torchrun, one line from rank 0
        print(f"model written to {path}")
    return 0


def _build_textures(args: argparse.Namespace) -> int:
    from .model.texture import LIBRARY_SONGS, build_library
    from .clash import refuse_clash
    from .music.pop909 import default_root, load_split

    pop909 = Path(args.pop909) if args.pop909 else default_root()
    target = Path(args.out) / "textures.npz"
    refuse_clash(target, [pop909])
    songs, _ = load_split("train", pop909, progress=console_bar)
    library = build_library([s for s in songs if s.song_id in LIBRARY_SONGS])
    make_folder(Path(args.out))
    library.save(target, (pop909,))
    print(f"texture library written to {target} ({len(library)} figures)")
    return 0


def _critic_fitting(args: argparse.Namespace, name: str, bar_critic: bool) -> tuple[Composer, list[Song], Path]:
    """What fitting a critic into OUT/name needs, checked before any work: the bundled models' composer
    (with the bar critic or without), the train split and the target path."""
    from .clash import refuse_clash
    from .model.bar_critic import BarCritic
    from .model.checkpoint import load_melody, load_model
    from .model.composer import Composer
    from .model.melody_writer import MelodyWriter
    from .model.pipeline import ScorePipeline
    from .model.texture import TextureLibrary
    from .music.pop909 import default_root, load_split

    pop909 = Path(args.pop909) if args.pop909 else default_root()
    target = Path(args.out) / name
    refuse_clash(target, [pop909])
    model, _ = load_model(None, args.device)
    melody = load_melody(None, next(model.parameters()).device)
    critic = BarCritic.load() if bar_critic else None
    composer = Composer(ScorePipeline(model, textures=TextureLibrary.load(), critic=critic), MelodyWriter(melody))
    songs, _ = load_split("train", pop909, progress=console_bar)
    make_folder(Path(args.out))
    return composer, songs, target


def _fit_critic(args: argparse.Namespace) -> int:
    from .model.critic_train import REAL_SONGS, train_critic

    composer, songs, target = _critic_fitting(args, "critic.json", bar_critic=False)
    with ConsoleProgress() as bar:
        critic = train_critic(composer, songs, progress=bar)
    critic.save(target)
    print(f"bar critic written to {target} (POP909's bars of {len(REAL_SONGS)} songs against ours)")
    return 0


def _fit_roll_critic(args: argparse.Namespace) -> int:
    from .model.checkpoint import save_roll_critic
    from .model.device import resolve_device
    from .model.roll_critic_train import train_roll_critic

    composer, songs, target = _critic_fitting(args, "roll_critic.pt", bar_critic=True)
    with ConsoleProgress() as bar:
        critic = train_roll_critic(composer, songs, device=resolve_device(args.device), progress=bar)
    save_roll_critic(critic, target)
    print(f"roll critic written to {target} (POP909's bars against the bundled models')")
    return 0


def _train_melody(args: argparse.Namespace) -> int:
    from .model.melody import MelodyModel
    from .model.melody_train import load_melody_config, train_melody

    if args.init:
        raise BgmError("--init is for the diffusion model; the melody model resumes with --resume")
    cfg = load_melody_config(args.config)
    if args.resume:
        check_resume(args.resume, MelodyModel(cfg.model))
    make_folder(Path(args.out))
    with ConsoleProgress() as bar:
        path = train_melody(cfg, args.out, args.resume, progress=bar, pop909=args.pop909, device=args.device)
    print(f"melody model written to {path}")
    return 0


def _cmd_analyze(args: argparse.Namespace) -> int:
    from .atomic import atomic_path, check_writable_target
    from .video.analysis import analyze_video, shot_table, to_json
    from .video.config import configured

    config = configured(args.encoder, args.clip_weights, args.clip_model)
    if args.json:  # before the analysis, which can take minutes
        check_writable_target(args.json, inputs=(args.video, config.clip_weights))
    with ConsoleProgress() as bar:
        analysis = analyze_video(args.video, config, progress=bar, use_cache=not args.no_cache)
    for line in analysis.warnings:
        print(f"warning: {line}", file=sys.stderr)
    print(shot_table(analysis))
    if args.json:
        with atomic_path(args.json, inputs=(args.video,)) as tmp:
            tmp.write_text(json.dumps(to_json(analysis)))
    return 0


def _outputs(args: argparse.Namespace, project, written: list[str]) -> None:
    """Write the outputs `args` asks for, each added to `written` as soon as it is written."""
    from .audio.synth import SynthConfig
    from .export.mp4 import export_notes
    from .mix_options import mix_config
    from .video.decode import probe
    from .project.outputs import OutputPaths, write_outputs

    paths = OutputPaths(getattr(args, "output", None) or getattr(args, "mp4", None), args.midi, args.wav, args.stems)
    with ConsoleProgress() as bar:
        written = write_outputs(
            project,
            paths,
            SynthConfig(soundfont=args.soundfont),
            args.original_gain,
            video=args.video,
            progress=bar,
            mix=mix_config(args),
            written=written,
        )
    video = args.video or project.video_path
    if paths.mp4 and args.original_gain is not None and probe(video).has_audio:
        dips = "" if args.no_duck else ", which dips under speech"
        print(
            f"note: {paths.mp4} mixes in the video's own sound, level with the music{dips}; --original-gain off leaves it out"
        )
    for note in export_notes(video, paths.mp4) if paths.mp4 else []:  # the app and a batch say so too
        print(f"note: {paths.mp4}: {note}")


@contextlib.contextmanager
def _naming_written(written: list[str]) -> Iterator[None]:
    """An error or a Ctrl-C that ends a command once it has written files (they stay) names them in its one
    line: "error: cancelled (already written: out.bgm.json, out.mid)"."""
    try:
        yield
    except BgmError as exc:
        if not written:
            raise
        raise BgmError(f"{exc} (already written: {', '.join(written)})") from exc
    except KeyboardInterrupt as exc:
        if not written:
            raise
        raise KeyboardInterrupt(f"cancelled (already written: {', '.join(written)})") from exc


def _summary(project, written: list[str], seconds: float) -> None:
    shots = f"{len(project.shots)} shot{'s' if len(project.shots) != 1 else ''}"
    print(
        f"{shots}, {project.tempo_bpm:.1f} BPM, {project.n_beats / 4:g} bars, "
        f"{project.duration_s:.1f} s of video, done in {seconds:.1f} s"
    )
    for path in written:
        print(f"wrote {path}")


def _cmd_generate(args: argparse.Namespace) -> int:
    from .controls.timing import check_tempo
    from .project.preload import load_scorer
    from .project.state import check_seed, save_project
    from .video.analysis import analyze_video
    from .video.config import configured

    t0 = time.perf_counter()
    config = configured(args.encoder, args.clip_weights, args.clip_model)
    check_outputs(args, args.video, inputs=(args.cuts,) if args.cuts else (), extra=(args.project,))
    if args.project:
        check_suffix(args.project, "--project")
    check_seed(args.seed)
    check_tempo(args.tempo)
    cuts = _read_cuts(args.cuts, args.video) if args.cuts else None
    nothing = not (args.output or args.midi or args.wav or args.stems or args.project)
    if nothing and Path(args.video).is_file():  # a missing video is the first thing to hear of
        raise BgmError("nothing to write: give -o OUT.mp4, --midi, --wav, --stems or --project")
    with ConsoleProgress() as bar:
        loading = load_scorer(args.model, args.device)  # torch and the models load while the video is analysed
        analysis = analyze_video(args.video, config, progress=bar, cuts=cuts)
        if not loading.done():  # seconds on a busy machine, and the only stage when the analysis was cached
            bar(0, 1, "loading the model")
        scorer = loading.result()
        from .project.scoring import ScoringOptions, timing_notes  # here: above, it would wait for the loading

        project = scorer.plan(analysis, ScoringOptions(seed=args.seed, tempo_bpm=args.tempo))
        project = arranged(args, scorer.generate(project, progress=bar))
    for line in analysis.warnings:
        print(f"warning: {line}", file=sys.stderr)
    for line in timing_notes(project):
        print(line, file=sys.stderr)
    written: list[str] = []
    with _naming_written(written):
        if args.project:
            save_project(project, args.project)
            written.append(args.project)
        args.video = None
        _outputs(args, project, written)
    _summary(project, written, time.perf_counter() - t0)
    return 0


def _read_cuts(timeline: str, video: str):
    """An editor's cut list for the video, its notes printed; refused (BgmError) before any work on a mismatch."""
    from .video.cutlist import read_cutlist
    from .video.decode import probe

    info = probe(video)
    cuts = read_cutlist(timeline, info, info.duration_s)
    for line in cuts.notes:
        print(f"note: {line}", file=sys.stderr)
    return cuts


def _cmd_regenerate(args: argparse.Namespace) -> int:
    from .project.lock import locked

    with locked(args.project):  # a second regenerate of this project waits, then adds its take to ours
        return _regenerate(args)


def _regenerate(args: argparse.Namespace) -> int:
    from .controls.video_mapping import ShotOverrides
    from .music.harmony import chord_changes
    from .project.piece import check_video
    from .project.scoring import Scorer, check_new_chords
    from .project.state import check_seed, load_project, save_project

    t0 = time.perf_counter()
    project = load_project(args.project)
    if not 0 <= args.shot < len(project.shots):
        raise BgmError(f"shot {args.shot} does not exist (this project has shots 0-{len(project.shots) - 1})")
    if args.seed is not None:
        check_seed(args.seed)
    if args.new_chords:
        check_new_chords(project, args.shot)
    check_outputs(args, args.video or project.video_path, (args.project, project.video_path))
    if args.video or args.output or args.wav:  # before the project is changed: its video must be there
        project.video_path = str(Path(check_video(project, args.video)).absolute())  # a relink is kept
    old = project.shots[args.shot].overrides
    overrides = ShotOverrides(
        energy=args.energy if args.energy is not None else old.energy,
        density=args.density if args.density is not None else old.density,
        mode=args.mode or old.mode,
        locked=False,
    )
    with ConsoleProgress() as bar:
        bar(0, 1, "loading the model")
        project = Scorer(args.model, device=args.device).regenerate(
            arranged(args, project), args.shot, args.seed, overrides, progress=bar, new_chords=args.new_chords
        )
    save_project(project, args.project)
    written = [args.project]
    with _naming_written(written):
        _outputs(args, project, written)
    shot = project.shots[args.shot]
    take = shot.takes[shot.take]
    chords = " ".join(name for _, name in chord_changes(take.chord_root, take.chord_pcs))
    print(f"shot {args.shot}: take {shot.take} (seed {take.seed})" + (f", chords {chords}" if args.new_chords else ""))
    _summary(project, written, time.perf_counter() - t0)
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from .project.state import load_project

    t0 = time.perf_counter()
    project = load_project(args.project)
    timelines = [p for p in (args.otio, args.edl, args.fcpxml, args.xml) if p]
    if not (args.mp4 or args.midi or args.wav or args.stems or timelines):
        raise BgmError("nothing to export: give --mp4, --midi, --wav, --stems and/or --otio, --edl, --fcpxml, --xml")
    if timelines:
        args.wav = args.wav or str(Path(timelines[0]).with_suffix(".wav"))  # the music the timeline plays
    check_outputs(args, args.video or project.video_path, (args.project, project.video_path), extra=tuple(timelines))
    texts = _timeline_texts(project, args, timelines)
    project = arranged(args, project)  # for this export; the project file is not changed
    written: list[str] = []
    with _naming_written(written):
        _outputs(args, project, written)
        if timelines:
            from .project.timeline import write_timelines

            written.extend(write_timelines(texts, args.video or project.video_path))
    _summary(project, written, time.perf_counter() - t0)
    return 0


def _timeline_texts(project, args: argparse.Namespace, timelines: list[str]) -> dict[str, str]:
    """Each timeline to write as its text, made before any file is written: a suffix, a video or a frame
    rate a format cannot take (an EDL of a 15 fps video) refuses the export whole."""
    if not timelines:
        return {}
    from .export.timeline import AudioFile, check_timeline_path
    from .project.piece import check_video
    from .project.timeline import timeline_texts, video_rate

    for path in timelines:
        check_timeline_path(path)
    rate = video_rate(check_video(project, args.video))
    return timeline_texts(project, timelines, [AudioFile("music", args.wav)], args.video or project.video_path, rate)


def _add_output_args(p: argparse.ArgumentParser, mp4_flag: str) -> None:
    if mp4_flag == "-o":
        p.add_argument("-o", "--output", help="MP4 (or .mov/.mkv) with the music muxed in")
    else:
        p.add_argument("--mp4", help="MP4 (or .mov/.mkv) with the music muxed in")
    p.add_argument("--midi", help="write the music as a MIDI file")
    p.add_argument("--wav", help="write the music as a WAV file (the video's length)")
    p.add_argument("--soundfont", help=".sf2/.sf3 soundfont (default: the installed General MIDI one)")
    add_original_gain_arg(p, "the video's")
    add_mix_args(p)


def _add_encoder_args(p: argparse.ArgumentParser) -> None:
    from .video.config import ENCODERS

    p.add_argument(
        "--encoder",
        choices=ENCODERS,
        help="semantic encoder of each shot's look (default: $BGM_ENCODER, else descriptor)",
    )
    p.add_argument(
        "--clip-weights",
        metavar="PATH",
        help="local open_clip weights file for --encoder clip (default: $BGM_CLIP_WEIGHTS)",
    )
    p.add_argument(
        "--clip-model",
        metavar="NAME",
        help="open_clip architecture of those weights (default: $BGM_CLIP_MODEL, else ViT-B-32)",
    )


def _add_device_arg(p: argparse.ArgumentParser) -> None:
    from .model.device import DEVICES

    p.add_argument(
        "--device", choices=DEVICES, help="where the model runs (default: $BGM_DEVICE, else auto: CUDA when present)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="bgm-studio",
        description="Score a video with generated music: melody, accompaniment and bass, on piano or a preset of instruments.",
    )
    sub = parser.add_subparsers(dest="command")

    ev = sub.add_parser("eval", help="metrics of the POP909 test split (and of a folder of MIDI files)")
    ev.add_argument("--split", default="test", choices=["train", "test", "all"])
    ev.add_argument("--midi-dir", help="folder of generated .mid files to measure beside the reference")
    ev.add_argument("--json", help="write the table as JSON to this file")
    ev.add_argument("--pop909", help="POP909 folder (default: ../shared/data/pop909 or $BGM_POP909)")
    ev.add_argument("--generate", action="store_true", help="also sample a piece for each song's controls")
    ev.add_argument("--limit", type=int, default=0, help="only the first N songs of the split")
    ev.add_argument(
        "--songs", help="only the split's songs FIRST-LAST, e.g. 771-818 (validation songs of the train split)"
    )
    ev.add_argument("--midi-out", help="with --generate: keep every sampled piece as MIDI here")
    ev.add_argument("--model", help="checkpoint (default models/bgm-diffusion.pt or $BGM_MODEL)")
    ev.add_argument("--melody-model", help="melody checkpoint (default models/melody.pt or $BGM_MELODY_MODEL)")
    ev.add_argument(
        "--form",
        default="random",
        choices=["random", "labels"],
        help="with --generate: segments and form at random (planned as for a video), or the songs' own phrase labels",
    )
    ev.add_argument("--seed", type=int, default=0)
    _add_device_arg(ev)
    ev.set_defaults(handler=_cmd_eval)

    tr = sub.add_parser("train", help="train the scoring model on the POP909 train split")
    tr.add_argument("--config", help="JSON training config, or 'debug' for a tiny test run")
    tr.add_argument("--out", default="runs/train", help="output folder for checkpoints (default runs/train)")
    tr.add_argument("--resume", help="state.pt of an earlier run to continue from")
    tr.add_argument("--init", help="start from this model checkpoint's weights (train a published model further)")
    tr.add_argument("--pop909", help="POP909 folder (default: ../shared/data/pop909 or $BGM_POP909)")
    tr.add_argument(
        "--melody",
        action="store_true",
        help="train the melody model instead (config: models/melody_train_config.json or 'debug')",
    )
    tr.add_argument(
        "--textures",
        action="store_true",
        help="build the accompaniment figure library (OUT/textures.npz) from train songs 001-802 instead",
    )
    tr.add_argument(
        "--critic",
        action="store_true",
        help="fit the bar critic (OUT/critic.json): POP909's bars against the bundled models' (about 15 minutes)",
    )
    tr.add_argument(
        "--roll-critic",
        action="store_true",
        help="fit the roll critic (OUT/roll_critic.pt): POP909's bar rolls against the bundled models' (under an hour)",
    )
    _add_device_arg(tr)
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
    ge.add_argument(
        "--seed",
        type=int,
        default=0,
        help="with the video's content, draws the music: the same video and seed give the same music, "
        "each video its own key and players (default 0)",
    )
    ge.add_argument("--tempo", type=float, help="tempo in BPM (default: chosen from the video)")
    ge.add_argument(
        "--cuts",
        metavar="TIMELINE",
        help="take the shots from an editor's cut list (.otio, .edl, .xml, .fcpxml, .kdenlive)",
    )
    ge.add_argument("--model", help="checkpoint (default models/bgm-diffusion.pt or $BGM_MODEL)")
    _add_encoder_args(ge)
    _add_device_arg(ge)
    ge.set_defaults(handler=_cmd_generate)

    rg = sub.add_parser("regenerate", help="re-sample one shot of a project; every other note stays")
    rg.add_argument("project")
    rg.add_argument("--shot", type=int, required=True, help="shot number, from 0 as in the project file")
    rg.add_argument("--seed", type=int, help="seed of the new take (default: a fresh one)")
    rg.add_argument("--energy", type=float, help="energy of the shot, 0..1")
    rg.add_argument("--density", type=float, help="note onsets per bar in the shot")
    rg.add_argument("--mode", choices=["major", "minor"])
    rg.add_argument(
        "--new-chords",
        action="store_true",
        help="draw the shot's chords again (joining the chords before it), then its music",
    )
    rg.add_argument("--video", help="the video, if it moved since the project was saved")
    _add_output_args(rg, "-o")
    rg.add_argument("--model", help="checkpoint (default models/bgm-diffusion.pt or $BGM_MODEL)")
    _add_device_arg(rg)
    rg.set_defaults(handler=_cmd_regenerate)

    ex = sub.add_parser("export", help="write a project's music as MP4, MIDI, WAV, stems and/or an editor's timeline")
    ex.add_argument("project")
    ex.add_argument("--video", help="the video, if it moved since the project was saved")
    _add_output_args(ex, "--mp4")
    for flag, what in (
        ("--otio", "OpenTimelineIO"),
        ("--edl", "CMX 3600 EDL"),
        ("--fcpxml", "Final Cut Pro X XML"),
        ("--xml", "Final Cut Pro 7 XML (Premiere, Resolve)"),
    ):
        ex.add_argument(
            flag,
            metavar="FILE",
            help=f"write a timeline as {what}: the music (the --wav file, by "
            "default FILE's name with .wav) on its own track, a marker per shot",
        )
    ex.set_defaults(handler=_cmd_export)

    bt = sub.add_parser("batch", help="score many videos (a folder or a list) on local processes or Ray")
    batch_command.add_arguments(bt)
    _add_encoder_args(bt)
    _add_device_arg(bt)
    bt.set_defaults(handler=batch_command.run)

    op = sub.add_parser("open", help="open the app with a video or a .bgm.json project (no argument: the app alone)")
    op.add_argument("path", nargs="?", help="video file or project (none: the app alone)")
    op.add_argument("--model", help="checkpoint (default models/bgm-diffusion.pt or $BGM_MODEL)")
    _add_device_arg(op)
    op.set_defaults(handler=_cmd_open)
    return parser


def _cmd_open(args: argparse.Namespace) -> int:
    from .app import run_app  # Qt is imported only here: every other command works without a display

    if getattr(args, "device", None):
        os.environ["BGM_DEVICE"] = args.device  # the app's Scorer reads it
    return run_app(getattr(args, "path", None), getattr(args, "model", None))


BROKEN_PIPE = 141  # the status a shell gives a process ended by SIGPIPE (128 + 13)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = getattr(args, "handler", _cmd_open)  # no subcommand: the desktop app
    if handler is not _cmd_open:  # a command ends when its work does; the app would keep its peak memory
        keep_freed_memory()
    try:
        if getattr(args, "device", None):  # a missing GPU is refused before any work
            from .model.device import check_device

            check_device(args.device)
        return handler(args)
    except BgmError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        print(f"error: {str(exc) or 'cancelled'}", file=sys.stderr)  # what a command had written before, if any
        return 130
    except BrokenPipeError:  # the reader of our output went (`| head`): stop as a process SIGPIPE ends would
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python's flush at exit writes nowhere
        return BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(main())
